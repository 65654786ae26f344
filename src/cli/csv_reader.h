// The rows `polyscore predict --input` reads: comma-separated numbers, one row a line.
// Shared by the CLI (main.cc) and its fuzz target (tests/fuzz/fuzz_csv.cc).
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace polyscore_cli {

// Rows read from a CSV text: n_rows * num_features values, row-major.
struct CsvRows {
  std::vector<double> values;
  size_t n_rows = 0;
};

// Reads every line of `in` as a row of exactly num_features fields; blank lines are
// skipped, and the first line too when `header`. A field that is empty, nan, NaN or NA
// is missing (NaN); inf and -inf are numbers; spaces and tabs around a field and a
// trailing \r are ignored. On a broken row returns false with *problem naming the line
// (and the field), e.g. "line 3, field 2: 'x' is not a number".
bool read_csv_rows(std::istream& in, bool header, size_t num_features, CsvRows* rows,
                   std::string* problem);

}  // namespace polyscore_cli
