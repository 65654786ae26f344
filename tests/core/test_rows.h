// Rows for the walks' tests, made from a model's own thresholds, and the check that two
// prepared models score them alike.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "model/forest.h"
#include "predict/predictor.h"

namespace polyscore_test {

// Rows whose values sit on and one step either side of the model's thresholds (as
// doubles and as floats), every category a categorical split's set can name and one past
// them, values read as no category or as 0, or special values (signed zeros, infinities,
// NaN, denormals, LightGBM's near-zeros).
inline std::vector<double> rows_at_thresholds(const polyscore::Forest& forest, size_t n_rows, uint32_t seed) {
  std::vector<std::vector<double>> near(forest.num_features);
  for (const polyscore::Node& node : forest.nodes) {
    if ((node.flags & polyscore::kLeaf) || node.feature >= forest.num_features) continue;
    if (node.flags & polyscore::kCategorical) {
      for (uint32_t c = 0; c <= 32 * node.category.num_words; ++c) near[node.feature].push_back(c);
      for (double v : {-1.0, -0.5, 0.5, 1e9}) near[node.feature].push_back(v);
      continue;
    }
    const double t = node.threshold;
    const float tf = static_cast<float>(t);
    for (double v : {t, std::nextafter(t, -INFINITY), std::nextafter(t, INFINITY), double(tf),
                     double(std::nextafter(tf, INFINITY)), double(std::nextafter(tf, -INFINITY))}) {
      near[node.feature].push_back(v);
    }
  }
  const double kSpecial[] = {0.0, -0.0, INFINITY, -INFINITY, std::numeric_limits<double>::quiet_NaN(),
                             1e-36, -1e-36, 1e-40, 5e-324, -5e-324, 1e-35, 1.0000001e-35,
                             std::numeric_limits<double>::max(), -1e300};
  std::mt19937 rng(seed);
  std::vector<double> rows(n_rows * forest.num_features);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& c = near[i % forest.num_features];
    const uint32_t pick = rng() % 4;
    rows[i] = (pick == 0 || c.empty()) ? kSpecial[rng() % std::size(kSpecial)]
              : pick == 1             ? std::normal_distribution<double>(0.0, 3.0)(rng)
                                      : c[rng() % c.size()];
  }
  return rows;
}

inline bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// Each row alone (predict_row), 5 rows at once (which walk row by row) and all n_rows
// at once (in blocks, where the model's batches take another walk) through `tested` and
// `reference`, over the trees of `request`'s iterations: the same values, margins and
// leaf ids.
inline void expect_same_rows(const polyscore::PreparedModel& reference, const polyscore::PreparedModel& tested,
                             const std::vector<double>& rows, size_t n_rows, polyscore::PredictRequest request = {}) {
  using polyscore::OutputKind;
  const size_t nf = reference.forest->num_features;
  for (OutputKind kind : {OutputKind::kValue, OutputKind::kMargin, OutputKind::kLeaf}) {
    request.kind = kind;
    const polyscore::PredictPlan plan = polyscore::plan_prediction(*reference.forest, request);
    std::vector<double> want(plan.values_per_row), got(plan.values_per_row);
    for (size_t r = 0; r < n_rows; ++r) {
      polyscore::predict_row(reference, plan, rows.data() + r * nf, want.data());
      polyscore::predict_row(tested, plan, rows.data() + r * nf, got.data());
      for (size_t k = 0; k < want.size(); ++k) {
        ASSERT_TRUE(same_value(want[k], got[k])) << "kind " << int(kind) << ", row " << r << ", value " << k << ": "
                                                 << want[k] << " != " << got[k];
      }
    }
    std::vector<double> want5(5 * plan.values_per_row), got5(want5.size());
    polyscore::predict_dense(reference, plan, rows.data(), 5, want5.data());
    polyscore::predict_dense(tested, plan, rows.data(), 5, got5.data());
    for (size_t i = 0; i < want5.size(); ++i) ASSERT_TRUE(same_value(want5[i], got5[i])) << "5 rows, at " << i;
    std::vector<double> want_all(n_rows * plan.values_per_row), got_all(want_all.size());
    polyscore::predict_dense(reference, plan, rows.data(), n_rows, want_all.data());
    polyscore::predict_dense(tested, plan, rows.data(), n_rows, got_all.data());
    for (size_t i = 0; i < want_all.size(); ++i) {
      ASSERT_TRUE(same_value(want_all[i], got_all[i])) << n_rows << " rows, at " << i;
    }
  }
}

}  // namespace polyscore_test
