// libFuzzer target for the CLI's CSV reader (src/cli/csv_reader.h). The first byte of
// the input picks the number of features (1 to 16) and how the first line is read: bit 4
// skips it (--skip-header), bit 5 matches it by name (--header) against the feature
// names "a", "b", ...; bit 6 gives the reader a category coder (even features code a text
// of up to 3 bytes as its length and refuse a longer one, odd features take none), so
// that quoted fields and texts go through it too. The rest is the CSV text. The reader
// must either accept it,
// returning exactly n_rows * num_features values, or reject it with a message naming
// the line (or the empty input).
// Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t num_features = 1 + (data[0] & 15);
  const bool by_name = (data[0] & 32) != 0;
  const auto header = by_name ? polyscore_cli::Header::kByName
                      : (data[0] & 16) != 0 ? polyscore_cli::Header::kSkip
                                            : polyscore_cli::Header::kNone;
  std::vector<std::string> names;
  for (size_t j = 0; j < num_features; ++j) names.emplace_back(1, static_cast<char>('a' + j));
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  polyscore_cli::CategoryCoder coder;
  if ((data[0] & 64) != 0) {
    coder = [num_features](size_t feature, std::string_view text, bool, double* code, std::string* why) {
      if (feature >= num_features) __builtin_trap();
      if (feature % 2 != 0) return false;
      if (text.size() > 3) {
        *why = "too long";
        return false;
      }
      *code = static_cast<double>(text.size());
      return true;
    };
  }
  polyscore_cli::CsvRows rows;
  std::string problem;
  const bool ok = by_name ? polyscore_cli::read_csv_rows(in, header, names, &rows, &problem, coder)
                          : polyscore_cli::read_csv_rows(in, header, num_features, &rows, &problem, coder);
  if (ok) {
    if (!problem.empty() || rows.values.size() != rows.n_rows * num_features) __builtin_trap();
  } else {
    if (problem.rfind("line ", 0) != 0 && problem.rfind("reading the input", 0) != 0 &&
        problem.rfind("the input is empty", 0) != 0) {
      __builtin_trap();
    }
  }
  return 0;
}
