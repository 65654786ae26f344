// The conventions the C API shares with every binding (docs/bindings.md), as C has
// them: num_threads 0 is all cores and scores what one thread scores, negative is an
// invalid argument; an empty batch succeeds and writes nothing; a freed model answers
// ps_model_info_get with PS_ERR_INVALID_HANDLE.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::source_path;

namespace {

const char kModel[] = "tests/vectors/models/xgb3_binary_logistic.json";

std::vector<double> score(const Loaded& m, const std::vector<double>& rows, size_t n_rows,
                          int32_t num_threads, ps_status* status) {
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.num_threads = num_threads;
  std::vector<double> out(n_rows);
  *status = ps_model_predict_dense(out.data(), out.size(), m.model, rows.data(), PS_DTYPE_FLOAT64,
                                   n_rows, rows.size() / n_rows, &opts, m.err);
  return out;
}

TEST(Conventions, NumThreadsZeroIsAllCoresWithTheSameResults) {
  Loaded m(source_path(kModel));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  const size_t n_rows = 4096;
  std::vector<double> rows(n_rows * info.num_features);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = std::sin(double(i) * 0.37) * 2.0;
  ps_status one_status, all_status, negative_status;
  const std::vector<double> one = score(m, rows, n_rows, 1, &one_status);
  const std::vector<double> all = score(m, rows, n_rows, 0, &all_status);
  ASSERT_EQ(one_status, PS_OK) << m.message();
  ASSERT_EQ(all_status, PS_OK) << m.message();
  EXPECT_EQ(std::memcmp(one.data(), all.data(), one.size() * sizeof(double)), 0);
  score(m, rows, n_rows, -1, &negative_status);
  EXPECT_EQ(negative_status, PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("num_threads"), std::string::npos) << m.message();
}

TEST(Conventions, EmptyBatchSucceedsAndWritesNothing) {
  Loaded m(source_path(kModel));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  size_t size = 1;
  ASSERT_EQ(ps_model_output_size(&size, m.model, 0, &opts, m.err), PS_OK);
  EXPECT_EQ(size, 0u);
  double out = 42.0, row = 0.0;
  EXPECT_EQ(ps_model_predict_dense(&out, 0, m.model, &row, PS_DTYPE_FLOAT64, 0, 5, &opts, m.err), PS_OK)
      << m.message();
  EXPECT_EQ(out, 42.0);
}

TEST(Conventions, InfoOfAFreedModelIsAnInvalidHandle) {
  ps_error* err = nullptr;
  ASSERT_EQ(ps_error_create(&err), PS_OK);
  ps_model* model = nullptr;
  ASSERT_EQ(ps_model_load_file(&model, source_path(kModel).c_str(), nullptr, err), PS_OK);
  ps_model_free(model);
  ps_model_info info = PS_MODEL_INFO_INIT;
  EXPECT_EQ(ps_model_info_get(&info, model, err), PS_ERR_INVALID_HANDLE);
  ps_error_free(err);
}

}  // namespace
