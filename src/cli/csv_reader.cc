// Reads the CLI's CSV rows (csv_reader.h).
#include "csv_reader.h"

#include <algorithm>
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

// One field of a record. An unquoted field's text is as written (trimmed where it is
// read); a quoted field's is what is between its quotes, "" read as ", spaces kept.
struct Field {
  std::string_view text;
  bool quoted = false;
  // The text a category value or a column name is: a quoted field's exactly.
  std::string_view name() const { return quoted ? text : trim(text); }
};

// A record (one line, or more when a quoted field holds a line break) cut into fields
// by RFC 4180. Reused from record to record, so that reading allocates nothing once the
// longest record has been seen.
// Quotes are looked for only where they can be: a field that reads as a number holds
// none, so a record is first cut at every comma, and only a field that is not a number
// and holds a quote makes the reader unquote the record (unquote()) and start it again.
// A file of numbers is then read as fast as before quotes were read (a search of every
// line for a quote cost 2%).
class Record {
 public:
  // Reads the next line as a record cut at every comma; false at the end of the input.
  // *line_number is the number of the last line read.
  bool read(std::istream& in, size_t* line_number) {
    if (!std::getline(in, text_)) return false;
    first_line_ = ++*line_number;
    drop_cr(&text_);
    quoted_ = false;
    rewind();
    return true;
  }

  bool blank() const { return trim(text_).empty(); }
  size_t first_line() const { return first_line_; }
  bool holds_quote() const { return text_.find('"') != std::string::npos; }

  // Cuts the record again by RFC 4180 and rewinds next() to its first field, reading
  // more lines while a quoted field is open (an odd number of quotes read: a quote
  // inside a quoted field is two), since the line break is then the field's. False with
  // *problem naming the line, the field, the character and what is wrong with a quote.
  bool unquote(std::istream& in, size_t* line_number, std::string* problem) {
    bool open = std::count(text_.begin(), text_.end(), '"') % 2 != 0;
    while (open && std::getline(in, line_)) {
      ++*line_number;
      drop_cr(&line_);
      text_ += '\n';
      text_ += line_;
      open = std::count(line_.begin(), line_.end(), '"') % 2 != 0 ? !open : open;
    }
    quoted_ = true;
    rewind();
    return split_quoted(&quoted_fields_, problem);
  }
  bool unquoted() const { return quoted_; }

  void rewind() {
    next_ = 0;
    at_end_ = false;
  }

  // The next field; false after the last.
  bool next(Field* field) {
    if (quoted_) {
      if (next_ == quoted_fields_.size()) return false;
      *field = quoted_fields_[next_++];
      return true;
    }
    if (at_end_) return false;
    const std::string_view text(text_);
    const size_t comma = text.find(',', next_);
    *field = {text.substr(next_, comma - next_), false};
    at_end_ = comma == std::string_view::npos;
    next_ = comma + 1;
    return true;
  }

 private:
  bool split_quoted(std::vector<Field>* fields, std::string* problem) {
    fields->clear();
    const std::string_view text(text_);
    field_texts_.clear();
    field_texts_.reserve(text.size());  // the views below point into it: it must not move
    for (size_t i = 0;;) {
      const size_t start = i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < text.size() && text[i] == '"') {
        const size_t open = i++;
        const size_t begin = field_texts_.size();
        for (;;) {  // up to the closing quote, "" read as "
          const size_t quote = text.find('"', i);
          if (quote == std::string_view::npos) {
            return fail(open, fields->size(), "the quote that opens the field is never closed", problem);
          }
          field_texts_.append(text.substr(i, quote - i));
          i = quote + 1;
          if (i == text.size() || text[i] != '"') break;
          field_texts_ += '"';
          ++i;
        }
        fields->push_back({std::string_view(field_texts_).substr(begin), true});
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        if (i == text.size()) return true;
        if (text[i] != ',') return fail(i, fields->size() - 1, "text after the closing quote", problem);
        ++i;
        continue;
      }
      const size_t comma = text.find(',', i);
      const std::string_view field = text.substr(start, comma - start);
      const size_t quote = field.find('"');
      if (quote != std::string_view::npos) {
        return fail(start + quote, fields->size(), "a quote inside a field that does not start with one", problem);
      }
      fields->push_back({field, false});
      if (comma == std::string_view::npos) return true;
      i = comma + 1;
    }
  }

  static void drop_cr(std::string* line) {
    if (!line->empty() && line->back() == '\r') line->pop_back();
  }

  // "line L, field F: <what> (character C); ..." for the character at `offset`.
  bool fail(size_t offset, size_t field, const char* what, std::string* problem) const {
    const std::string_view before = std::string_view(text_).substr(0, offset);
    const size_t line = first_line_ + std::count(before.begin(), before.end(), '\n');
    const size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    *problem = "line " + std::to_string(line) + ", field " + std::to_string(field + 1) + ": " + what +
               " (character " + std::to_string(offset - line_start + 1) +
               "); a quoted field is \"...\" with each quote inside it written twice (\"\")";
    return false;
  }

  std::string text_, line_;
  std::string field_texts_;  // the quoted fields' texts, unquoted
  size_t first_line_ = 0;
  bool quoted_ = false;  // cut by RFC 4180 (unquote()), or at every comma
  std::vector<Field> quoted_fields_;
  size_t next_ = 0;  // next(): the index of the next field, or (cut at commas) its offset
  bool at_end_ = false;
};

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
bool match_header(const std::vector<Field>& header, const std::vector<std::string>& feature_names,
                  std::vector<size_t>* source_of, std::string* problem) {
  std::vector<std::string> columns;
  for (const Field& field : header) columns.emplace_back(field.name());
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
  Record record;
  size_t line_number = 0;
  rows->values.clear();
  rows->n_rows = 0;
  std::vector<size_t> source_of;  // by name: the column of each feature
  std::vector<size_t> feature_of;  // by name: the feature of each column
  std::vector<double> fields_read;
  while (record.read(in, &line_number)) {
    const size_t row_line = record.first_line();
    if (header != Header::kNone && row_line == 1) {
      // The header is unquoted whenever it holds a quote: skipped, it may span lines.
      if (record.holds_quote() && !record.unquote(in, &line_number, problem)) return false;
      if (header == Header::kByName) {
        std::vector<Field> names;
        for (Field name; record.next(&name);) names.push_back(name);
        if (!match_header(names, *feature_names, &source_of, problem)) return false;
      }
      feature_of.assign(source_of.size(), 0);
      for (size_t j = 0; j < source_of.size(); ++j) feature_of[source_of[j]] = j;
      continue;
    }
    if (record.blank()) continue;
    fields_read.clear();
    for (Field field; record.next(&field);) {
      double value;
      std::string why = parse_field(field.text, &value);
      if (!why.empty() && !record.unquoted() && field.text.find('"') != std::string_view::npos) {
        if (!record.unquote(in, &line_number, problem)) return false;
        fields_read.clear();  // again from the first field
        continue;
      }
      const size_t column = fields_read.size();
      const size_t feature = feature_of.empty() ? column : column < feature_of.size() ? feature_of[column] : num_features;
      if (field.quoted && !field.text.empty() && categories && feature < num_features) {
        // A quoted field where texts are coded is a category's text, even "NA" or "8".
        std::string coding;
        if (categories(feature, field.text, true, &value, &coding)) {
          why.clear();
        } else if (!coding.empty()) {
          *problem = "line " + std::to_string(row_line) + ", field " + std::to_string(column + 1) + ": " + coding;
          return false;
        }
      }
      if (!why.empty() && categories && feature < num_features) {
        std::string coding;
        if (categories(feature, field.name(), false, &value, &coding)) {
          why.clear();
        } else if (!coding.empty()) {
          *problem = "line " + std::to_string(row_line) + ", field " + std::to_string(column + 1) + ": " + coding;
          return false;
        }
      }
      if (!why.empty()) {
        *problem = "line " + std::to_string(row_line) + ", field " + std::to_string(column + 1) + ": '" +
                   std::string(field.name()) + "' " + why;
        return false;
      }
      fields_read.push_back(value);
    }
    if (fields_read.size() != num_features) {
      *problem = "line " + std::to_string(row_line) + " has " + std::to_string(fields_read.size()) +
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
