// A feature value as the training library reads it, before any walk sees it.
#pragma once

#include <cmath>
#include <limits>

#include "model/forest.h"

namespace polyscore {

// LightGBM's kZeroThreshold (declared there as 1e-35f): values this close to zero
// count as zero.
constexpr double kZeroThreshold = static_cast<double>(1e-35f);

// A feature value as the training library sees it. XGBoost reads every feature as
// float32; rounding here makes our double comparison against
// threshold = nextafter(split, -inf) the same as XGBoost's x < split. LightGBM drops
// values within kZeroThreshold of zero when it reads a row, so they become 0.0.
inline double convert(double v, bool float32) {
  if (float32) return static_cast<double>(static_cast<float>(v));
  return std::fabs(v) <= kZeroThreshold ? 0.0 : v;
}

// The value of a CSR entry that is not stored: missing (NaN) for XGBoost, 0.0 for
// LightGBM, as each library reads a sparse row.
inline double absent_value(const Forest& forest) {
  return forest.format == ModelFormat::kLightGBMText ? 0.0 : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace polyscore
