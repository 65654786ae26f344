// The sparse conformance vectors (tests/vectors/sparse, made by the real libraries from
// scipy CSR matrices over 2^20 declared features) must come out of ps_model_predict_csr
// as the library's own predict gave them; and a row given densely, 2^20 values wide, must
// score as the same row given as CSR.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

const nlohmann::json& manifest() {
  static const nlohmann::json m = nlohmann::json::parse(
      polyscore_test::read_file(source_path("tests/vectors/sparse/manifest.json")));
  return m;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& c : manifest()["cases"]) names.push_back(c["name"]);
  return names;
}

nlohmann::json find_case(const std::string& name) {
  for (const auto& c : manifest()["cases"]) {
    if (c["name"] == name) return c;
  }
  return {};
}

// Rows written as "index:value index:value ..." per line (an empty line: no entries).
struct Csr {
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<double> values;
  size_t rows() const { return indptr.size() - 1; }
};

Csr read_rows(const std::string& path) {
  Csr csr;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream entries(line);
    std::string entry;
    while (entries >> entry) {
      const size_t colon = entry.find(':');
      csr.indices.push_back(static_cast<int32_t>(std::stol(entry.substr(0, colon))));
      csr.values.push_back(std::strtod(entry.c_str() + colon + 1, nullptr));
    }
    csr.indptr.push_back(static_cast<int64_t>(csr.indices.size()));
  }
  return csr;
}

bool close(double expected, double actual, double rel) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (expected == actual) return true;
  return std::fabs(expected - actual) <= rel * std::max(std::fabs(expected), std::fabs(actual));
}

struct Output {
  int32_t kind;
  const char* name;
};
const Output kOutputs[] = {{PS_OUTPUT_VALUE, "value"}, {PS_OUTPUT_MARGIN, "margin"}, {PS_OUTPUT_LEAF, "leaf"}};

class SparseConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(SparseConformance, MatchesTrainingLibrary) {
  const auto c = find_case(GetParam());
  Loaded m(source_path("tests/vectors/sparse/" + c["model"].get<std::string>()));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  const size_t n_cols = c["num_features"].get<size_t>();
  const Csr x = read_rows(source_path("tests/vectors/sparse/" + c["input"].get<std::string>()));
  ASSERT_EQ(x.rows(), c["rows"].get<size_t>());
  ASSERT_EQ(x.values.size(), c["stored_entries"].get<size_t>());
  const bool lightgbm = c["library"] == "lightgbm";
  const size_t n_rows = x.rows();

  for (const Output& o : kOutputs) {
    SCOPED_TRACE(o.name);
    const auto expected = polyscore_test::flatten(
        read_csv(source_path("tests/vectors/sparse/" + c["outputs"][o.name]["file"].get<std::string>())));
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = o.kind;
    size_t size = 0;
    ASSERT_EQ(ps_model_output_size(&size, m.model, n_rows, &opts, m.err), PS_OK) << m.message();
    ASSERT_EQ(size, expected.size());
    const size_t per_row = size / n_rows;
    std::vector<double> got(size);
    ASSERT_EQ(ps_model_predict_csr(got.data(), size, m.model, x.indptr.data(), x.indices.data(),
                                   x.values.data(), PS_DTYPE_FLOAT64, n_rows, n_cols, &opts, m.err),
              PS_OK)
        << m.message();
    for (size_t i = 0; i < size; ++i) {
      ASSERT_TRUE(close(expected[i], got[i], 1e-6))
          << "row " << i / per_row << " col " << i % per_row << ": expected " << expected[i] << " got "
          << got[i];
    }

    // A few rows (the first and the edge rows at the end) as dense rows of every
    // declared feature: what the CSR left out is missing (XGBoost) or 0.0 (LightGBM).
    std::vector<double> dense(n_cols);
    for (size_t r = 0; r < n_rows; ++r) {
      if (r >= 4 && r + 8 < n_rows) continue;
      std::fill(dense.begin(), dense.end(), lightgbm ? 0.0 : std::numeric_limits<double>::quiet_NaN());
      for (int64_t k = x.indptr[r]; k < x.indptr[r + 1]; ++k) dense[x.indices[k]] = x.values[k];
      std::vector<double> one(per_row);
      ASSERT_EQ(ps_model_predict_row(one.data(), per_row, m.model, dense.data(), n_cols, &opts, m.err), PS_OK)
          << m.message();
      for (size_t k = 0; k < per_row; ++k) {
        ASSERT_EQ(one[k], got[r * per_row + k]) << "dense row " << r << " disagrees with its CSR form";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, SparseConformance, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
