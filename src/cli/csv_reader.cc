// Reads the CLI's CSV rows (csv_reader.h).
#include "csv_reader.h"

#include <charconv>
#include <limits>
#include <string_view>
#include <system_error>

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

}  // namespace

bool read_csv_rows(std::istream& in, bool header, size_t num_features, CsvRows* rows,
                   std::string* problem) {
  std::string line;
  size_t line_number = 0;
  rows->values.clear();
  rows->n_rows = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (header && line_number == 1) continue;
    if (trim(line).empty()) continue;
    std::string_view rest(line);
    size_t fields = 0;
    for (;;) {
      const size_t comma = rest.find(',');
      const std::string_view field = rest.substr(0, comma);
      double value;
      const std::string why = parse_field(field, &value);
      if (!why.empty()) {
        *problem = "line " + std::to_string(line_number) + ", field " + std::to_string(fields + 1) + ": '" +
                   std::string(trim(field)) + "' " + why;
        return false;
      }
      rows->values.push_back(value);
      ++fields;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (fields != num_features) {
      *problem = "line " + std::to_string(line_number) + " has " + std::to_string(fields) +
                 " fields but the model expects " + std::to_string(num_features);
      return false;
    }
    ++rows->n_rows;
  }
  if (in.bad()) {
    *problem = "reading the input failed after line " + std::to_string(line_number);
    return false;
  }
  return true;
}

}  // namespace polyscore_cli
