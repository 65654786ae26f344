#include "predict/predictor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "model/error.h"
#include "predict/heap_walk.h"
#include "predict/key_encoding.h"
#include "predict/linked_walk.h"
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

// Rows scored together (key_encoding.h): each tree is walked for a whole block before the
// next tree, so a tree's nodes stay in cache across the block.
using key_walk::kBlockRows;

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
  if (model.walk.usable) {
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

template <typename Acc>
inline void add_leaf(const PreparedModel& model, const Tree& tree, uint32_t leaf, Acc* margins) {
  const double* values = model.forest->leaf_values.data() + size_t(leaf) * model.forest->leaf_size;
  for (uint32_t j = 0; j < model.forest->leaf_size; ++j) {
    margins[tree.output + j] += static_cast<Acc>(tree.weight * values[j]);
  }
}

template <typename Acc>
inline void init_margins(const PreparedModel& model, Acc* margins) {
  for (uint32_t g = 0; g < model.forest->num_margin_outputs; ++g) {
    margins[g] = static_cast<Acc>(g < model.forest->base_margin.size() ? model.forest->base_margin[g] : 0.0);
  }
}

template <typename Acc, typename ValueOf>
inline void linear_margins(const PreparedModel& model, ValueOf&& value_of, Acc* margins) {
  const uint32_t groups = model.forest->num_margin_outputs;
  for (uint32_t g = 0; g < groups; ++g) margins[g] += static_cast<Acc>(model.forest->linear.bias[g]);
  for (uint32_t f = 0; f < model.forest->num_features; ++f) {  // a linear model's rows hold every feature
    const double x = value_of(f);
    if (std::isnan(x)) continue;  // a missing entry contributes nothing
    for (uint32_t g = 0; g < groups; ++g) {
      margins[g] += static_cast<Acc>(x) * static_cast<Acc>(model.forest->linear.weights[size_t(f) * groups + g]);
    }
  }
}

// XGBoost's float32 link functions, as in its common/math.h.
inline float sigmoid(float x, double) {
  const float kEps = 1e-16f;
  const float e = std::exp(std::min(-x, 88.7f));
  return 1.0f / (e + 1.0f + kEps);
}
inline double sigmoid(double x, double scale) { return 1.0 / (1.0 + std::exp(-scale * x)); }

// Turns the margins of one row into the values predict() returns; writes to out.
template <typename Acc>
void write_values(const PreparedModel& model, Acc* m, double* out) {
  const uint32_t n = model.forest->num_margin_outputs;
  switch (model.forest->transform) {
    case Transform::kIdentity:
      for (uint32_t g = 0; g < n; ++g) out[g] = m[g];
      return;
    case Transform::kSigmoid:
      for (uint32_t g = 0; g < n; ++g) out[g] = sigmoid(m[g], model.forest->sigmoid_scale);
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

template <typename Acc>
void finish_row(const PreparedModel& model, const PredictPlan& plan, OutputKind kind, Acc* margins,
                double* out) {
  if (kind == OutputKind::kMargin) {
    for (uint32_t g = 0; g < model.forest->num_margin_outputs; ++g) out[g] = margins[g];
    return;
  }
  // LightGBM's random model: raw_score is the sum, predict() averages over the rounds.
  if (model.forest->average_output && plan.iterations_used > 0) {
    for (uint32_t g = 0; g < model.forest->num_margin_outputs; ++g) {
      margins[g] /= static_cast<Acc>(plan.iterations_used);
    }
  }
  write_values(model, margins, out);
}

// Scores one converted row, walking kLanes trees side by side; leaves are still added
// in tree order, as the training library adds them. Writes values_per_row to out.
template <typename Acc>
void score_row(const PreparedModel& model, const PredictPlan& plan, const double* row, Acc* margins,
               double* out) {
  uint32_t leaves[kBlockRows];
  if (plan.kind != OutputKind::kLeaf) {
    init_margins(model, margins);
    if (model.forest->has_linear) linear_margins(model, [row](uint32_t f) { return row[f]; }, margins);
  }
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; t += kBlockRows) {
    const uint32_t count = std::min<uint32_t>(kBlockRows, plan.tree_end - t);
    find_leaves_of_trees(model, t, count, row, leaves);
    for (uint32_t k = 0; k < count; ++k) {
      if (plan.kind == OutputKind::kLeaf) {
        out[t - plan.tree_begin + k] = model.forest->leaf_ids[leaves[k]];
      } else {
        add_leaf(model, model.forest->trees[t + k], leaves[k], margins);
      }
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(model, plan, plan.kind, margins, out);
}

// Finds, tree by tree, the leaf each row of a block reaches, by the fastest walk the
// model allows: the fixed-depth walk over a transposed copy of the block, or the
// general walk.
class BlockWalker {
 public:
  // xt: scratch of num_used_features() * kBlockRows doubles, used when the walk tables exist.
  BlockWalker(const PreparedModel& model, const double* x, size_t n, double* xt)
      : model_(model), x_(x), n_(n), xt_(model.walk.usable ? xt : nullptr) {
    if (!xt_) return;
    const size_t nf = model.num_used_features();
    for (size_t r = 0; r < n; ++r) {
      for (size_t f = 0; f < nf; ++f) xt_[f * kBlockRows + r] = x[r * nf + f];
    }
  }
  void leaves(const Tree& tree, uint32_t* out) const {
    if (!xt_) {
      find_leaves(model_, tree, x_, model_.num_used_features(), n_, out);
    } else {
      walk_block(model_, tree, xt_, n_, out);
    }
  }

 private:
  const PreparedModel& model_;
  const double* x_;
  size_t n_;
  double* xt_;
};

// Scores a block of rows already converted to double (n x num_used_features()).
template <typename Acc>
void score_block(const PreparedModel& model, const PredictPlan& plan, OutputKind kind, const double* x,
                 size_t n, double* xt, Acc* margins, double* out) {
  const size_t nf = model.num_used_features();
  if (model.walk.usable && n < kLanes) {
    // Too few rows to fill the lanes: walk each row through kLanes trees at once.
    const size_t m = model.forest->num_margin_outputs;
    for (size_t r = 0; r < n; ++r) {
      score_row(model, plan, x + r * nf, margins + r * m, out + r * plan.values_per_row);
    }
    return;
  }
  const BlockWalker walker(model, x, n, xt);
  uint32_t leaves[kBlockRows];
  if (kind == OutputKind::kLeaf) {
    const size_t used = plan.tree_end - plan.tree_begin;
    for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
      walker.leaves(model.forest->trees[t], leaves);
      for (size_t r = 0; r < n; ++r) out[r * used + (t - plan.tree_begin)] = model.forest->leaf_ids[leaves[r]];
    }
    return;
  }
  const size_t m = model.forest->num_margin_outputs;
  for (size_t r = 0; r < n; ++r) init_margins(model, margins + r * m);
  if (model.forest->has_linear) {
    for (size_t r = 0; r < n; ++r) {
      const double* row = x + r * nf;
      linear_margins(model, [row](uint32_t f) { return row[f]; }, margins + r * m);
    }
  }
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
    const Tree& tree = model.forest->trees[t];
    walker.leaves(tree, leaves);
    for (size_t r = 0; r < n; ++r) add_leaf(model, tree, leaves[r], margins + r * m);
  }
  for (size_t r = 0; r < n; ++r) {
    finish_row(model, plan, kind, margins + r * m, out + r * plan.values_per_row);
  }
}


inline double absent_value(const PreparedModel& model) {
  return model.forest->format == ModelFormat::kLightGBMText ? 0.0
                                                     : std::numeric_limits<double>::quiet_NaN();
}

// ---- Scoring by keys, over the heap tables or else the linked tables (heap_walk.h, linked_walk.h).
// Acc, the sum's type, is float for float32 models, else double.

inline bool walks_by_keys(const PreparedModel& model) { return model.heap.usable || model.linked.usable; }

// What a walk by keys returns for each tree is an index into these two tables: the
// value to add, and the index of the leaf (into Forest::leaf_ids).
template <typename Acc>
struct KeyWalkResults {
  const Acc* value;
  const uint32_t* leaf;
  explicit KeyWalkResults(const PreparedModel& model) {
    if (model.heap.usable) {
      if constexpr (sizeof(Acc) == 4) value = model.heap.value32.data();
      else value = model.heap.value64.data();
      leaf = model.heap.leaf.data();
    } else {
      if constexpr (sizeof(Acc) == 4) value = model.linked.value32.data();
      else value = model.linked.value64.data();
      leaf = model.walk.leaf.data();
    }
  }
};

// Blocks with fewer rows than this walk row by row, many trees side by side.
constexpr size_t kKeyMinBlockRows = 16;

// Scores one row given its keys (key_walk::row_keys); margins: num_margin_outputs of scratch.
template <typename Acc>
void score_row_by_keys(const PreparedModel& model, const PredictPlan& plan, const uint32_t* keys,
                       Acc* margins, double* out) {
  const KeyWalkResults<Acc> results(model);
  constexpr uint32_t kTrees = 16;
  uint32_t reached[kTrees];
  if (plan.kind != OutputKind::kLeaf) init_margins(model, margins);
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; t += kTrees) {
    const uint32_t count = std::min<uint32_t>(kTrees, plan.tree_end - t);
    if (model.heap.usable) {
      key_walk::row_slots(model, keys, t, count, reached);
    } else {
      key_walk::linked_row_leaves(model, keys, t, count, reached);
    }
    if (plan.kind == OutputKind::kLeaf) {
      for (uint32_t k = 0; k < count; ++k) {
        out[t - plan.tree_begin + k] = model.forest->leaf_ids[results.leaf[reached[k]]];
      }
    } else if (model.forest->num_margin_outputs == 1) {
      // A sum in a register: the chain of adds (in tree order) stays short enough to
      // run beside the next group's walk.
      Acc sum = margins[0];
      for (uint32_t k = 0; k < count; ++k) sum += results.value[reached[k]];
      margins[0] = sum;
    } else {
      for (uint32_t k = 0; k < count; ++k) margins[model.forest->trees[t + k].output] += results.value[reached[k]];
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(model, plan, plan.kind, margins, out);
}

// Per-thread scratch of the walks by keys.
template <typename Acc>
struct KeyScratch {
  std::vector<double> x;               // a block, converted, row-major
  std::vector<uint32_t> keys;          // its keys (key_walk::block_keys), or one row's
  std::vector<Acc> block_margins;      // num_margin_outputs x kBlockRows
  std::vector<Acc> row_margins;        // num_margin_outputs
};

// Scores the block of n rows in s.x.
template <typename Acc>
void score_block_by_keys(const PreparedModel& model, const PredictPlan& plan, size_t n,
                         KeyScratch<Acc>& s, double* out) {
  const size_t nf = model.num_used_features();
  const size_t m = model.forest->num_margin_outputs;
  auto* keys = s.keys.data();
  if (n < kKeyMinBlockRows) {
    for (size_t r = 0; r < n; ++r) {
      key_walk::row_keys(model, s.x.data() + r * nf, keys);
      score_row_by_keys(model, plan, keys, s.row_margins.data(), out + r * plan.values_per_row);
    }
    return;
  }
  key_walk::block_keys(model, s.x.data(), n, keys);
  if (plan.kind == OutputKind::kLeaf) {
    const KeyWalkResults<Acc> results(model);
    uint32_t reached[kBlockRows];
    const size_t used = plan.tree_end - plan.tree_begin;
    for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
      if (model.heap.usable) {
        key_walk::block_slots(model, keys, n, t, reached);
      } else {
        key_walk::linked_block_leaves(model, keys, n, t, reached);
      }
      for (size_t r = 0; r < n; ++r) {
        out[r * used + (t - plan.tree_begin)] = model.forest->leaf_ids[results.leaf[reached[r]]];
      }
    }
    return;
  }
  Acc* bm = s.block_margins.data();
  Acc* row = s.row_margins.data();
  init_margins(model, row);
  for (size_t g = 0; g < m; ++g) std::fill_n(bm + g * kBlockRows, kBlockRows, row[g]);
  if (model.heap.usable) {
    key_walk::add_block(model, keys, n, plan.tree_begin, plan.tree_end, bm);
  } else {
    key_walk::linked_add_block(model, keys, n, plan.tree_begin, plan.tree_end, bm);
  }
  for (size_t r = 0; r < n; ++r) {
    for (size_t g = 0; g < m; ++g) row[g] = bm[g * kBlockRows + r];
    finish_row(model, plan, plan.kind, row, out + r * plan.values_per_row);
  }
}

// The blocks of a call's rows, handed out one at a time to the threads that score them:
// a thread that gets less of a core (on a busy or shared machine) takes fewer blocks,
// where equal shares fixed in advance would leave the others waiting for it.
class BlockQueue {
 public:
  explicit BlockQueue(size_t n_rows) : n_rows_(n_rows) {}
  size_t blocks() const { return (n_rows_ + kBlockRows - 1) / kBlockRows; }
  // The next block's first row and row count; false once all are taken.
  bool take(size_t& first, size_t& n) {
    first = next_.fetch_add(1, std::memory_order_relaxed) * kBlockRows;
    if (first >= n_rows_) return false;
    n = std::min(kBlockRows, n_rows_ - first);
    return true;
  }

 private:
  const size_t n_rows_;
  std::atomic<size_t> next_{0};
};

template <typename Acc, typename Fill>
void score_rows_by_keys(const PreparedModel& model, const PredictPlan& plan, size_t rows, double* out,
                        Fill& fill, BlockQueue& queue) {
  KeyScratch<Acc> s;
  s.x.resize(rows * model.num_used_features());
  s.keys.resize(2 * kBlockRows * model.num_used_features());
  s.block_margins.resize(kBlockRows * model.forest->num_margin_outputs);
  s.row_margins.resize(model.forest->num_margin_outputs);
  size_t first, n;
  while (queue.take(first, n)) {
    fill(first, n, s.x.data());
    score_block_by_keys(model, plan, n, s, out + first * plan.values_per_row);
  }
}

// fill(first, n, x) writes rows [first, first + n) to x as the walks read them: converted,
// num_used_features() values per row.
template <typename Fill>
void predict_rows(const PreparedModel& model, const PredictPlan& plan, size_t n_rows, double* out,
                  Fill&& fill) {
  BlockQueue queue(n_rows);
  // Scratch for the largest block this call sees.
  const size_t rows = std::min(kBlockRows, n_rows);
  auto work = [&] {
    if (walks_by_keys(model)) {
      if (model.forest->arithmetic.float32) {
        score_rows_by_keys<float>(model, plan, rows, out, fill, queue);
      } else {
        score_rows_by_keys<double>(model, plan, rows, out, fill, queue);
      }
      return;
    }
    // The transposed copy only when a block fills the lanes (smaller ones walk row by
    // row, see score_block).
    std::vector<double> x(rows * model.num_used_features());
    std::vector<double> xt(model.walk.usable && rows >= kLanes ? kBlockRows * model.num_used_features() : 0);
    std::vector<double> margins64;
    std::vector<float> margins32;
    if (model.forest->arithmetic.float32) {
      margins32.resize(rows * model.forest->num_margin_outputs);
    } else {
      margins64.resize(rows * model.forest->num_margin_outputs);
    }
    size_t first, n;
    while (queue.take(first, n)) {
      fill(first, n, x.data());
      double* block_out = out + first * plan.values_per_row;
      if (model.forest->arithmetic.float32) {
        score_block(model, plan, plan.kind, x.data(), n, xt.data(), margins32.data(), block_out);
      } else {
        score_block(model, plan, plan.kind, x.data(), n, xt.data(), margins64.data(), block_out);
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, plan.num_threads), queue.blocks());
  run_with_helpers(threads > 1 ? threads - 1 : 0, work);
}

template <typename T>
void predict_dense_impl(const PreparedModel& model, const PredictPlan& plan,
                        const T* rows, size_t n_rows, double* out) {
  const bool f32 = model.forest->arithmetic.float32;
  const size_t nf = model.forest->num_features;
  const uint32_t* used = model.used_features.data();
  const size_t nu = model.used_features.size();
  predict_rows(model, plan, n_rows, out, [&](size_t first, size_t n, double* x) {
    const T* src = rows + first * nf;
    if (nu == 0) {  // every feature is used: the rows as they are
      for (size_t i = 0; i < n * nf; ++i) x[i] = convert(static_cast<double>(src[i]), f32);
      return;
    }
    for (size_t r = 0; r < n; ++r) {
      for (size_t j = 0; j < nu; ++j) x[r * nu + j] = convert(static_cast<double>(src[r * nf + used[j]]), f32);
    }
  });
}

}  // namespace

void predict_dense(const PreparedModel& model, const PredictPlan& plan, 
                   const float* rows, size_t n_rows, double* out) {
  predict_dense_impl(model, plan, rows, n_rows, out);
}

void predict_dense(const PreparedModel& model, const PredictPlan& plan, 
                   const double* rows, size_t n_rows, double* out) {
  predict_dense_impl(model, plan, rows, n_rows, out);
}

template <typename T>
void predict_csr(const PreparedModel& model, const PredictPlan& plan, 
                 const int64_t* indptr, const int32_t* indices, const T* values, size_t n_rows,
                 double* out) {
  const double absent = absent_value(model);
  const bool f32 = model.forest->arithmetic.float32;
  const size_t nu = model.num_used_features();
  // A row costs its stored entries plus the used features: entries of features no split
  // tests are dropped, and the rest land at their used positions.
  predict_rows(model, plan, n_rows, out, [&](size_t first, size_t n, double* x) {
    std::fill(x, x + n * nu, absent);
    for (size_t r = 0; r < n; ++r) {
      for (int64_t k = indptr[first + r]; k < indptr[first + r + 1]; ++k) {
        const uint32_t j = model.used_position(static_cast<uint32_t>(indices[k]));
        if (j != PreparedModel::kUnusedFeature) x[r * nu + j] = convert(static_cast<double>(values[k]), f32);
      }
    }
  });
}
template void predict_csr<float>(const PreparedModel&, const PredictPlan&,
                                 const int64_t*, const int32_t*, const float*, size_t, double*);
template void predict_csr<double>(const PreparedModel&, const PredictPlan&,
                                  const int64_t*, const int32_t*, const double*, size_t, double*);

namespace {

// Models this small score a row faster by reading (and converting) only the features
// their splits test than by preparing the whole row for the side-by-side walks.
constexpr uint32_t kFewTrees = 16;

template <typename Acc>
void score_row_of_few_trees(const PreparedModel& model, const PredictPlan& plan, const double* row,
                            double* out) {
  const bool f32 = model.forest->arithmetic.float32;
  const uint32_t* words = model.forest->category_words.data();
  Acc margins[kMaxRowMargins];
  if (plan.kind != OutputKind::kLeaf) {
    init_margins(model, margins);
    if (model.forest->has_linear) {
      linear_margins(model, [row, f32](uint32_t f) { return convert(row[f], f32); }, margins);
    }
  }
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
    const Node* nodes = model.forest->nodes.data() + model.forest->trees[t].node_begin;
    uint32_t i = 0;
    while (!(nodes[i].flags & kLeaf)) {
      i = next_node(nodes[i], convert(row[nodes[i].feature], f32), words);
    }
    if (plan.kind == OutputKind::kLeaf) {
      out[t - plan.tree_begin] = model.forest->leaf_ids[nodes[i].child_or_leaf];
    } else {
      add_leaf(model, model.forest->trees[t], nodes[i].child_or_leaf, margins);
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(model, plan, plan.kind, margins, out);
}

}  // namespace

void predict_row(const PreparedModel& model, const PredictPlan& plan, const double* row, double* out) {
  if (plan.tree_end - plan.tree_begin < kFewTrees) {
    if (model.forest->arithmetic.float32) {
      score_row_of_few_trees<float>(model, plan, row, out);
    } else {
      score_row_of_few_trees<double>(model, plan, row, out);
    }
    return;
  }
  // The caller checked the model against kMaxRowMargins and kMaxRowFeatures, so the
  // stack suffices.
  // The row's used features, converted.
  double converted[kMaxRowFeatures];
  const uint32_t nu = model.num_used_features();
  for (uint32_t j = 0; j < nu; ++j) {
    const uint32_t f = model.used_features.empty() ? j : model.used_features[j];
    converted[j] = convert(row[f], model.forest->arithmetic.float32);
  }
  if (walks_by_keys(model)) {
    uint32_t keys[2 * kMaxRowFeatures];
    key_walk::row_keys(model, converted, keys);
    if (model.forest->arithmetic.float32) {
      float margins[kMaxRowMargins];
      score_row_by_keys(model, plan, keys, margins, out);
    } else {
      double margins[kMaxRowMargins];
      score_row_by_keys(model, plan, keys, margins, out);
    }
    return;
  }
  if (model.forest->arithmetic.float32) {
    float margins[kMaxRowMargins];
    score_row(model, plan, converted, margins, out);
  } else {
    double margins[kMaxRowMargins];
    score_row(model, plan, converted, margins, out);
  }
}

}  // namespace polyscore
