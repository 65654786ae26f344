// How a row's margins become the values a call returns: the margins themselves, or the
// objective's transform (sigmoid, softmax, exp, ...) as the training library's predict()
// computes it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "model/forest.h"
#include "predict/margins.h"
#include "predict/plan.h"

namespace polyscore {

// XGBoost's float32 link functions, as in its common/math.h.
inline float sigmoid(float x, double) {
  const float kEps = 1e-16f;
  const float e = std::exp(std::min(-x, 88.7f));
  return 1.0f / (e + 1.0f + kEps);
}
inline double sigmoid(double x, double scale) { return 1.0 / (1.0 + std::exp(-scale * x)); }

// XGBoost's SoftPlus, log(1 + e^x).
template <typename F>
F softplus(F x) {
  if (x > F(0)) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

// Turns the margins of one row into the values predict() returns; writes to out.
template <typename Acc>
void write_values(const Forest& forest, Acc* m, double* out) {
  const uint32_t n = forest.num_margin_outputs;
  switch (forest.transform) {
    case Transform::kIdentity:
      for (uint32_t g = 0; g < n; ++g) out[g] = m[g];
      return;
    case Transform::kSigmoid:
      for (uint32_t g = 0; g < n; ++g) out[g] = sigmoid(m[g], forest.sigmoid_scale);
      return;
    case Transform::kExp:
      for (uint32_t g = 0; g < n; ++g) out[g] = std::exp(m[g]);
      return;
    case Transform::kHinge:
      for (uint32_t g = 0; g < n; ++g) out[g] = m[g] > Acc(0) ? 1.0 : 0.0;
      return;
    case Transform::kSignedSquare:
      for (uint32_t g = 0; g < n; ++g) out[g] = (m[g] > 0 ? 1.0 : (m[g] < 0 ? -1.0 : 0.0)) * m[g] * m[g];
      return;
    case Transform::kLog1pExp:
      for (uint32_t g = 0; g < n; ++g) out[g] = std::log1p(std::exp(m[g]));
      return;
    case Transform::kExpectileSteps: {
      // As XGBoost's ExpectileRegression::PredTransform: a running sum in the margin type.
      Acc value = m[0];
      out[0] = value;
      for (uint32_t g = 1; g < n; ++g) {
        value += static_cast<Acc>(kExpectileGap) + softplus(m[g]);
        out[g] = value;
      }
      return;
    }
    case Transform::kArgmax: {
      uint32_t best = 0;
      for (uint32_t g = 1; g < n; ++g) if (m[g] > m[best]) best = g;
      out[0] = best;
      return;
    }
    case Transform::kSoftmax: {
      Acc max = m[0];
      for (uint32_t g = 1; g < n; ++g) max = std::max(max, m[g]);
      double sum = 0.0;  // XGBoost sums the exponentials in double, too
      for (uint32_t g = 0; g < n; ++g) {
        m[g] = std::exp(m[g] - max);
        sum += m[g];
      }
      for (uint32_t g = 0; g < n; ++g) out[g] = m[g] / static_cast<Acc>(sum);
      return;
    }
  }
}

// offset: the row's offsets (ps_predict_options.base_margin) or nullptr; init_margins
// took them where the sum starts from them.
template <typename Acc>
void finish_row(const Forest& forest, const PredictPlan& plan, OutputKind kind, const double* offset,
                Acc* margins, double* out) {
  add_final_offset(forest, offset, margins);
  if (kind == OutputKind::kMargin) {
    for (uint32_t g = 0; g < forest.num_margin_outputs; ++g) out[g] = margins[g];
    return;
  }
  // LightGBM's random forest: raw_score is the sum, predict() averages over the rounds.
  if (forest.average_output && plan.iterations_used > 0) {
    for (uint32_t g = 0; g < forest.num_margin_outputs; ++g) {
      margins[g] /= static_cast<Acc>(plan.iterations_used);
    }
  }
  write_values(forest, margins, out);
}

}  // namespace polyscore
