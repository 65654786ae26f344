// The predictor: scores rows with a Forest. Stateless; a Forest is read-only here, so
// any number of threads may score the same Forest at once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/forest.h"

namespace polyscore {

// Builds the predictor's own copies of the trees, as far as the model's splits allow:
// forest.walk (branch-free 16-byte nodes), then forest.heap or forest.linked (the walks
// by keys, key_walk.h). Call once after loading and validating; scoring works without
// them, only slower.
void prepare_for_prediction(Forest& forest);

enum class OutputKind : int32_t { kValue = 0, kMargin = 1, kLeaf = 2 };

struct PredictRequest {
  OutputKind kind = OutputKind::kValue;
  uint32_t iteration_begin = 0;
  uint32_t iteration_end = 0;  // 0 = all rounds
  unsigned num_threads = 1;
};

// The trees a request uses and how many values it writes per row. Throws
// Error(PS_ERR_INVALID_ARGUMENT) for a range outside the model and
// Error(PS_ERR_UNSUPPORTED) for leaf output or a range on a linear model.
struct PredictPlan {
  OutputKind kind = OutputKind::kValue;
  unsigned num_threads = 1;
  uint32_t tree_begin = 0;
  uint32_t tree_end = 0;
  uint32_t iterations_used = 0;
  size_t values_per_row = 0;
};
PredictPlan plan_prediction(const Forest& forest, const PredictRequest& request);

// Dense row-major input, n_rows x forest.num_features. Writes n_rows * values_per_row.
void predict_dense(const Forest& forest, const PredictPlan& plan,
                   const float* rows, size_t n_rows, double* out);
void predict_dense(const Forest& forest, const PredictPlan& plan,
                   const double* rows, size_t n_rows, double* out);

// CSR input; absent entries are missing (NaN) for XGBoost and 0.0 for LightGBM models.
// indptr/indices must have been checked by the caller.
template <typename T>
void predict_csr(const Forest& forest, const PredictPlan& plan,
                 const int64_t* indptr, const int32_t* indices, const T* values, size_t n_rows,
                 double* out);

// One dense row; allocates nothing (scratch lives on the stack).
void predict_row(const Forest& forest, const PredictPlan& plan, const double* row, double* out);

// The largest number of margins and features predict_row handles without heap scratch;
// bigger models go through predict_dense. polyscore/predict.h names these numbers and
// tests/noalloc checks both sides of each.
constexpr uint32_t kMaxRowMargins = 256;
constexpr uint32_t kMaxRowFeatures = 2048;

}  // namespace polyscore
