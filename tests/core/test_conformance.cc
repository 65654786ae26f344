// Every conformance vector (tests/vectors, made by the real training libraries) must
// come out of the C API as the library's own predict gave it: values, margins and
// leaf ids, SHAP contributions and interaction values, through the batch (dense f32/f64, CSR) and the single-row paths.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

const nlohmann::json& manifest() {
  static const nlohmann::json m =
      nlohmann::json::parse(polyscore_test::read_file(source_path("tests/vectors/manifest.json")));
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

bool close(double expected, double actual, double rel) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (expected == actual) return true;
  return std::fabs(expected - actual) <= rel * std::max(std::fabs(expected), std::fabs(actual));
}

struct Output {
  int32_t kind;
  const char* name;
};
const Output kOutputs[] = {{PS_OUTPUT_VALUE, "value"},
                           {PS_OUTPUT_MARGIN, "margin"},
                           {PS_OUTPUT_LEAF, "leaf"},
                           {PS_OUTPUT_CONTRIB, "contrib"},
                           {PS_OUTPUT_INTERACTIONS, "interactions"}};

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, MatchesTrainingLibrary) {
  const auto c = find_case(GetParam());
  Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ASSERT_EQ(info.num_features, c["num_features"].get<uint32_t>());

  const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
  const size_t all_rows = rows.size(), n_cols = info.num_features;
  const bool f32 = c["dtype"] == "float32";
  const double rel = f32 ? 1e-5 : 1e-6;
  const auto x64 = polyscore_test::flatten(rows);
  const std::vector<float> x32(x64.begin(), x64.end());
  const bool lightgbm = c["library"] == "lightgbm";

  // The same rows as CSR, leaving out what the library treats as absent.
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<double> values;
  for (const auto& row : rows) {
    for (size_t j = 0; j < row.size(); ++j) {
      const bool absent = lightgbm ? row[j] == 0.0 : std::isnan(row[j]);
      if (!absent) {
        indices.push_back(static_cast<int32_t>(j));
        values.push_back(row[j]);
      }
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
  }

  for (const Output& o : kOutputs) {
    // Interaction values have an entry of their own, for the first rows only
    // (make_interaction_vectors.py); the dense and CSR arrays of all rows start with them.
    const bool interactions = o.kind == PS_OUTPUT_INTERACTIONS;
    if (interactions ? !c.contains("interactions") : !c["outputs"].contains(o.name)) continue;
    const auto& spec = interactions ? c["interactions"] : c["outputs"][o.name];
    SCOPED_TRACE(o.name);
    const size_t n_rows = spec["shape"][0].get<size_t>();
    ASSERT_LE(n_rows, all_rows);
    const auto expected =
        polyscore_test::flatten(read_csv(source_path("tests/vectors/" + spec["file"].get<std::string>())));
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = o.kind;
    opts.iteration_begin = c["iteration_begin"];
    opts.iteration_end = c["iteration_end"];
    size_t size = 0;
    ASSERT_EQ(ps_model_output_size(&size, m.model, n_rows, &opts, m.err), PS_OK) << m.message();
    ASSERT_EQ(size, expected.size());

    std::vector<double> dense(size), csr(size);
    ASSERT_EQ(ps_model_predict_dense(dense.data(), size, m.model,
                                     f32 ? static_cast<const void*>(x32.data()) : x64.data(),
                                     f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_FLOAT64, n_rows, n_cols,
                                     &opts, m.err),
              PS_OK)
        << m.message();
    // Contributions and interaction values repeat the libraries' TreeSHAP arithmetic term
    // by term: bit for bit.
    const double tolerance = o.kind == PS_OUTPUT_CONTRIB || o.kind == PS_OUTPUT_INTERACTIONS ? 0.0 : rel;
    for (size_t i = 0; i < size; ++i) {
      ASSERT_TRUE(close(expected[i], dense[i], tolerance))
          << "row " << i / (size / n_rows) << " col " << i % (size / n_rows) << ": expected "
          << expected[i] << " got " << dense[i];
    }
    if (f32) continue;  // the row and CSR paths take float64
    ASSERT_EQ(ps_model_predict_csr(csr.data(), size, m.model, indptr.data(), indices.data(),
                                   values.data(), PS_DTYPE_FLOAT64, n_rows, n_cols, &opts, m.err),
              PS_OK)
        << m.message();
    EXPECT_EQ(csr, dense) << "CSR and dense input disagree";
    const size_t per_row = size / n_rows;
    for (size_t r = 0; r < n_rows; ++r) {
      std::vector<double> one(per_row);
      ASSERT_EQ(ps_model_predict_row(one.data(), per_row, m.model, rows[r].data(), n_cols, &opts, m.err),
                PS_OK)
          << m.message();
      for (size_t k = 0; k < per_row; ++k) {
        ASSERT_EQ(one[k], dense[r * per_row + k]) << "single-row path disagrees at row " << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Conformance, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
