// Per-row offsets (ps_predict_options.base_margin): every case of tests/vectors/offsets,
// made by XGBoost (3.4.1, 3.2.0 and 1.7.6) with DMatrix(base_margin=...) and by LightGBM (4.7.0
// and 3.3.5) with init_score added by hand, must come out of the C API as the library gave it, through dense float32 and
// float64, CSR and single-row input, on one thread and two; and the offsets' errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "test_util.h"

using polyscore_test::flatten;
using polyscore_test::Loaded;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

std::string vectors(const std::string& relative) { return source_path("tests/vectors/offsets/" + relative); }

const nlohmann::json& manifest() {
  static const nlohmann::json m = nlohmann::json::parse(polyscore_test::read_file(vectors("manifest.json")));
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

struct Output {
  int32_t kind;
  const char* name;
};
const Output kOutputs[] = {{PS_OUTPUT_VALUE, "value"},
                           {PS_OUTPUT_MARGIN, "margin"},
                           {PS_OUTPUT_CONTRIB, "contrib"},
                           {PS_OUTPUT_INTERACTIONS, "interactions"}};

// XGBoost's results are float32 and polyscore repeats its float32 arithmetic, so they are
// equal to the bit. LightGBM's values were made by hand with numpy's exp, which may
// differ from the C library's in the last bit; its margins and contributions are exact.
double tolerance(const nlohmann::json& c, const Output& o) {
  return c["library"] == "lightgbm" && o.kind == PS_OUTPUT_VALUE ? 4e-16 : 0.0;
}

bool close(double expected, double actual, double rel) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (expected == actual) return true;
  return std::fabs(expected - actual) <= rel * std::max(std::fabs(expected), std::fabs(actual));
}

struct Case {
  nlohmann::json c;
  std::vector<std::vector<double>> rows;
  std::vector<double> x64, offsets;
  std::vector<float> x32;
  size_t n_rows = 0, n_cols = 0;
  explicit Case(const std::string& name) : c(find_case(name)) {
    rows = read_csv(vectors(c["input"]));
    x64 = flatten(rows);
    x32.assign(x64.begin(), x64.end());  // the inputs are float32 values, written exactly
    offsets = flatten(read_csv(vectors(c["base_margin"])));
    n_rows = rows.size();
    n_cols = c["num_features"];
  }
  std::vector<double> expected(const char* output) const {
    return flatten(read_csv(vectors(c["outputs"][output]["file"].get<std::string>())));
  }
};

ps_predict_options options_with(int32_t output, const std::vector<double>& offsets) {
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = output;
  opts.base_margin = offsets.data();
  opts.base_margin_len = offsets.size();
  return opts;
}

class Offsets : public ::testing::TestWithParam<std::string> {};

TEST_P(Offsets, MatchTrainingLibrary) {
  const Case k(GetParam());
  Loaded m(vectors(k.c["model"]));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ASSERT_EQ(k.offsets.size(), k.n_rows * info.num_margins);

  // The same rows as CSR (absent: NaN for XGBoost, 0.0 for LightGBM).
  const bool lightgbm = k.c["library"] == "lightgbm";
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<double> values;
  for (const auto& row : k.rows) {
    for (size_t j = 0; j < row.size(); ++j) {
      if (lightgbm ? row[j] == 0.0 : std::isnan(row[j])) continue;
      indices.push_back(static_cast<int32_t>(j));
      values.push_back(row[j]);
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
  }

  for (const Output& o : kOutputs) {
    if (!k.c["outputs"].contains(o.name)) continue;  // interactions: XGBoost tree models only
    SCOPED_TRACE(o.name);
    const auto expected = k.expected(o.name);
    const double tol = tolerance(k.c, o);
    ps_predict_options opts = options_with(o.kind, k.offsets);
    size_t size = 0;
    ASSERT_EQ(ps_model_output_size(&size, m.model, k.n_rows, &opts, m.err), PS_OK) << m.message();
    ASSERT_EQ(size, expected.size());
    const size_t per_row = size / k.n_rows;

    std::vector<double> f64(size), f32(size), csr(size);
    ASSERT_EQ(ps_model_predict_dense(f64.data(), size, m.model, k.x64.data(), PS_DTYPE_FLOAT64, k.n_rows, k.n_cols,
                                     &opts, m.err),
              PS_OK)
        << m.message();
    for (size_t i = 0; i < size; ++i) {
      ASSERT_TRUE(close(expected[i], f64[i], tol))
          << "row " << i / per_row << " col " << i % per_row << ": expected " << expected[i] << " got " << f64[i];
    }
    ASSERT_EQ(ps_model_predict_dense(f32.data(), size, m.model, k.x32.data(), PS_DTYPE_FLOAT32, k.n_rows, k.n_cols,
                                     &opts, m.err),
              PS_OK)
        << m.message();
    EXPECT_EQ(0, std::memcmp(f32.data(), f64.data(), size * sizeof(double))) << "float32 and float64 input disagree";
    ASSERT_EQ(ps_model_predict_csr(csr.data(), size, m.model, indptr.data(), indices.data(), values.data(),
                                   PS_DTYPE_FLOAT64, k.n_rows, k.n_cols, &opts, m.err),
              PS_OK)
        << m.message();
    EXPECT_EQ(0, std::memcmp(csr.data(), f64.data(), size * sizeof(double))) << "CSR and dense input disagree";
    for (size_t r = 0; r < k.n_rows; ++r) {
      std::vector<double> one(per_row);
      const std::vector<double> row_offsets(k.offsets.begin() + r * info.num_margins,
                                            k.offsets.begin() + (r + 1) * info.num_margins);
      const ps_predict_options row_opts = options_with(o.kind, row_offsets);
      ASSERT_EQ(ps_model_predict_row(one.data(), per_row, m.model, k.rows[r].data(), k.n_cols, &row_opts, m.err),
                PS_OK)
          << m.message();
      ASSERT_EQ(0, std::memcmp(one.data(), &f64[r * per_row], per_row * sizeof(double)))
          << "single-row path disagrees at row " << r;
    }

    // Without the offsets the model's base score is used: other numbers. (This is what
    // makes the checks above able to fail: a call that dropped the offsets would fail them.)
    ps_predict_options plain = PS_PREDICT_OPTIONS_INIT;
    plain.output = o.kind;
    std::vector<double> without(size);
    ASSERT_EQ(ps_model_predict_dense(without.data(), size, m.model, k.x64.data(), PS_DTYPE_FLOAT64, k.n_rows,
                                     k.n_cols, &plain, m.err),
              PS_OK);
    size_t differ = 0;
    for (size_t i = 0; i < size; ++i) differ += !close(expected[i], without[i], tol);
    EXPECT_GT(differ, k.n_rows / 2) << "the offsets change too few results for this case to test them";
  }
}

// Many blocks of rows, shared by two threads: each block must take its own rows' offsets.
TEST_P(Offsets, BatchesAcrossThreadsTakeTheirRowsOffsets) {
  const Case k(GetParam());
  Loaded m(vectors(k.c["model"]));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  constexpr size_t kCopies = 7;  // 280 rows: several blocks of 64 and a partial one
  std::vector<double> x, offsets;
  for (size_t i = 0; i < kCopies; ++i) {
    x.insert(x.end(), k.x64.begin(), k.x64.end());
    offsets.insert(offsets.end(), k.offsets.begin(), k.offsets.end());
  }
  for (const Output& o : kOutputs) {
    if (!k.c["outputs"].contains(o.name)) continue;  // interactions: XGBoost tree models only
    SCOPED_TRACE(o.name);
    const auto expected = k.expected(o.name);
    ps_predict_options opts = options_with(o.kind, offsets);
    opts.num_threads = 2;
    std::vector<double> out(expected.size() * kCopies);
    ASSERT_EQ(ps_model_predict_dense(out.data(), out.size(), m.model, x.data(), PS_DTYPE_FLOAT64,
                                     k.n_rows * kCopies, k.n_cols, &opts, m.err),
              PS_OK)
        << m.message();
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_TRUE(close(expected[i % expected.size()], out[i], tolerance(k.c, o))) << "value " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Offsets, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

class OffsetErrors : public ::testing::Test {
 protected:
  OffsetErrors() : k("xgb3_offset_softprob"), m(vectors(k.c["model"])) {}
  ps_status predict(const ps_predict_options& opts, std::vector<double>& out) {
    size_t size = 0;
    ps_predict_options sized = opts;  // the size of the output, whatever the offsets
    sized.base_margin = nullptr;
    sized.base_margin_len = 0;
    if (opts.struct_size < sizeof sized) sized.struct_size = opts.struct_size;
    EXPECT_EQ(ps_model_output_size(&size, m.model, k.n_rows, &sized, m.err), PS_OK) << m.message();
    out.assign(size, 0.0);
    return ps_model_predict_dense(out.data(), out.size(), m.model, k.x64.data(), PS_DTYPE_FLOAT64, k.n_rows,
                                  k.n_cols, &opts, m.err);
  }
  Case k;
  Loaded m;
};

TEST_F(OffsetErrors, WrongLengthNamesTheLengthExpected) {
  ASSERT_EQ(m.status, PS_OK) << m.message();
  std::vector<double> short_offsets(k.offsets.begin(), k.offsets.end() - 1), out;
  const ps_predict_options opts = options_with(PS_OUTPUT_VALUE, short_offsets);
  EXPECT_EQ(predict(opts, out), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("expected 40 rows x 3 margins = 120"), std::string::npos) << m.message();
  // One offset per row where the model has three margins: the same error.
  std::vector<double> per_row(k.n_rows, 0.0);
  EXPECT_EQ(predict(options_with(PS_OUTPUT_VALUE, per_row), out), PS_ERR_INVALID_ARGUMENT);
  std::vector<double> one(1);
  const std::vector<double> two(2, 0.0);
  const ps_predict_options row_opts = options_with(PS_OUTPUT_MARGIN, two);
  EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), m.model, k.rows[0].data(), k.n_cols, &row_opts, m.err),
            PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("expected 1 rows x 3 margins = 3"), std::string::npos) << m.message();
}

TEST_F(OffsetErrors, NullWithALengthAndLeafOutputAreRefused) {
  ASSERT_EQ(m.status, PS_OK) << m.message();
  std::vector<double> out;
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.base_margin_len = 120;
  EXPECT_EQ(predict(opts, out), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("base_margin is NULL but base_margin_len is 120"), std::string::npos) << m.message();
  EXPECT_EQ(predict(options_with(PS_OUTPUT_LEAF, k.offsets), out), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("PS_OUTPUT_LEAF"), std::string::npos) << m.message();
}

TEST_F(OffsetErrors, NullOffsetsScoreAsBeforeBitForBit) {
  ASSERT_EQ(m.status, PS_OK) << m.message();
  for (int32_t kind : {PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN, PS_OUTPUT_LEAF, PS_OUTPUT_CONTRIB}) {
    // An ABI 2 caller's struct ends at num_threads: what follows it is not its memory.
    struct {
      ps_predict_options opts;
      unsigned char beyond[sizeof(ps_predict_options)];
    } old_caller;
    std::memset(&old_caller, 0xA5, sizeof old_caller);
    const size_t abi2_size = offsetof(ps_predict_options, base_margin);
    ASSERT_EQ(ps_predict_options_init(&old_caller.opts, abi2_size), PS_OK);
    old_caller.opts.output = kind;
    ps_predict_options null_offsets = PS_PREDICT_OPTIONS_INIT;
    null_offsets.output = kind;
    std::vector<double> a, b;
    ASSERT_EQ(predict(old_caller.opts, a), PS_OK) << m.message();
    ASSERT_EQ(predict(null_offsets, b), PS_OK) << m.message();
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(double))) << "output kind " << kind;
  }
}

TEST(OffsetsRefused, LightGBMRandomForest) {
  Loaded m(source_path("tests/vectors/models/lgb3_rf.txt"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  const std::vector<double> row(info.num_features, 0.5), offsets(info.num_margins, 1.0);
  std::vector<double> out(info.num_margins);
  const ps_predict_options opts = options_with(PS_OUTPUT_VALUE, offsets);
  EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), m.model, row.data(), row.size(), &opts, m.err),
            PS_ERR_UNSUPPORTED);
  EXPECT_NE(m.message().find("random forest"), std::string::npos) << m.message();
}

}  // namespace
