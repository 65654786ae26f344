// What a call computes: the trees a request uses and how many values it writes per row.
// A plan depends only on the model and the options, so callers may cache it (src/capi
// keeps one per output kind); how the work is shared among threads is decided per call
// (predictor.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/forest.h"

namespace polyscore {

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

}  // namespace polyscore
