// How a row's margins start (base margins), take a tree's leaf (constant or, for LightGBM
// linear trees, a linear model of the row) or a gblinear model's terms,
// in the arithmetic of the library that wrote the model (Acc: float or double).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "model/forest.h"

namespace polyscore {

template <typename Acc>
inline void add_leaf(const Forest& forest, const Tree& tree, uint32_t leaf, Acc* margins) {
  const double* values = forest.leaf_values.data() + size_t(leaf) * forest.leaf_size;
  for (uint32_t j = 0; j < forest.leaf_size; ++j) {
    margins[tree.output + j] += static_cast<Acc>(tree.weight * values[j]);
  }
}

// The output of leaf `leaf` of a LightGBM linear tree for a row (forest.h, LinearLeaves),
// as LightGBM's Tree::Predict computes it: in double, terms in the file's order, and the
// plain leaf value as soon as one of the leaf's features is NaN. term_value(k) is the
// row's (converted) value of the feature of term k.
template <typename TermValue>
inline double linear_leaf_output(const Forest& forest, uint32_t leaf, TermValue&& term_value) {
  const LinearLeaves& linear = forest.linear_leaves;
  double output = linear.constant[leaf];
  for (uint32_t k = linear.term_begin[leaf]; k < linear.term_begin[leaf + 1]; ++k) {
    const double x = term_value(k);
    if (std::isnan(x)) return forest.leaf_values[leaf];
    output += linear.coeff[k] * x;
  }
  return output;
}

// Adds leaf `leaf` of a linear tree for a row whose values the walks read (positions:
// PreparedModel::linear_features()).
template <typename Acc>
inline void add_linear_leaf(const Forest& forest, const Tree& tree, uint32_t leaf, const uint32_t* positions,
                            const double* row, Acc* margins) {
  const double value = linear_leaf_output(forest, leaf, [&](uint32_t k) { return row[positions[k]]; });
  margins[tree.output] += static_cast<Acc>(tree.weight * value);
}

// A caller's per-row offset (ps_predict_options.base_margin) takes the place of the
// model's base margin. XGBoost starts the sum from it (DMatrix base_margin, stored as
// float32) instead of base_score; LightGBM's predict has no offset, so it is added to the
// finished raw score (raw_score + init_score, what its users write), where the rounding
// differs from starting the sum with it.
inline bool offset_starts_sum(const Forest& forest) { return forest.format != ModelFormat::kLightGBMText; }

// offset: the row's num_margin_outputs offsets, or nullptr (the model's base margin).
template <typename Acc>
inline void init_margins(const Forest& forest, const double* offset, Acc* margins) {
  if (offset && offset_starts_sum(forest)) {
    for (uint32_t g = 0; g < forest.num_margin_outputs; ++g) margins[g] = static_cast<Acc>(offset[g]);
    return;
  }
  for (uint32_t g = 0; g < forest.num_margin_outputs; ++g) {
    margins[g] = static_cast<Acc>(g < forest.base_margin.size() ? forest.base_margin[g] : 0.0);
  }
}

// The other half of init_margins: adds the row's offsets where the library adds them last.
template <typename Acc>
inline void add_final_offset(const Forest& forest, const double* offset, Acc* margins) {
  if (!offset || offset_starts_sum(forest)) return;
  for (uint32_t g = 0; g < forest.num_margin_outputs; ++g) margins[g] += static_cast<Acc>(offset[g]);
}

template <typename Acc, typename ValueOf>
inline void linear_margins(const Forest& forest, ValueOf&& value_of, Acc* margins) {
  const uint32_t groups = forest.num_margin_outputs;
  for (uint32_t g = 0; g < groups; ++g) margins[g] += static_cast<Acc>(forest.linear.bias[g]);
  for (uint32_t f = 0; f < forest.num_features; ++f) {  // a linear model's rows hold every feature
    const double x = value_of(f);
    if (std::isnan(x)) continue;  // a missing entry contributes nothing
    for (uint32_t g = 0; g < groups; ++g) {
      margins[g] += static_cast<Acc>(x) * static_cast<Acc>(forest.linear.weights[size_t(f) * groups + g]);
    }
  }
}

}  // namespace polyscore
