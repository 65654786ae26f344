// libFuzzer target: any bytes given to ps_model_load_buffer either load or fail with a
// parse/unsupported status; a model that loads must also score without fault.
// Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "polyscore/polyscore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ps_model* model = nullptr;
  const ps_status status = ps_model_load_buffer(&model, data, size, nullptr, nullptr);
  if (status != PS_OK) {
    if (status != PS_ERR_PARSE && status != PS_ERR_UNSUPPORTED) __builtin_trap();
    return 0;
  }
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, model, nullptr) != PS_OK) __builtin_trap();
  // Rows that reach the missing, zero, negative, huge and categorical branches.
  const double specials[] = {NAN, 0.0, -0.0, 1e-36, -1.0, 0.5, 3.0, 1e300, -INFINITY, INFINITY};
  const size_t n_rows = 10;
  std::vector<double> rows(n_rows * info.num_features);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = specials[(i * 7 + i / info.num_features) % 10];
  for (int32_t kind : {PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN, PS_OUTPUT_LEAF}) {
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = kind;
    size_t n = 0;
    if (ps_model_output_size(&n, model, n_rows, &opts, nullptr) != PS_OK) continue;  // leaf on gblinear
    std::vector<double> out(n);
    if (ps_model_predict_dense(out.data(), n, model, rows.data(), PS_DTYPE_FLOAT64, n_rows,
                               info.num_features, &opts, nullptr) != PS_OK ||
        ps_model_predict_row(out.data(), n, model, rows.data(), info.num_features, &opts,
                             nullptr) != PS_OK) {
      __builtin_trap();
    }
  }
  ps_model_free(model);
  return 0;
}
