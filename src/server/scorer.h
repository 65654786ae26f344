// Scores a batch with a loaded model through the C API, with the server's limits.
#ifndef POLYSCORE_SERVER_SCORER_H
#define POLYSCORE_SERVER_SCORER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "abi_names.h"
#include "serve_limits.h"
#include "model_repository.h"

namespace polyscore::server {

struct Batch {
  const void* values = nullptr;  // rows * cols elements, row-major
  int32_t dtype = PS_DTYPE_FLOAT64;
  size_t rows = 0, cols = 0;
  size_t count = 0;              // elements actually given, checked against rows * cols

  // Points the batch at n numbers (values, dtype and count; rows and cols stay).
  void set_values(const float* numbers, size_t n) {
    values = numbers;
    dtype = PS_DTYPE_FLOAT32;
    count = n;
  }
  void set_values(const double* numbers, size_t n) {
    values = numbers;
    dtype = PS_DTYPE_FLOAT64;
    count = n;
  }
};

struct ScoreOptions {
  int32_t output = wire::kNotNamed;  // PS_OUTPUT_*, or not named: the model's default
  uint32_t iteration_begin = 0, iteration_end = 0;
  // Per-row margin offsets (ps_predict_options.base_margin), rows x num_margins; the C
  // library checks the length. Empty (nullptr, 0) scores with the model's base score.
  const double* base_margin = nullptr;
  size_t base_margin_len = 0;
  // PS_SHAP_*: the arithmetic of contributions and interaction values; not named
  // (wire::kNotNamed): the model's configured default. The C library
  // refuses an unknown number (INVALID_ARGUMENT) and an algorithm the model cannot use
  // (UNSUPPORTED: FAILED_PRECONDITION).
  int32_t shap_algorithm = wire::kNotNamed;
};

struct Scores {
  std::vector<double> values;
  size_t values_per_row = 0;
  int32_t output = PS_OUTPUT_VALUE;
};

// The tensor shape of an output, as the Open Inference Protocol reports it: [rows, values
// per row], for contributions [rows, num_margins, num_features + 1] (bias last), and for
// interaction values [rows, num_margins, num_features + 1, num_features + 1].
// rows -1 stands for "any number" (model metadata).
std::vector<int64_t> output_tensor_shape(const ps_model_info& info, int32_t output, int64_t rows,
                                         size_t values_per_row);
// Values per row of an output over all trees (for metadata; leaf counts every tree).
size_t output_width(const ps_model_info& info, int32_t output);

// Throws ServeError: kBadRequest for a wrong shape or option, kTooLarge above
// limits.max_rows or for an answer over limits.max_answer_bytes.
Scores score(const LoadedModel& model, const Batch& batch, const ScoreOptions& options,
             const Limits& limits);

// One row's fraud score (fraud.v1.FraudScorer.Predict, REST /predict): its value output
// and, where the model's config names labels, the label the config's threshold gives it
// (labels[1] at or above it, else labels[0]).
struct FraudScore {
  double score = 0;
  const std::string* label = nullptr;  // in the model's config; nullptr without labels
};

// Throws as score does, and kFailedPrecondition for a model of more than one value per
// row: "model ... gives N values per row; " followed by `refusal` (which endpoint
// answers what).
FraudScore fraud_score(const LoadedModel& model, const Batch& row, const Limits& limits, std::string_view refusal);

}  // namespace polyscore::server

#endif
