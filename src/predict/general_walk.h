// The general walks: a row's converted values (PreparedModel::num_used_features() per
// row) against Nodes, as the loaders built them (every kind of split, zero_as_missing
// too), or against WalkNodes in a fixed number of branch-free steps when the model has
// them (WalkFamily::kFixedDepth). Several walks advance side by side (kLanes) to keep the
// core busy.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "predict/feature_value.h"
#include "predict/prepared_model.h"

namespace polyscore {

inline bool goes_left_categorical(const CategorySet& set, bool lightgbm_rule, double x,
                                  const uint32_t* category_words) {
  // LightGBM truncates first and rejects negative ints; XGBoost rejects negative floats.
  const double lowest = lightgbm_rule ? -1.0 : 0.0;
  const double bits = 32.0 * set.num_words;
  bool in_set = false;
  if ((x > lowest || x == 0.0) && x < bits) {
    const auto c = static_cast<uint32_t>(x < 0.0 ? 0.0 : x);
    in_set = (category_words[set.word_begin + c / 32] >> (c % 32)) & 1u;
  }
  return lightgbm_rule ? in_set : !in_set;
}

// Index (within the tree) of the child a split sends value x to.
inline uint32_t next_node(const Node& node, double x, const uint32_t* category_words) {
  const uint8_t flags = node.flags;
  const uint32_t default_child = node.child_or_leaf + ((flags & kDefaultLeft) ? 0u : 1u);
  if (std::isnan(x)) {
    if (flags & kNanIsMissing) return default_child;
    if (flags & kNanAsZero) x = 0.0;
  }
  if ((flags & kZeroIsMissing) && x >= -kZeroThreshold && x <= kZeroThreshold) {
    return default_child;
  }
  bool left;
  if (flags & kCategorical) {
    left = goes_left_categorical(node.category, node.flags & kCatInSetGoesLeft, x, category_words);
  } else {
    left = x <= node.threshold;
  }
  return node.child_or_leaf + (left ? 0u : 1u);
}

// The general walk of one row through one tree (nodes = the tree's first node):
// returns the leaf index reached.
inline uint32_t walk_one(const Node* nodes, const double* row, const uint32_t* category_words) {
  uint32_t i = 0;
  while (!(nodes[i].flags & kLeaf)) i = next_node(nodes[i], row[nodes[i].feature], category_words);
  return nodes[i].child_or_leaf;
}

// One step of the general interleaved walk below: a leaf steps to itself.
inline uint32_t step(const Node& node, uint32_t at, const double* row, const uint32_t* category_words) {
  if (node.flags & kLeaf) return at;
  return next_node(node, row[node.feature], category_words);
}

// Rows walked through one tree together: a single walk is a chain of dependent loads,
// so kLanes independent walks advance side by side to keep the core busy.
constexpr size_t kLanes = 8;

// The fixed-depth walk of rows [0, n) of a block through one tree, kLanes rows side by
// side. xt is the block transposed (xt[f * kBlockRows + r]); leaves get the leaf indices.
void walk_block(const PreparedModel& model, const Tree& tree, const double* xt, size_t n, uint32_t* leaves);

// Writes to leaves[r] the leaf index reached by row r (rows are n x nf, n <= kBlockRows).
void find_leaves(const PreparedModel& model, const Tree& tree, const double* x, size_t nf, size_t n,
                 uint32_t* leaves);

// One row through trees [first, first + count), kLanes trees side by side: the leaf
// index reached in each goes to leaves[]. The row is already converted.
void find_leaves_of_trees(const PreparedModel& model, uint32_t first, uint32_t count, const double* row,
                          uint32_t* leaves);

}  // namespace polyscore
