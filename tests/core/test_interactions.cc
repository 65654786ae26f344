// SHAP interaction values (PS_OUTPUT_INTERACTIONS): the exact values are checked against
// XGBoost in test_conformance.cc; here, what holds for every XGBoost tree model (each
// matrix row sums to the feature's contribution, the matrix to the margin; the same bits
// on any thread count and row by row) and the errors a user gets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::predict_dense;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

// XGBoost cases whose interaction values XGBoost made (tree models with covers).
std::vector<nlohmann::json> cases_with_interactions() {
  const auto manifest =
      nlohmann::json::parse(polyscore_test::read_file(source_path("tests/vectors/manifest.json")));
  std::vector<nlohmann::json> out;
  for (const auto& c : manifest["cases"]) {
    if (c.contains("interactions")) out.push_back(c);
  }
  return out;
}

// Row i of a margin's matrix sums to feature i's contribution (the bias row to the
// bias), and the whole matrix to the margin, up to XGBoost's float rounding.
TEST(Interactions, RowsSumToContributionsAndMatrixToMargin) {
  size_t checked = 0;
  for (const auto& c : cases_with_interactions()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const auto x = polyscore_test::flatten(rows);
    const size_t n = c["num_features"], columns = n + 1;
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.iteration_begin = c["iteration_begin"];
    opts.iteration_end = c["iteration_end"];
    opts.output = PS_OUTPUT_INTERACTIONS;
    const auto inter = predict_dense(m, x, rows.size(), n, opts);
    opts.output = PS_OUTPUT_CONTRIB;
    const auto contrib = predict_dense(m, x, rows.size(), n, opts);
    opts.output = PS_OUTPUT_MARGIN;
    const auto margin = predict_dense(m, x, rows.size(), n, opts);
    ASSERT_EQ(inter.size(), contrib.size() * columns);
    ASSERT_EQ(contrib.size(), margin.size() * columns);
    for (size_t rg = 0; rg < margin.size(); ++rg) {  // each (row, margin)
      const double* matrix = &inter[rg * columns * columns];
      double total = 0.0, total_magnitude = 0.0;
      for (size_t i = 0; i < columns; ++i) {
        double sum = 0.0, magnitude = 0.0;
        for (size_t k = 0; k < columns; ++k) {
          sum += matrix[i * columns + k];
          magnitude += std::fabs(matrix[i * columns + k]);
        }
        ASSERT_NEAR(sum, contrib[rg * columns + i], 1e-5 * std::max(1.0, magnitude)) << "entry " << rg << " row " << i;
        total += sum;
        total_magnitude += magnitude;
      }
      ASSERT_NEAR(total, margin[rg], 1e-5 * std::max(1.0, total_magnitude)) << "entry " << rg;
    }
    ++checked;
  }
  EXPECT_GT(checked, 100u);  // xgboost 3.2.0 and 1.7.6 tree models
}

// Rows are shared out to threads: every row's values are the same bits on one thread,
// two threads and alone (the single-row call).
TEST(Interactions, SameBitsForAnyThreadCountAndRowByRow) {
  size_t checked = 0;
  for (const auto& c : cases_with_interactions()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const auto x = polyscore_test::flatten(rows);
    const size_t n = c["num_features"];
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_INTERACTIONS;
    const auto one_thread = predict_dense(m, x, rows.size(), n, opts);
    opts.num_threads = 2;
    const auto two_threads = predict_dense(m, x, rows.size(), n, opts);
    ASSERT_EQ(0, std::memcmp(one_thread.data(), two_threads.data(), one_thread.size() * sizeof(double)));
    const size_t per_row = one_thread.size() / rows.size();
    std::vector<double> row_out(per_row);
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSERT_EQ(ps_model_predict_row(row_out.data(), per_row, m.model, &x[r * n], n, &opts, m.err), PS_OK)
          << m.message();
      ASSERT_EQ(0, std::memcmp(row_out.data(), &one_thread[r * per_row], per_row * sizeof(double))) << "row " << r;
    }
    if (++checked == 10) break;  // enough to share rows out; the conformance test sees every case
  }
  EXPECT_EQ(checked, 10u);
}

// What a user gets for a model without interaction values: PS_ERR_UNSUPPORTED naming
// why, from the size query and from every predict call; the other outputs still work.
void expect_unsupported(const std::string& model, const std::string& why) {
  SCOPED_TRACE(model);
  Loaded m(source_path("tests/vectors/models/" + model));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  size_t size = 0;
  ASSERT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_OK);
  opts.output = PS_OUTPUT_INTERACTIONS;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_UNSUPPORTED);
  EXPECT_NE(m.message().find(why), std::string::npos) << m.message();
  const size_t columns = info.num_features + 1;
  std::vector<double> row(info.num_features, 0.5), out(info.num_margins * columns * columns);
  EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), m.model, row.data(), row.size(), &opts, m.err),
            PS_ERR_UNSUPPORTED);
  EXPECT_EQ(ps_model_predict_dense(out.data(), out.size(), m.model, row.data(), PS_DTYPE_FLOAT64, 1,
                                   info.num_features, &opts, m.err),
            PS_ERR_UNSUPPORTED);
  EXPECT_NE(m.message().find(why), std::string::npos) << m.message();
  const int64_t indptr[2] = {0, 0};
  EXPECT_EQ(ps_model_predict_csr(out.data(), out.size(), m.model, indptr, nullptr, nullptr, PS_DTYPE_FLOAT64, 1,
                                 info.num_features, &opts, m.err),
            PS_ERR_UNSUPPORTED);
}

TEST(Interactions, LightGBMModelsAreUnsupported) {
  expect_unsupported("lgb4_binary.txt", "LightGBM does not define");
  expect_unsupported("lgb4_multiclass.txt", "LightGBM does not define");
}

TEST(Interactions, GblinearIsUnsupported) { expect_unsupported("xgb3_gblinear.json", "gblinear"); }

TEST(Interactions, MultiTargetTreesAreUnsupported) {
  expect_unsupported("xgb3_multi_target_multi_output_tree.json", "multi-target");
}

// XGBoost 3.2.0 refuses pred_contribs and pred_interactions for multi-target trees
// (multi_strategy="multi_output_tree"; "Check failed: !this->IsMultiTarget()", which the
// vector generators record in the case's notes): polyscore refuses both too, with a
// typed error, for every such case, rather than invent values XGBoost does not define.
TEST(Interactions, ContributionsAndInteractionsRefusedWhereXGBoostRefusesMultiTargetTrees) {
  const auto manifest =
      nlohmann::json::parse(polyscore_test::read_file(source_path("tests/vectors/manifest.json")));
  size_t checked = 0;
  for (const auto& c : manifest["cases"]) {
    const std::string notes = c.value("notes", "");
    if (notes.find("contrib output not available: xgboost says: Check failed: !this->IsMultiTarget()") ==
        std::string::npos) {
      continue;
    }
    SCOPED_TRACE(c["name"].get<std::string>());
    EXPECT_NE(notes.find("interactions output not available: xgboost says: Check failed: !this->IsMultiTarget()"),
              std::string::npos);
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    for (ps_output_kind kind : {PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.output = kind;
      opts.iteration_begin = c["iteration_begin"];
      opts.iteration_end = c["iteration_end"];
      size_t size = 0;
      EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_UNSUPPORTED) << kind;
      EXPECT_NE(m.message().find("multi-target"), std::string::npos) << m.message();
    }
    ++checked;
  }
  EXPECT_EQ(checked, 5u);  // the five multi_output_tree cases of xgboost 3.2.0
}

TEST(Interactions, SizeAndBufferTooSmall) {
  Loaded m(source_path("tests/vectors/models/xgb3_multi_softprob.json"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_INTERACTIONS;
  size_t size = 0;
  ASSERT_EQ(ps_model_output_size(&size, m.model, 2, &opts, m.err), PS_OK);
  EXPECT_EQ(size, 2u * info.num_margins * (info.num_features + 1) * (info.num_features + 1));
  std::vector<double> rows(2 * info.num_features, 1.0), out(size - 1, -7.0);
  EXPECT_EQ(ps_model_predict_dense(out.data(), out.size(), m.model, rows.data(), PS_DTYPE_FLOAT64, 2,
                                   info.num_features, &opts, m.err),
            PS_ERR_BUFFER_TOO_SMALL);
  EXPECT_NE(m.message().find(std::to_string(size)), std::string::npos) << m.message();
  for (double v : out) ASSERT_EQ(v, -7.0);  // nothing written
}

}  // namespace
