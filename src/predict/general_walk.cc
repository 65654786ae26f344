#include "predict/general_walk.h"

#include <algorithm>

#include "predict/key_encoding.h"

namespace polyscore {
namespace {

using key_walk::kBlockRows;


// One step of the fixed-depth walk over WalkNodes, with no data-dependent branch for
// numeric splits. `value` is the row's value of the node's feature. "x > threshold" is
// false for NaN, so NaN goes left unless the node sends it right or reads it as zero.
// kKinds (WalkKinds) leaves out the code for kinds of split the model does not have.
template <unsigned kKinds>
inline uint32_t walk_step(const WalkNode& node, double value, const uint32_t* category_words) {
  const uint32_t flags = node.feature_flags;
  const bool nan = std::isnan(value);
  if (kKinds & kWalkHasNanAsZero) value = (nan && (flags & kWalkNanAsZero)) ? 0.0 : value;
  if ((kKinds & kWalkHasCategorical) && (flags & kWalkCategorical)) {
    const bool missing = nan && !(flags & kWalkNanAsZero);
    const bool right = missing ? (flags >> 31) != 0
                               : !goes_left_categorical(node.category, flags & kWalkCatInSetGoesLeft,
                                                        value, category_words);
    return node.child + (right ? 1u : 0u);
  }
  return node.child + (uint32_t(value > node.threshold) | (uint32_t(nan) & (flags >> 31)));
}

// kLanes walks from at[g] (a root) to a leaf, over walk nodes indexed from one base.
// kBlockLanes: lane g is row g of a transposed block (its value of feature f at
// values[f * kBlockRows + g]); else every lane walks another tree with the one row
// `values`. Kept out of line so that `values` is one opaque base address and each read is
// at a constant displacement from it.
template <unsigned kKinds, bool kBlockLanes>
__attribute__((noinline)) void walk_lanes(const WalkNode* walk, const uint32_t* category_words,
                                          const double* values, uint32_t depth, uint32_t* at) {
  uint32_t next[kLanes];
  for (size_t g = 0; g < kLanes; ++g) next[g] = at[g];
  for (uint32_t d = 0; d < depth; ++d) {
    for (size_t g = 0; g < kLanes; ++g) {
      const WalkNode& node = walk[next[g]];
      const size_t f = node.feature_flags & kWalkFeatureMask;
      const double value = kBlockLanes ? values[f * kBlockRows + g] : values[f];
      next[g] = walk_step<kKinds>(node, value, category_words);
    }
  }
  for (size_t g = 0; g < kLanes; ++g) at[g] = next[g];
}

// Runs walk_lanes compiled for the kinds of split this model has.
template <bool kBlockLanes>
void walk_lanes_for(const PreparedModel& model, const double* values, uint32_t depth, uint32_t* at) {
  const WalkNode* walk = model.walk.nodes.data();
  const uint32_t* words = model.forest->category_words.data();
  switch (model.walk.kinds) {
    case 0: return walk_lanes<0, kBlockLanes>(walk, words, values, depth, at);
    case 1: return walk_lanes<1, kBlockLanes>(walk, words, values, depth, at);
    case 2: return walk_lanes<2, kBlockLanes>(walk, words, values, depth, at);
    default: return walk_lanes<3, kBlockLanes>(walk, words, values, depth, at);
  }
}

}  // namespace

// The fixed-depth walk of rows [0, n) of a block through one tree, kLanes rows side by
// side. xt is the block transposed (xt[f * kBlockRows + r]).
void walk_block(const PreparedModel& model, const Tree& tree, const double* xt, size_t n,
                uint32_t* leaves) {
  const uint32_t depth = model.walk.depth[&tree - model.forest->trees.data()];
  for (size_t r = 0; r < n; r += kLanes) {
    uint32_t at[kLanes];
    for (size_t g = 0; g < kLanes; ++g) at[g] = tree.node_begin;
    // Rows past n are walked too (their values are stale but finite or NaN), then ignored.
    walk_lanes_for<true>(model, xt + r, depth, at);
    for (size_t g = 0; g < kLanes && r + g < n; ++g) leaves[r + g] = model.walk.leaf[at[g]];
  }
}

// Writes to leaves[r] the leaf index reached by row r (rows are n x nf, n <= kBlockRows).
void find_leaves(const PreparedModel& model, const Tree& tree, const double* x, size_t nf, size_t n,
                 uint32_t* leaves) {
  const Node* nodes = model.walk_nodes() + tree.node_begin;
  const uint32_t* words = model.forest->category_words.data();
  size_t r = 0;
  for (; r + kLanes <= n; r += kLanes) {
    uint32_t at[kLanes] = {};
    for (;;) {
      bool all_leaves = true;
      for (size_t g = 0; g < kLanes; ++g) {
        const Node& node = nodes[at[g]];
        all_leaves &= (node.flags & kLeaf) != 0;
        at[g] = step(node, at[g], x + (r + g) * nf, words);
      }
      if (all_leaves) break;
    }
    for (size_t g = 0; g < kLanes; ++g) leaves[r + g] = nodes[at[g]].child_or_leaf;
  }
  for (; r < n; ++r) leaves[r] = walk_one(nodes, x + r * nf, words);
}

// One row through trees [first, first + count), kLanes trees side by side: the leaf
// index reached in each goes to leaves[]. The row is already converted.
void find_leaves_of_trees(const PreparedModel& model, uint32_t first, uint32_t count, const double* row,
                          uint32_t* leaves) {
  const uint32_t* words = model.forest->category_words.data();
  uint32_t t = 0;
  if (model.family == WalkFamily::kFixedDepth) {
    for (; t + kLanes <= count; t += kLanes) {
      uint32_t at[kLanes], depth = 0;
      for (size_t g = 0; g < kLanes; ++g) {
        at[g] = model.forest->trees[first + t + g].node_begin;
        depth = std::max(depth, model.walk.depth[first + t + g]);
      }
      walk_lanes_for<false>(model, row, depth, at);
      for (size_t g = 0; g < kLanes; ++g) leaves[t + g] = model.walk.leaf[at[g]];
    }
  }
  for (; t + kLanes <= count; t += kLanes) {
    const Node* nodes[kLanes];
    uint32_t at[kLanes] = {};
    for (size_t g = 0; g < kLanes; ++g) nodes[g] = model.walk_nodes() + model.forest->trees[first + t + g].node_begin;
    for (;;) {
      bool all_leaves = true;
      for (size_t g = 0; g < kLanes; ++g) {
        const Node& node = nodes[g][at[g]];
        all_leaves &= (node.flags & kLeaf) != 0;
        at[g] = step(node, at[g], row, words);
      }
      if (all_leaves) break;
    }
    for (size_t g = 0; g < kLanes; ++g) leaves[t + g] = nodes[g][at[g]].child_or_leaf;
  }
  for (; t < count; ++t) {
    leaves[t] = walk_one(model.walk_nodes() + model.forest->trees[first + t].node_begin, row, words);
  }
}

}  // namespace polyscore
