// Reads the CLI's CSV rows (csv_reader.h).
#include "csv_reader.h"

#include <charconv>
#include <limits>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace polyscore_cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Parses one CSV field; on failure returns why ("" on success).
std::string parse_field(std::string_view field, double* value) {
  field = trim(field);
  if (field.empty() || field == "nan" || field == "NaN" || field == "NA") {
    *value = std::numeric_limits<double>::quiet_NaN();
    return "";
  }
  std::string_view digits = field;
  if (digits.front() == '+') digits.remove_prefix(1);  // from_chars takes '-' only
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-') && digits != field) {
    return "is not a number";
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  if (ec == std::errc::result_out_of_range) return "is out of the range of a double";
  if (ec != std::errc() || end != digits.data() + digits.size()) return "is not a number";
  return "";
}

// The names of `names` quoted and comma-separated: 'a', 'b'.
std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

// LightGBM saves a feature name with its whitespace replaced by '_' ("a b" as "a_b"), so
// a column is matched under that spelling too, as the Python binding does.
std::string lightgbm_spelling(std::string_view name) {
  std::string out;
  bool in_space = false;
  for (char c : name) {
    const bool space = c == ' ' || c == '\t';
    if (space && !in_space && !out.empty()) out += '_';
    if (!space) out += c;
    in_space = space;
  }
  if (!out.empty() && out.back() == '_' && in_space) out.pop_back();
  return out;
}

// Sets *source_of (one entry per model feature) to the header column holding each
// feature. False with *problem naming the missing and unexpected columns.
bool match_header(std::string_view line, const std::vector<std::string>& feature_names,
                  std::vector<size_t>* source_of, std::string* problem) {
  std::vector<std::string> columns;
  for (;;) {
    const size_t comma = line.find(',');
    columns.emplace_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  std::unordered_map<std::string, size_t> column_of;
  std::vector<std::string> duplicates;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!column_of.emplace(columns[i], i).second) duplicates.push_back(columns[i]);
  }
  if (!duplicates.empty()) {
    *problem = "line 1 (the header): duplicate columns " + quoted_list(duplicates);
    return false;
  }
  for (size_t i = 0; i < columns.size(); ++i) column_of.emplace(lightgbm_spelling(columns[i]), i);
  std::vector<bool> used(columns.size(), false);
  std::vector<std::string> missing, unexpected;
  source_of->assign(feature_names.size(), 0);
  for (size_t j = 0; j < feature_names.size(); ++j) {
    const auto found = column_of.find(feature_names[j]);
    if (found == column_of.end() || used[found->second]) {
      missing.push_back(feature_names[j]);
      continue;
    }
    used[found->second] = true;
    (*source_of)[j] = found->second;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!used[i]) unexpected.push_back(columns[i]);
  }
  if (missing.empty() && unexpected.empty()) return true;
  std::string features;
  for (const std::string& name : feature_names) features += (features.empty() ? "" : ", ") + name;
  *problem = "line 1 (the header): the columns do not match the model's features (" + features + "): ";
  if (!missing.empty()) {
    *problem += std::string(missing.size() > 1 ? "missing columns " : "missing column ") + quoted_list(missing);
  }
  if (!unexpected.empty()) {
    if (!missing.empty()) *problem += "; ";
    *problem += std::string(unexpected.size() > 1 ? "unexpected columns " : "unexpected column ") +
                quoted_list(unexpected);
  }
  return false;
}

// Reads the rows; source_of (empty: by position) gives each feature's column.
bool read_rows(std::istream& in, Header header, size_t num_features, const std::vector<std::string>* feature_names,
               CsvRows* rows, std::string* problem, const CategoryCoder& categories) {
  std::string line;
  size_t line_number = 0;
  rows->values.clear();
  rows->n_rows = 0;
  std::vector<size_t> source_of;  // by name: the column of each feature
  std::vector<size_t> feature_of;  // by name: the feature of each column
  std::vector<double> fields_read;
  while (std::getline(in, line)) {
    ++line_number;
    if (header != Header::kNone && line_number == 1) {
      if (header == Header::kByName && !match_header(line, *feature_names, &source_of, problem)) return false;
      feature_of.assign(source_of.size(), 0);
      for (size_t j = 0; j < source_of.size(); ++j) feature_of[source_of[j]] = j;
      continue;
    }
    if (trim(line).empty()) continue;
    std::string_view rest(line);
    fields_read.clear();
    for (;;) {
      const size_t comma = rest.find(',');
      const std::string_view field = rest.substr(0, comma);
      double value;
      std::string why = parse_field(field, &value);
      const size_t column = fields_read.size();
      const size_t feature = feature_of.empty() ? column : column < feature_of.size() ? feature_of[column] : num_features;
      if (!why.empty() && categories && feature < num_features) {
        std::string coding;
        if (categories(feature, trim(field), &value, &coding)) {
          why.clear();
        } else if (!coding.empty()) {
          *problem = "line " + std::to_string(line_number) + ", field " + std::to_string(column + 1) + ": " + coding;
          return false;
        }
      }
      if (!why.empty()) {
        *problem = "line " + std::to_string(line_number) + ", field " + std::to_string(fields_read.size() + 1) +
                   ": '" + std::string(trim(field)) + "' " + why;
        return false;
      }
      fields_read.push_back(value);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (fields_read.size() != num_features) {
      *problem = "line " + std::to_string(line_number) + " has " + std::to_string(fields_read.size()) +
                 " fields but the model expects " + std::to_string(num_features);
      return false;
    }
    if (source_of.empty()) {
      rows->values.insert(rows->values.end(), fields_read.begin(), fields_read.end());
    } else {
      for (size_t column : source_of) rows->values.push_back(fields_read[column]);
    }
    ++rows->n_rows;
  }
  if (in.bad()) {
    *problem = "reading the input failed after line " + std::to_string(line_number);
    return false;
  }
  if (header == Header::kByName && line_number == 0) {
    *problem = "the input is empty: --header expects a first line naming the columns";
    return false;
  }
  return true;
}

}  // namespace

bool read_csv_rows(std::istream& in, Header header, const std::vector<std::string>& feature_names, CsvRows* rows,
                   std::string* problem, const CategoryCoder& categories) {
  return read_rows(in, header, feature_names.size(), &feature_names, rows, problem, categories);
}

bool read_csv_rows(std::istream& in, Header header, size_t num_features, CsvRows* rows, std::string* problem,
                   const CategoryCoder& categories) {
  if (header == Header::kByName) {
    *problem = "columns by name need the model's feature names";
    return false;
  }
  return read_rows(in, header, num_features, nullptr, rows, problem, categories);
}

}  // namespace polyscore_cli
