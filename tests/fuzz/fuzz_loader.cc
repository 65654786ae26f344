// libFuzzer target for one model loader: any bytes given to ps_model_load_buffer with
// the format forced to POLYSCORE_FUZZ_FORMAT (CMakeLists.txt builds one program per
// format) either load or fail with a parse/unsupported status; a model that loads must
// answer info and feature-name calls and score dense, CSR and single rows, in every
// output kind it supports, without fault.
// Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "polyscore/polyscore.h"

#ifndef POLYSCORE_FUZZ_FORMAT
#error "build with -DPOLYSCORE_FUZZ_FORMAT=PS_FORMAT_..."
#endif

namespace {

// A model may declare more features or outputs than this harness will make rows for;
// loading it is still checked, scoring it is skipped.
constexpr size_t kMaxScoredValues = size_t{1} << 20;

void check_scoring(const ps_model* model, const ps_model_info& info) {
  const size_t n_rows = 10, n_features = info.num_features;
  if (n_features == 0 || n_features * n_rows > kMaxScoredValues) return;
  // Rows that reach the missing, zero, negative, huge and categorical branches.
  const double specials[] = {NAN, 0.0, -0.0, 1e-36, -1.0, 0.5, 3.0, 1e300, -INFINITY, INFINITY};
  std::vector<double> rows(n_rows * n_features);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = specials[(i * 7 + i / n_features) % 10];
  // The same rows as CSR, with every third value left out (absent, not NaN).
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<double> values;
  for (size_t r = 0; r < n_rows; ++r) {
    for (size_t c = 0; c < n_features; ++c) {
      if ((r + c) % 3 == 0) continue;
      indices.push_back(static_cast<int32_t>(c));
      values.push_back(rows[r * n_features + c]);
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
  }
  for (int32_t kind :
       {PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN, PS_OUTPUT_LEAF, PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = kind;
    size_t n = 0;
    // Leaf output of a linear model and contributions or interactions of some models are unsupported.
    if (ps_model_output_size(&n, model, n_rows, &opts, nullptr) != PS_OK) continue;
    if (n > kMaxScoredValues) continue;
    std::vector<double> out(n);
    if (ps_model_predict_dense(out.data(), n, model, rows.data(), PS_DTYPE_FLOAT64, n_rows, n_features, &opts,
                               nullptr) != PS_OK ||
        ps_model_predict_csr(out.data(), n, model, indptr.data(), indices.data(), values.data(),
                             PS_DTYPE_FLOAT64, n_rows, n_features, &opts, nullptr) != PS_OK ||
        ps_model_predict_row(out.data(), n, model, rows.data(), n_features, &opts, nullptr) != PS_OK) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ps_load_options load = PS_LOAD_OPTIONS_INIT;
  load.format = POLYSCORE_FUZZ_FORMAT;
  ps_model* model = nullptr;
  const ps_status status = ps_model_load_buffer(&model, data, size, &load, nullptr);
  if (status != PS_OK) {
    if (status != PS_ERR_PARSE && status != PS_ERR_UNSUPPORTED) __builtin_trap();
    if (model != nullptr) __builtin_trap();
    return 0;
  }
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, model, nullptr) != PS_OK || info.format != POLYSCORE_FUZZ_FORMAT) __builtin_trap();
  char name[64];
  size_t len = 0;
  for (uint32_t i = 0; i < info.num_features && i < 64; ++i) {
    const ps_status st = ps_model_feature_name(name, sizeof name, &len, model, i, nullptr);
    if (st != PS_OK && st != PS_ERR_BUFFER_TOO_SMALL) __builtin_trap();
  }
  check_scoring(model, info);
  ps_model_free(model);
  return 0;
}
