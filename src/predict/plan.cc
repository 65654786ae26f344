#include "predict/plan.h"

#include <string>

#include "model/error.h"

namespace polyscore {

PredictPlan plan_prediction(const Forest& forest, const PredictRequest& request) {
  PredictPlan plan;
  plan.kind = request.kind;
  plan.num_threads = request.num_threads;
  const uint32_t rounds = forest.num_iterations();
  const uint32_t end = request.iteration_end == 0 ? rounds : request.iteration_end;
  if (forest.has_linear) {
    if (plan.kind == OutputKind::kLeaf) {
      throw Error(PS_ERR_UNSUPPORTED, "leaf output is not defined for a linear (gblinear) model");
    }
    if (request.iteration_begin != 0 || request.iteration_end != 0) {
      throw Error(PS_ERR_UNSUPPORTED,
                  "an iteration range is not defined for a linear (gblinear) model");
    }
  } else if (request.iteration_begin >= end || end > rounds) {
    throw Error(PS_ERR_INVALID_ARGUMENT,
                "iteration range [" + std::to_string(request.iteration_begin) + ", " +
                    std::to_string(end) + ") is empty or outside the model's " +
                    std::to_string(rounds) + " boosting rounds");
  }
  if (!forest.has_linear) {
    plan.tree_begin = forest.iteration_begin[request.iteration_begin];
    plan.tree_end = forest.iteration_begin[end];
    plan.iterations_used = end - request.iteration_begin;
  }
  switch (plan.kind) {
    case OutputKind::kValue: plan.values_per_row = forest.num_value_outputs(); break;
    case OutputKind::kMargin: plan.values_per_row = forest.num_margin_outputs; break;
    case OutputKind::kLeaf: plan.values_per_row = plan.tree_end - plan.tree_begin; break;
  }
  return plan;
}

}  // namespace polyscore
