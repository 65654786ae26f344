// SHAP contributions (PS_OUTPUT_CONTRIB): the exact values are checked against the
// training libraries in test_conformance.cc; here, what holds for every model (each
// row's contributions sum to its margin, also where a library's own do not) and the
// errors a user gets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

std::vector<nlohmann::json> cases_with_margins() {
  const auto manifest =
      nlohmann::json::parse(polyscore_test::read_file(source_path("tests/vectors/manifest.json")));
  std::vector<nlohmann::json> out;
  for (const auto& c : manifest["cases"]) {
    if (c["outputs"].contains("margin")) out.push_back(c);
  }
  return out;
}

ps_status output_size(size_t* size, const Loaded& m, size_t n_rows, const ps_predict_options& opts) {
  return ps_model_output_size(size, m.model, n_rows, &opts, m.err);
}

// Every case with a margin output whose model can be explained (all tree and linear
// models with covers; not vector-leaf trees, not LightGBM linear trees): per row and margin, the features'
// contributions plus the bias are the margin.
TEST(Contributions, SumToTheMargin) {
  size_t checked = 0;
  for (const auto& c : cases_with_margins()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    opts.iteration_begin = c["iteration_begin"];
    opts.iteration_end = c["iteration_end"];
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const auto x = polyscore_test::flatten(rows);
    size_t size = 0;
    if (output_size(&size, m, rows.size(), opts) == PS_ERR_UNSUPPORTED) {
      // LightGBM linear trees are refused as LightGBM refuses them; vector leaves as XGBoost does.
      const bool linear_trees =
          polyscore_test::read_file(source_path("tests/vectors/" + c["model"].get<std::string>())).find("is_linear=1") !=
          std::string::npos;
      EXPECT_NE(m.message().find(linear_trees ? "linear trees" : "multi-target"), std::string::npos)
          << m.message();
      continue;
    }
    ASSERT_EQ(ps_error_code(m.err), PS_OK) << m.message();
    std::vector<double> contrib(size);
    ASSERT_EQ(ps_model_predict_dense(contrib.data(), size, m.model, x.data(), PS_DTYPE_FLOAT64, rows.size(),
                                     c["num_features"], &opts, m.err),
              PS_OK)
        << m.message();
    opts.output = PS_OUTPUT_MARGIN;
    ASSERT_EQ(output_size(&size, m, rows.size(), opts), PS_OK);
    std::vector<double> margin(size);
    ASSERT_EQ(ps_model_predict_dense(margin.data(), size, m.model, x.data(), PS_DTYPE_FLOAT64, rows.size(),
                                     c["num_features"], &opts, m.err),
              PS_OK);
    const size_t columns = size_t(c["num_features"].get<uint32_t>()) + 1;
    ASSERT_EQ(contrib.size(), margin.size() * columns);
    // XGBoost sums in float: allow its rounding relative to the terms' magnitude.
    const double rel = c["library"] == "xgboost" ? 2e-6 : 1e-12;
    for (size_t i = 0; i < margin.size(); ++i) {
      double sum = 0.0, magnitude = 0.0;
      for (size_t k = 0; k < columns; ++k) {
        sum += contrib[i * columns + k];
        magnitude += std::fabs(contrib[i * columns + k]);
      }
      if (!std::isfinite(margin[i])) {  // a linear model of an infinite input
        ASSERT_TRUE(sum == margin[i] || (std::isnan(sum) && std::isnan(margin[i]))) << sum << " " << margin[i];
        continue;
      }
      ASSERT_NEAR(sum, margin[i], rel * std::max(1.0, magnitude)) << "row " << i / (margin.size() / rows.size());
    }
    ++checked;
  }
  EXPECT_GT(checked, 150u);
}

std::string lightgbm_model_without(const std::string& path, const std::string& key) {
  std::istringstream in(polyscore_test::read_file(path));
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

TEST(Contributions, ModelWithoutCoversIsUnsupported) {
  const std::string text = lightgbm_model_without(source_path("tests/vectors/models/lgb4_binary.txt"), "internal_count");
  ps_error* err = nullptr;
  ASSERT_EQ(ps_error_create(&err), PS_OK);
  ps_model* model = nullptr;
  ASSERT_EQ(ps_model_load_buffer(&model, text.data(), text.size(), nullptr, err), PS_OK) << ps_error_message(err);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  size_t size = 0;
  EXPECT_EQ(ps_model_output_size(&size, model, 1, &opts, err), PS_OK);  // other outputs still work
  opts.output = PS_OUTPUT_CONTRIB;
  EXPECT_EQ(ps_model_output_size(&size, model, 1, &opts, err), PS_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(ps_error_message(err)).find("node covers"), std::string::npos) << ps_error_message(err);
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, model, err), PS_OK);
  std::vector<double> row(info.num_features, 0.5), out(info.num_features + 1);
  EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), model, row.data(), row.size(), &opts, err),
            PS_ERR_UNSUPPORTED);
  ps_model_free(model);
  ps_error_free(err);
}

TEST(Contributions, BufferTooSmallAndBadRange) {
  Loaded m(source_path("tests/vectors/models/lgb4_multiclass.txt"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_CONTRIB;
  size_t size = 0;
  ASSERT_EQ(output_size(&size, m, 2, opts), PS_OK);
  EXPECT_EQ(size, 2u * info.num_margins * (info.num_features + 1));
  std::vector<double> rows(2 * info.num_features, 1.0), out(size - 1);
  EXPECT_EQ(ps_model_predict_dense(out.data(), out.size(), m.model, rows.data(), PS_DTYPE_FLOAT64, 2,
                                   info.num_features, &opts, m.err),
            PS_ERR_BUFFER_TOO_SMALL);
  opts.iteration_end = info.num_iterations + 1;
  EXPECT_EQ(output_size(&size, m, 2, opts), PS_ERR_INVALID_ARGUMENT);
  opts.output = PS_OUTPUT_INTERACTIONS + 1;  // past the last kind
  opts.iteration_end = 0;
  EXPECT_EQ(output_size(&size, m, 2, opts), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("unknown output kind 5"), std::string::npos) << m.message();
}

// Rows are explained in blocks of several rows, shared out to threads: every row's
// values are the same bits whatever block, thread count or call it is in (the
// conformance tests check the values themselves against the libraries).
TEST(Contributions, SameBitsForAnyThreadCountAndRowByRow) {
  size_t checked = 0;
  for (const auto& c : cases_with_margins()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const auto x = polyscore_test::flatten(rows);
    const size_t n_features = c["num_features"];
    size_t size = 0;
    if (output_size(&size, m, rows.size(), opts) != PS_OK) continue;  // vector leaves
    auto batch = [&](int threads) {
      opts.num_threads = threads;
      std::vector<double> out(size);
      EXPECT_EQ(ps_model_predict_dense(out.data(), size, m.model, x.data(), PS_DTYPE_FLOAT64, rows.size(),
                                       n_features, &opts, m.err),
                PS_OK)
          << m.message();
      return out;
    };
    const auto one_thread = batch(1);
    const auto two_threads = batch(2);
    ASSERT_EQ(0, std::memcmp(one_thread.data(), two_threads.data(), size * sizeof(double)));
    const size_t per_row = size / rows.size();
    std::vector<double> row_out(per_row);
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSERT_EQ(ps_model_predict_row(row_out.data(), per_row, m.model, &x[r * n_features], n_features, &opts, m.err),
                PS_OK)
          << m.message();
      ASSERT_EQ(0, std::memcmp(row_out.data(), &one_thread[r * per_row], per_row * sizeof(double))) << "row " << r;
    }
    ++checked;
  }
  EXPECT_GT(checked, 150u);
}

}  // namespace
