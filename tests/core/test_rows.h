// Rows for the walks' tests, made from a model's own thresholds.
#pragma once

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "model/forest.h"

namespace polyscore_test {

// Rows whose values sit on and one step either side of the model's thresholds (as
// doubles and as floats), or are special values.
inline std::vector<double> rows_at_thresholds(const polyscore::Forest& forest, size_t n_rows, uint32_t seed) {
  std::vector<std::vector<double>> near(forest.num_features);
  for (const polyscore::Node& node : forest.nodes) {
    if ((node.flags & (polyscore::kLeaf | polyscore::kCategorical)) || node.feature >= forest.num_features) continue;
    const double t = node.threshold;
    const float tf = static_cast<float>(t);
    for (double v : {t, std::nextafter(t, -INFINITY), std::nextafter(t, INFINITY), double(tf),
                     double(std::nextafter(tf, INFINITY)), double(std::nextafter(tf, -INFINITY))}) {
      near[node.feature].push_back(v);
    }
  }
  const double kSpecial[] = {0.0, -0.0, INFINITY, -INFINITY, std::numeric_limits<double>::quiet_NaN(),
                             1e-36, -1e-36, 5e-324, std::numeric_limits<double>::max()};
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

}  // namespace polyscore_test
