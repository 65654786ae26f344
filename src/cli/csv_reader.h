// The rows `polyscore predict --input` reads: comma-separated numbers, one row a line,
// fields quoted by RFC 4180 where they hold a comma, a quote or a line break.
// Shared by the CLI (main.cc) and its fuzz target (tests/fuzz/fuzz_csv.cc).
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace polyscore_cli {

// How read_csv_rows treats the first line of the input.
enum class Header {
  kNone,      // every line is a row
  kSkip,      // the first line is skipped; columns are the model's features by position
  kByName,    // the first line names the columns; each is matched to a model feature name
};

// Rows read from a CSV text: n_rows * num_features values, row-major.
struct CsvRows {
  std::vector<double> values;
  size_t n_rows = 0;
};

// Codes a field as a category value of model feature `feature` (main.cc: the model's
// training categories, src/feature_columns/category_codes.h): true with *code set; false
// with *why saying why not, or with *why empty when the feature takes no category values,
// so the field is read as a number. Called for a field that is not a number, and first
// for every quoted field but "" (`quoted` true: then *why is empty also when the
// feature's values are not coded from texts, so that a quoted number stays a number).
using CategoryCoder =
    std::function<bool(size_t feature, std::string_view text, bool quoted, double* code, std::string* why)>;

// Reads every record of `in` as a row of exactly num_features fields; blank lines are
// skipped. With Header::kSkip the first record is skipped. With Header::kByName the first
// record names the columns (spaces around a name ignored) and the rows are laid out in
// the order of `feature_names` (the model's, one per feature): every name must be a
// column and every column a name, in any order; otherwise *problem says which columns are
// missing and which unexpected. A field that is empty, nan, NaN or NA is missing (NaN);
// inf and -inf are numbers; spaces and tabs around a field and a trailing \r are
// ignored. A field that is not a number goes to `categories` (if set) first.
// Quoting (RFC 4180, as Python's csv module and pandas' to_csv write it): a field that
// starts with " (after spaces) runs to the next lone "; "" inside it is one ", and a
// comma or a line break inside it is the field's, so a record can span lines (line
// numbers in messages count the file's lines). Its text is exactly what is between the
// quotes: a category value or a column name keeps its spaces. In a column whose values
// `categories` codes from texts, a quoted field but "" is always a category's text
// ("NA" is the category NA, "8" the category 8, as a JSON string is on the server);
// elsewhere, and "" everywhere, it is read as the same text unquoted would be ("1.5" is
// 1.5, "" and "NA" are missing), since Python's csv and pandas' to_csv quote numbers and
// write a missing value as "" under QUOTE_ALL. A quote that is never closed, text after
// a closing quote, or a quote inside a field that does not start with one is an error
// naming the line, the field and the character. On a broken row returns false with
// *problem naming the line (and the field), e.g. "line 3, field 2: 'x' is not a number".
bool read_csv_rows(std::istream& in, Header header, const std::vector<std::string>& feature_names,
                   CsvRows* rows, std::string* problem, const CategoryCoder& categories = {});

// As above, for columns by position only (Header::kNone or Header::kSkip).
bool read_csv_rows(std::istream& in, Header header, size_t num_features, CsvRows* rows,
                   std::string* problem, const CategoryCoder& categories = {});

}  // namespace polyscore_cli
