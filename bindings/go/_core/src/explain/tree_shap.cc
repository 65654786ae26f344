// TreeSHAP as XGBoost (float, src/tree/tree_model.cc / cpu_treeshap.cc) and LightGBM
// (double, Tree::TreeSHAP) compute it. The two are the same recursion; the differences
// that change bits are kept: the float type, and that XGBoost sums each tree's
// contributions in a buffer and adds it times the tree's weight, while LightGBM adds
// straight into the output.
#include "explain/tree_shap.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "explain/grouped_walk.h"
#include "explain/one_row_sums.h"
#include "explain/quadrature_tree_shap.h"
#include "explain/shap_scratch.h"
#include "model/error.h"
#include "predict/feature_value.h"  // convert: values as the libraries read them
#include "predict/general_walk.h"   // next_node: the child a split sends a value to (the hot path)
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

// TreeSHAP's recursion (Algorithm 2) for a block of L rows at once. Which child is hot
// is the only thing that depends on the row (it sets the one fractions); the nodes
// visited, the features on the path, the zero fractions and the unwinding are the same
// for every row. So the block walks the tree once, left child first, doing per lane
// exactly the operations the libraries do for that row, term by term (a branch on the
// row becomes a per-lane select): each lane's values are bit for bit theirs. What the
// libraries do differently per row is the order they add the leaves' terms into phi
// (hot child first), and float addition is not associative; so the block stores each
// leaf's terms and adds them per lane afterwards in that lane's hot-first order.
// L = 1 is the plain one-row walk.
template <typename F, int L>
struct LanePathElement {
  int64_t feature;
  F zero_fraction;
  F one_fraction[L];
  F pweight[L];
};

template <typename F, int L>
void extend_lanes(LanePathElement<F, L>* path, uint32_t depth, F zero_fraction, const F* one_fraction,
                  int64_t feature) {
  path[depth].feature = feature;
  path[depth].zero_fraction = zero_fraction;
  for (int l = 0; l < L; ++l) {
    path[depth].one_fraction[l] = one_fraction[l];
    path[depth].pweight[l] = depth == 0 ? F(1) : F(0);
  }
  const F d1 = static_cast<F>(depth + 1);
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    const F up = static_cast<F>(i + 1), down = static_cast<F>(depth - i);
    for (int l = 0; l < L; ++l) {
      path[i + 1].pweight[l] += one_fraction[l] * path[i].pweight[l] * up / d1;
      path[i].pweight[l] = zero_fraction * path[i].pweight[l] * down / d1;
    }
  }
}

template <typename F, int L>
void unwind_lanes(LanePathElement<F, L>* path, uint32_t depth, uint32_t index) {
  const F zero_fraction = path[index].zero_fraction;
  F one_fraction[L], next_one_portion[L];
  for (int l = 0; l < L; ++l) {
    one_fraction[l] = path[index].one_fraction[l];
    next_one_portion[l] = path[depth].pweight[l];
  }
  const F d1 = static_cast<F>(depth + 1);
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    const F down = static_cast<F>(depth - i);
    for (int l = 0; l < L; ++l) {
      const F tmp = path[i].pweight[l];
      const F hot = next_one_portion[l] * d1 / static_cast<F>((i + 1) * one_fraction[l]);
      const F cold = (tmp * d1) / static_cast<F>(zero_fraction * down);
      const bool is_hot = one_fraction[l] != 0;
      path[i].pweight[l] = is_hot ? hot : cold;
      next_one_portion[l] = is_hot ? tmp - hot * zero_fraction * down / d1 : next_one_portion[l];
    }
  }
  for (uint32_t i = index; i < depth; ++i) {
    path[i].feature = path[i + 1].feature;
    path[i].zero_fraction = path[i + 1].zero_fraction;
    for (int l = 0; l < L; ++l) path[i].one_fraction[l] = path[i + 1].one_fraction[l];
  }
}

template <typename F, int L>
void unwound_sum_lanes(const LanePathElement<F, L>* path, uint32_t depth, uint32_t index, F* total_out) {
  const F zero_fraction = path[index].zero_fraction;
  // Local copies: the compiler keeps them in vector registers (no aliasing with path).
  F one_fraction[L], next_one_portion[L], total[L];
  for (int l = 0; l < L; ++l) {
    one_fraction[l] = path[index].one_fraction[l];
    next_one_portion[l] = path[depth].pweight[l];
    total[l] = 0;
  }
  const F d1 = static_cast<F>(depth + 1);
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    const F down = static_cast<F>(depth - i);
    const F up = static_cast<F>(i + 1);
    const F* pweight = path[i].pweight;
    for (int l = 0; l < L; ++l) {
      const F tmp = next_one_portion[l] * d1 / (up * one_fraction[l]);
      const F cold = (pweight[l] / zero_fraction) / (down / d1);
      const bool is_hot = one_fraction[l] != 0;
      total[l] = is_hot ? total[l] + tmp : (zero_fraction != 0 ? total[l] + cold : total[l]);
      next_one_portion[l] = is_hot ? pweight[l] - tmp * zero_fraction * (down / d1) : next_one_portion[l];
    }
  }
  for (int l = 0; l < L; ++l) total_out[l] = total[l];
}

// Per tree and block: the lanes' hot children, the leaves' stored terms, and the walk.
template <typename F, int L>
struct BlockWalk {
  const Node* nodes;
  const Forest* forest;
  uint32_t node_begin;  // of the tree walked, in the forest's nodes
  double cover(uint32_t node_index) const { return forest->node_cover(node_begin + node_index); }
  const double* leaf_values;
  std::vector<uint8_t> hot_is_right;   // per node and lane
  std::vector<uint32_t> leaf_begin;    // per node: its first term (leaves only)
  std::vector<uint32_t> leaf_count;    // per node: its number of terms
  std::vector<int64_t> term_feature;   // per term
  std::vector<F> terms;                // per term and lane
  uint32_t num_terms = 0;
  std::vector<LanePathElement<F, L>> path;
  // One row (L = 1) on a CPU with vector lanes (one_row_sums.h): ExtendPath at every node
  // and a leaf's unwound sums in lanes, and up to kOneRowMaxLeaves leaves of one depth
  // together (their terms are only added after the walk, so each depth has its queue
  // of leaves, computed when full or at the end of the tree). The path is kept as a
  // structure of arrays: the weights one row per level of the recursion (a node at
  // depth k of the tree has its weights in row k), so ExtendPath reads the parent's
  // weights and writes the child's as whole vectors; the fractions and features one
  // array each, a stack (a child appends its element, UnwindPath's removal is undone
  // after the node's children). The walk takes the hot child first, as the
  // libraries do, so the terms are stored in the order they are added
  // (terms_in_add_order; for_terms then reads them straight through), and it finds the
  // hot child on its way (row: the row's values). The leaves waiting, per depth d: their
  // paths' values in the lane arrays (leaf s at (d * kOneRowMaxLeaves + s) *
  // kOneRowLeafStride), their first terms and values.
  OneRowSums<F> one_row;
  bool terms_in_add_order = false;
  const double* row = nullptr;
  size_t row_stride = 0;  // values per row: a multiple of 16, rows 64-byte aligned
  std::vector<F> row_pweight, path_zero, path_one;
  std::vector<int64_t> path_feature;
  F* pweight_rows = nullptr;  // row 0, aligned
  std::vector<F> lane_zero, lane_one, lane_pweight, lane_total;
  static constexpr uint32_t kMaxQueuedDepth = 16;
  uint32_t queued_depths = 0;  // leaves up to this depth are queued: min(leaf_lanes, kMaxQueuedDepth)
  uint32_t waiting[kMaxQueuedDepth + 1] = {};
  uint32_t waiting_term[kMaxQueuedDepth + 1][kOneRowMaxLeaves];
  F waiting_leaf[kMaxQueuedDepth + 1][kOneRowMaxLeaves];
  // A leaf's path values copied to the lane arrays: whole vectors (up to 16 values),
  // enough for any leaf the lanes share (depth <= leaf_lanes <= 8).
  static constexpr size_t kLeafCopy = 16;
  static_assert(kLeafCopy <= kOneRowLeafStride, "a leaf's copy fits its stride");

  void use_one_row_sums(OneRowSums<F> sums, uint32_t max_elements) {
    one_row = sums;
    queued_depths = std::min(one_row.leaf_lanes, kMaxQueuedDepth);
    const size_t queues = size_t(kMaxQueuedDepth + 1) * kOneRowMaxLeaves * kOneRowLeafStride;
    lane_zero.assign(queues, F(1));
    lane_one.assign(queues, F(1));
    lane_pweight.assign(queues, F(1));
    lane_total.assign(std::max<size_t>(one_row_sums_padded(max_elements), kOneRowMaxLeaves * kOneRowLeafStride), F(0));
    row_stride = row_stride_for(max_elements);
    row_pweight.assign(row_stride * max_elements + 16, F(0));  // + 16: room to align the first row
    path_zero.assign(row_stride, F(1));  // finite values past the path (one_row_sums.h)
    path_one.assign(row_stride, F(1));
    path_feature.assign(row_stride, 0);
  }

  // A row (and each path array) holds a path of max_elements, read and written past it
  // by whole vectors (one_row_sums_padded), and kLeafCopy values from index 1.
  static size_t row_stride_for(uint32_t max_elements) {
    return (std::max<size_t>(one_row_sums_padded(max_elements) + 1, kLeafCopy + 1) + 15) / 16 * 16;
  }

  // The first 64-byte boundary in values (the arrays have 16 values to spare for it).
  static F* aligned_start(std::vector<F>& values) {
    const uintptr_t begin = reinterpret_cast<uintptr_t>(values.data());
    return values.data() + ((64 - begin % 64) % 64) / sizeof(F);
  }

  // Before a tree's walk in lanes (the arrays stay put, but the walk may have moved).
  void start_walk_in_lanes(const double* row_values) {
    row = row_values;
    pweight_rows = aligned_start(row_pweight);
  }

  // Copies n values (n > 0) a whole 64 bytes at a time: both arrays have room past n (a
  // path's array, row_stride values; term_feature, 16 spare).
  template <typename T>
  static void copy_whole_vectors(const T* from, T* to, uint32_t n) {
    constexpr uint32_t kPerVector = 64 / sizeof(T);
    for (uint32_t k = 0; k < n; k += kPerVector) std::memcpy(to + k, from + k, 64);
  }

  // The walk of recurse with the path as arrays (above). level: the node's depth in the
  // tree; depth: its path's unique depth, as in recurse.
  void recurse_in_lanes(uint32_t node_index, uint32_t level, uint32_t depth, F parent_zero_fraction,
                        F parent_one_fraction, int64_t parent_feature) {
    F* zero = path_zero.data();
    F* one = path_one.data();
    int64_t* feature = path_feature.data();
    F* pweight = pweight_rows + size_t(level) * row_stride;
    if (level == 0) {
      pweight[0] = F(1);
    } else {
      one_row.extend(pweight - row_stride, pweight, depth, parent_zero_fraction, parent_one_fraction);
    }
    feature[depth] = parent_feature;
    zero[depth] = parent_zero_fraction;
    one[depth] = parent_one_fraction;
    const Node& node = nodes[node_index];
    if (node.flags & kLeaf) {
      return leaf_terms_in_lanes(zero, one, pweight, feature, depth, static_cast<F>(leaf_values[node.child_or_leaf]));
    }
    const uint32_t left = node.child_or_leaf, right = left + 1;
    const F w = static_cast<F>(cover(node_index));
    const F left_zero_fraction = static_cast<F>(cover(left)) / w;
    const F right_zero_fraction = static_cast<F>(cover(right)) / w;
    F incoming_zero_fraction = 1, incoming_one_fraction = 1;
    uint32_t path_index = 0;
    for (; path_index <= depth; ++path_index) {
      if (feature[path_index] == static_cast<int64_t>(node.feature)) break;
    }
    const bool unwound = path_index != depth + 1;
    if (unwound) {
      incoming_zero_fraction = zero[path_index];
      incoming_one_fraction = one[path_index];
      unwind_row(zero, one, pweight, feature, depth, path_index);
    }
    const uint32_t child_depth = unwound ? depth : depth + 1;
    const bool right_hot = next_node(node, row[node.feature], forest->category_words.data()) == right;
    const uint32_t hot = right_hot ? right : left, cold = right_hot ? left : right;
    const F hot_zero_fraction = right_hot ? right_zero_fraction : left_zero_fraction;
    const F cold_zero_fraction = right_hot ? left_zero_fraction : right_zero_fraction;
    recurse_in_lanes(hot, level + 1, child_depth, hot_zero_fraction * incoming_zero_fraction, incoming_one_fraction,
                     node.feature);
    recurse_in_lanes(cold, level + 1, child_depth, cold_zero_fraction * incoming_zero_fraction, F(0), node.feature);
    if (unwound) {
      // Put the element back for the parent (the children wrote at depth and past it).
      for (uint32_t i = depth - 1; i > path_index; --i) {
        feature[i] = feature[i - 1];
        zero[i] = zero[i - 1];
        one[i] = one[i - 1];
      }
      feature[path_index] = node.feature;
      zero[path_index] = incoming_zero_fraction;
      one[path_index] = incoming_one_fraction;
    }
  }

  // UnwindPath on a row, as unwind_lanes does for one lane (the library's branch on the
  // one fraction taken, not selected).
  static void unwind_row(F* zero, F* one, F* pweight, int64_t* feature, uint32_t depth, uint32_t index) {
    const F zero_fraction = zero[index], one_fraction = one[index];
    F next_one_portion = pweight[depth];
    const F d1 = static_cast<F>(depth + 1);
    for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
      const F down = static_cast<F>(depth - i);
      if (one_fraction != 0) {
        const F tmp = pweight[i];
        pweight[i] = next_one_portion * d1 / static_cast<F>((i + 1) * one_fraction);
        next_one_portion = tmp - pweight[i] * zero_fraction * down / d1;
      } else {
        pweight[i] = (pweight[i] * d1) / static_cast<F>(zero_fraction * down);
      }
    }
    for (uint32_t i = index; i < depth; ++i) {
      feature[i] = feature[i + 1];
      zero[i] = zero[i + 1];
      one[i] = one[i + 1];
    }
  }

  // The leaf's terms as the loop in recurse computes them, the unwound sums in lanes:
  // w * (one_fraction - zero_fraction) * leaf. Leaves the lanes share wait in their
  // depth's queue (the path's rows are the next leaf's); a deeper leaf is computed from
  // its rows at once. Each leaf's terms have their place (from num_terms), so the order
  // the leaves are computed in does not matter.
  void leaf_terms_in_lanes(const F* zero, const F* one, const F* pweight, const int64_t* feature, uint32_t depth,
                           F leaf) {
    copy_whole_vectors(feature + 1, &term_feature[num_terms], depth);  // term_feature has room
    if (depth <= queued_depths) {
      uint32_t& n = waiting[depth];
      const size_t base = (size_t(depth) * kOneRowMaxLeaves + n) * kOneRowLeafStride;
      std::memcpy(&lane_zero[base], zero + 1, kLeafCopy * sizeof(F));
      std::memcpy(&lane_one[base], one + 1, kLeafCopy * sizeof(F));
      std::memcpy(&lane_pweight[base], pweight, kLeafCopy * sizeof(F));
      waiting_term[depth][n] = num_terms;
      waiting_leaf[depth][n] = leaf;
      num_terms += depth;
      if (++n == kOneRowMaxLeaves) flush_leaves(depth);
      return;
    }
    one_row.one_leaf(zero + 1, one + 1, pweight, depth, lane_total.data());
    for (uint32_t i = 1; i <= depth; ++i, ++num_terms) terms[num_terms] = lane_total[i - 1] * (one[i] - zero[i]) * leaf;
  }

  // The terms of the leaves waiting in depth's queue.
  void flush_leaves(uint32_t depth) {
    const uint32_t n = waiting[depth];
    if (n == 0) return;
    const size_t queue = size_t(depth) * kOneRowMaxLeaves * kOneRowLeafStride;
    one_row.leaves(&lane_zero[queue], &lane_one[queue], &lane_pweight[queue], depth, n, lane_total.data());
    for (uint32_t s = 0; s < n; ++s) {
      const size_t base = size_t(s) * kOneRowLeafStride;
      // Not aliased (restrict): the compiler computes the terms a vector at a time.
      const F* __restrict total = &lane_total[base];
      const F* __restrict one = &lane_one[queue + base];
      const F* __restrict zero = &lane_zero[queue + base];
      F* __restrict term = &terms[waiting_term[depth][s]];
      const F leaf = waiting_leaf[depth][s];
      for (uint32_t i = 0; i < depth; ++i) term[i] = total[i] * (one[i] - zero[i]) * leaf;
    }
    waiting[depth] = 0;
  }

  // Every queue's terms (before add_terms reads them).
  void flush_all_leaves() {
    for (uint32_t depth = 1; depth <= queued_depths; ++depth) flush_leaves(depth);
  }

  void recurse(uint32_t node_index, uint32_t depth, LanePathElement<F, L>* parent_path, F parent_zero_fraction,
               const F* parent_one_fraction, int64_t parent_feature) {
    LanePathElement<F, L>* path_here = parent_path + depth;
    if (depth > 0) std::copy(parent_path, parent_path + depth, path_here);
    extend_lanes(path_here, depth, parent_zero_fraction, parent_one_fraction, parent_feature);
    const Node& node = nodes[node_index];
    if (node.flags & kLeaf) {
      const F leaf = static_cast<F>(leaf_values[node.child_or_leaf]);
      leaf_begin[node_index] = num_terms;
      leaf_count[node_index] = depth;
      F w[L];
      for (uint32_t i = 1; i <= depth; ++i, ++num_terms) {
        unwound_sum_lanes(path_here, depth, i, w);
        const LanePathElement<F, L>& el = path_here[i];
        term_feature[num_terms] = el.feature;
        F* term = &terms[size_t(num_terms) * L];
        for (int l = 0; l < L; ++l) term[l] = w[l] * (el.one_fraction[l] - el.zero_fraction) * leaf;
      }
      return;
    }
    const uint32_t left = node.child_or_leaf, right = left + 1;
    const F w = static_cast<F>(cover(node_index));
    const F left_zero_fraction = static_cast<F>(cover(left)) / w;
    const F right_zero_fraction = static_cast<F>(cover(right)) / w;
    F incoming_zero_fraction = 1;
    F incoming_one_fraction[L];
    for (int l = 0; l < L; ++l) incoming_one_fraction[l] = 1;
    uint32_t path_index = 0;
    for (; path_index <= depth; ++path_index) {
      if (path_here[path_index].feature == static_cast<int64_t>(node.feature)) break;
    }
    if (path_index != depth + 1) {
      incoming_zero_fraction = path_here[path_index].zero_fraction;
      for (int l = 0; l < L; ++l) incoming_one_fraction[l] = path_here[path_index].one_fraction[l];
      unwind_lanes(path_here, depth, path_index);
      depth -= 1;
    }
    const uint8_t* right_hot = &hot_is_right[size_t(node_index) * L];
    F one_fraction[L];
    for (int l = 0; l < L; ++l) one_fraction[l] = right_hot[l] ? F(0) : incoming_one_fraction[l];
    recurse(left, depth + 1, path_here, left_zero_fraction * incoming_zero_fraction, one_fraction, node.feature);
    for (int l = 0; l < L; ++l) one_fraction[l] = right_hot[l] ? incoming_one_fraction[l] : F(0);
    recurse(right, depth + 1, path_here, right_zero_fraction * incoming_zero_fraction, one_fraction, node.feature);
  }

  // Adds lane l's terms into phi leaf by leaf in the scalar walk's order (hot child first).
  void add_terms(int l, F* phi, uint32_t* stack) const {
    for_terms(l, stack, [phi](int64_t feature, F term) { phi[feature] += term; });
  }

  // Calls add(feature, term) for lane l's terms in add_terms's order.
  template <typename Add>
  void for_terms(int l, uint32_t* stack, Add&& add) const {
    if (terms_in_add_order) {
      for (uint32_t k = 0; k < num_terms; ++k) add(term_feature[k], terms[k]);
      return;
    }
    size_t top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const uint32_t i = stack[--top];
      const Node& node = nodes[i];
      if (node.flags & kLeaf) {
        const uint32_t begin = leaf_begin[i], count = leaf_count[i];
        for (uint32_t k = 0; k < count; ++k) add(term_feature[begin + k], terms[size_t(begin + k) * L + l]);
        continue;
      }
      const uint32_t hot = node.child_or_leaf + hot_is_right[size_t(i) * L + l];
      stack[top++] = hot == node.child_or_leaf ? hot + 1 : node.child_or_leaf;  // cold, later
      stack[top++] = hot;
    }
  }
};

// A tree's depth (edges from the root to its deepest leaf) and the sum of its leaves'
// depths: a leaf at depth k has at most k terms, so that sum bounds the terms a walk of
// the tree stores.
struct TreeShape {
  uint32_t depth = 0;
  uint64_t leaf_depths = 0;
};

TreeShape tree_shape(const Node* nodes, uint32_t num_nodes) {
  // Children come after their parent (breadth-first layout), so one forward pass works.
  std::vector<uint32_t> depth(num_nodes, 0);
  TreeShape shape;
  for (uint32_t i = 0; i < num_nodes; ++i) {
    shape.depth = std::max(shape.depth, depth[i]);
    if (!(nodes[i].flags & kLeaf)) {
      depth[nodes[i].child_or_leaf] = depth[nodes[i].child_or_leaf + 1] = depth[i] + 1;
    } else {
      shape.leaf_depths += depth[i];
    }
  }
  return shape;
}

// XGBoost's FillNodeMeanValue: a node's mean is its children's means weighted by their
// covers, in float. Returns the root's. XGBoost recurses; here the nodes are taken from
// the last to the first (children come after their parent), the same operations on the
// same values without a stack frame per level: this runs on the caller's thread when
// the tables are prepared, before check_shap_stack, and recursing 10,000 levels
// (kMaxShapDepth) overflowed a 512 KiB thread's stack.
float xgboost_node_mean(const Forest& forest, const Tree& tree) {
  std::vector<float> mean(tree.num_nodes);
  for (uint32_t i = tree.num_nodes; i-- > 0;) {
    const Node& node = forest.nodes[tree.node_begin + i];
    if (node.flags & kLeaf) {
      mean[i] = static_cast<float>(forest.leaf_values[node.child_or_leaf]);
      continue;
    }
    const uint32_t l = node.child_or_leaf;
    float result = mean[l] * static_cast<float>(forest.node_cover(tree.node_begin + l));
    result += mean[l + 1] * static_cast<float>(forest.node_cover(tree.node_begin + l + 1));
    result /= static_cast<float>(forest.node_cover(tree.node_begin + i));
    mean[i] = result;
  }
  return mean[0];
}

// LightGBM's Tree::ExpectedValue: leaves in the library's leaf order.
double lightgbm_expected_value(const Forest& forest, const Tree& tree) {
  const Node* nodes = &forest.nodes[tree.node_begin];
  if (tree.num_nodes == 1) return forest.leaf_values[nodes[0].child_or_leaf];
  const uint32_t num_leaves = (tree.num_nodes + 1) / 2;
  std::vector<double> count(num_leaves, 0.0), value(num_leaves, 0.0);
  for (uint32_t i = 0; i < tree.num_nodes; ++i) {
    if (!(nodes[i].flags & kLeaf)) continue;
    const uint32_t leaf = nodes[i].child_or_leaf;
    const uint32_t id = static_cast<uint32_t>(forest.leaf_id(static_cast<uint32_t>(&tree - forest.trees.data()), leaf));
    if (id >= num_leaves) throw Error(PS_ERR_PARSE, "lightgbm: leaf id out of range");
    count[id] = forest.node_cover(tree.node_begin + i);
    value[id] = forest.leaf_values[leaf];
  }
  const double total_count = forest.node_cover(tree.node_begin);
  double exp_value = 0.0;
  for (uint32_t i = 0; i < num_leaves; ++i) exp_value += (count[i] / total_count) * value[i];
  return exp_value;
}

bool is_lightgbm(const Forest& forest) { return forest.format == ModelFormat::kLightGBMText; }

// XGBoost gblinear (GBLinear::PredictContribution): feature f adds x_f * weight[f, g]
// (a missing feature adds 0), the bias is the model's bias plus base_score (or the row's
// base_margin, offset), in float.
void linear_contributions(const Forest& forest, const double* row, const double* offset, double* out) {
  const uint32_t n = forest.num_features, groups = forest.num_margin_outputs;
  for (uint32_t g = 0; g < groups; ++g) {
    double* o = out + size_t(g) * (n + 1);
    for (uint32_t f = 0; f < n; ++f) {
      const float w = static_cast<float>(forest.linear.weights[size_t(f) * groups + g]);
      const double c = std::isnan(row[f]) ? 0.0 : static_cast<double>(static_cast<float>(row[f]) * w);
      // inf * 0 is a NaN whose sign bit depends on the CPU; write the one quiet NaN.
      o[f] = std::isnan(c) ? std::numeric_limits<double>::quiet_NaN() : c;
    }
    const double base = offset ? offset[g] : forest.base_margin[g];
    o[n] = static_cast<double>(static_cast<float>(forest.linear.bias[g]) + static_cast<float>(base));
  }
}

// Rows per block: enough lanes to fill the vector registers (4 floats or 2 doubles with
// SSE2, twice that with AVX2) and hide the latency of the per-lane division chains.
constexpr int kBlockLanes = 8;

// Asks for the cache lines of `bytes` bytes at `begin`, in order.
void prefetch_bytes(const void* begin, size_t bytes) {
  const char* p = static_cast<const char*>(begin);
  for (size_t k = 0; k < bytes; k += 64) __builtin_prefetch(p + k);
}

// Walks tree t for the block's L rows (row[l]: converted feature values): their hot
// children, then every leaf's terms, kept in walk for add_tree.
template <typename F, int L>
void walk_tree(const Forest& forest, const ContribTables& tables, uint32_t t, const double* const* row,
               BlockWalk<F, L>& walk) {
  const Tree& tree = forest.trees[t];
  if (tree.num_nodes <= 1) return;
  const Node* nodes = &forest.nodes[tree.node_begin];
  walk.nodes = nodes;
  walk.forest = &forest;
  walk.node_begin = tree.node_begin;
  // A leaf's terms are at most its depth (their sum: tree_terms), and room for
  // whole-vector copies.
  const size_t max_terms = tables.tree_terms[t] + 16;
  if (walk.term_feature.size() < max_terms) {
    walk.term_feature.resize(max_terms);
    walk.terms.resize(max_terms * L);
  }
  walk.num_terms = 0;
  if constexpr (L == 1) {
    walk.terms_in_add_order = static_cast<bool>(walk.one_row);
    if (walk.one_row) {
      // The walk visits the nodes depth first, they are laid out breadth first: read the
      // tree's nodes, leaf values and covers into the cache in order first, as the
      // hot-side pass of the other walks does (without the nodes and covers one row took
      // 1.08x and 1.11x as long on the LightGBM and XGBoost bench models).
      for (uint32_t i = 0; i < tree.num_nodes; ++i) {
        if (nodes[i].flags & kLeaf) __builtin_prefetch(&forest.leaf_values[nodes[i].child_or_leaf]);
      }
      if (forest.node_covers32.empty()) {
        prefetch_bytes(&forest.node_covers[tree.node_begin], tree.num_nodes * sizeof(double));
      } else {
        prefetch_bytes(&forest.node_covers32[tree.node_begin], tree.num_nodes * sizeof(float));
      }
      walk.start_walk_in_lanes(row[0]);
      walk.recurse_in_lanes(0, 0, 0, F(1), F(1), -1);
      return walk.flush_all_leaves();
    }
  }
  walk.hot_is_right.resize(size_t(tree.num_nodes) * L);
  walk.leaf_begin.resize(tree.num_nodes);
  walk.leaf_count.resize(tree.num_nodes);
  for (uint32_t i = 0; i < tree.num_nodes; ++i) {
    if (nodes[i].flags & kLeaf) continue;
    for (int l = 0; l < L; ++l) {
      const uint32_t hot = next_node(nodes[i], row[l][nodes[i].feature], forest.category_words.data());
      walk.hot_is_right[size_t(i) * L + l] = static_cast<uint8_t>(hot - nodes[i].child_or_leaf);
    }
  }
  F all_hot[L];
  for (int l = 0; l < L; ++l) all_hot[l] = F(1);
  walk.recurse(0, 0, walk.path.data(), F(1), all_hot, -1);
}

// Adds tree t into lane l's sums acc (per_row values) as the libraries do: its bias,
// then its terms by add_terms(phi) (in the hot-first order). LightGBM adds into the
// output; XGBoost into a per-tree buffer it then scales by the tree's (DART) weight and
// adds.
template <typename F, typename AddTerms>
void add_tree(const Forest& forest, const ContribTables& tables, uint32_t t, F* acc, std::vector<F>& tree_phi,
              AddTerms&& add_terms) {
  const Tree& tree = forest.trees[t];
  const uint32_t columns = forest.num_features + 1;
  const bool lightgbm = is_lightgbm(forest);
  F* group_acc = acc + size_t(tree.output) * columns;
  F* phi = lightgbm ? group_acc : tree_phi.data();
  if (!lightgbm) std::fill(tree_phi.begin(), tree_phi.end(), F(0));
  phi[forest.num_features] += static_cast<F>(tables.tree_bias[t]);
  if (tree.num_nodes > 1) add_terms(phi);
  if (!lightgbm) {
    const F weight = static_cast<F>(tree.weight);
    for (uint32_t c = 0; c < columns; ++c) group_acc[c] += tree_phi[c] * weight;
  }
}

// Writes a row's sums acc to out. The bias takes XGBoost's base_score, or the row's
// base_margin in its place (as XGBoost's PredictContribution does); LightGBM's has no
// base score, and an offset is added to it as its users add init_score to the
// pred_contrib bias column.
template <typename F>
void finish_row(const Forest& forest, const double* offset, F* acc, double* out) {
  const uint32_t columns = forest.num_features + 1;
  const uint32_t groups = forest.num_margin_outputs;
  for (uint32_t g = 0; g < groups; ++g) {
    if (offset) {
      acc[size_t(g) * columns + forest.num_features] += static_cast<F>(offset[g]);
    } else if (!is_lightgbm(forest)) {
      acc[size_t(g) * columns + forest.num_features] += static_cast<F>(forest.base_margin[g]);
    }
  }
  for (size_t i = 0; i < size_t(groups) * columns; ++i) out[i] = static_cast<double>(acc[i]);
}

// One block of L rows (row[l]: converted feature values), written to out row after row.
// offsets: the block's L x num_margin_outputs offsets (base_margin), or nullptr.
template <typename F, int L>
void contributions_block(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                         uint32_t tree_end, const double* const* row, const double* offsets, double* out,
                         BlockWalk<F, L>& walk, std::vector<F>& tree_phi, std::vector<F>& acc,
                         std::vector<uint32_t>& stack) {
  const size_t per_row = contrib_values_per_row(forest);
  std::fill(acc.begin(), acc.end(), F(0));
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    walk_tree<F, L>(forest, tables, t, row, walk);
    for (int l = 0; l < L; ++l) {
      add_tree(forest, tables, t, &acc[l * per_row], tree_phi, [&](F* phi) { walk.add_terms(l, phi, stack.data()); });
    }
  }
  for (int l = 0; l < L; ++l) {
    const double* offset = offsets ? offsets + size_t(l) * forest.num_margin_outputs : nullptr;
    finish_row(forest, offset, &acc[l * per_row], out + l * per_row);
  }
}

// The scratch of the walks above that grows with the trees, in bytes, counted before it
// is allocated (shap_scratch.h): paths of `elements` (the deepest tree's depth + 2) as
// prepare_single and make_scratch allocate them, and the terms of the largest tree as
// walk_tree does. The rest (rows, their sums) does not depend on the trees' depth.
template <typename F>
double single_path_bytes(size_t elements) {
  if (one_row_unwound_sums<F>()) {
    const double stride = double(BlockWalk<F, 1>::row_stride_for(static_cast<uint32_t>(elements)));
    return (stride * double(elements) + 16) * sizeof(F) + stride * (2 * sizeof(F) + sizeof(int64_t));
  }
  return double(elements) * double(elements + 1) / 2 * sizeof(LanePathElement<F, 1>);
}

// Per term a feature and L values; per node L hot sides and its terms' place.
template <typename F, int L>
double walk_terms_bytes(const ContribTables& tables) {
  const double terms = double(tables.max_tree_terms) + 16;
  return terms * double(sizeof(int64_t) + L * sizeof(F)) + double(tables.max_tree_nodes) * (L + 2 * sizeof(uint32_t));
}

// The one-row walk's scratch, for trees up to `elements` - 2 deep.
template <typename F>
void prepare_single(const Forest& forest, size_t elements, BlockWalk<F, 1>& single) {
  single.leaf_values = forest.leaf_values.data();
  // The walk in lanes keeps the path in its own arrays; path (elements^2 / 2 elements) is
  // read only by the walk without them (recurse).
  if (OneRowSums<F> sums = one_row_unwound_sums<F>()) {
    single.use_one_row_sums(sums, static_cast<uint32_t>(elements));
  } else {
    single.path.resize(elements * (elements + 1) / 2);
  }
}

// One row on two threads: the trees' terms do not depend on the sums, only their
// additions do (XGBoost adds tree after tree a buffer of the tree's terms, LightGBM
// adds every term into the sums, leaf after leaf and tree after tree). So one thread
// walks the first half of the trees and adds them; the other walks the second half and
// keeps each tree's terms in the order add_terms would add them; then they are added,
// tree by tree in order, after the first half: the libraries' additions in their order.
template <typename F>
void one_row_two_threads(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                         const double* row_values, const double* offset, double* out) {
  const size_t d = tables.max_depth + 2;
  const uint32_t middle = tree_begin + (tree_end - tree_begin) / 2;
  double kept_bytes = 0;  // the second half's terms
  for (uint32_t t = middle; t < tree_end; ++t) {
    kept_bytes += double(tables.tree_terms[t]) * (sizeof(int64_t) + sizeof(F));
  }
  check_shap_scratch("SHAP contributions", tables.max_depth,
                     single_path_bytes<F>(d) + walk_terms_bytes<F, 1>(tables), 2, kept_bytes);
  std::vector<F> acc(contrib_values_per_row(forest), F(0)), tree_phi(forest.num_features + 1);
  std::vector<int64_t> kept_feature;
  std::vector<F> kept_term;
  std::vector<size_t> kept_end(tree_end - middle);  // per tree of the second half
  std::atomic<int> next_half{0};
  auto work = [&] {
    BlockWalk<F, 1> single;
    prepare_single(forest, d, single);
    std::vector<uint32_t> stack(2 * d + 2);
    const double* row[1] = {row_values};
    for (int half; (half = next_half.fetch_add(1)) < 2;) {
      if (half == 0) {
        for (uint32_t t = tree_begin; t < middle; ++t) {
          walk_tree<F, 1>(forest, tables, t, row, single);
          add_tree(forest, tables, t, acc.data(), tree_phi, [&](F* phi) { single.add_terms(0, phi, stack.data()); });
        }
        continue;
      }
      for (uint32_t t = middle; t < tree_end; ++t) {
        walk_tree<F, 1>(forest, tables, t, row, single);
        if (forest.trees[t].num_nodes > 1) {
          single.for_terms(0, stack.data(), [&](int64_t feature, F term) {
            kept_feature.push_back(feature);
            kept_term.push_back(term);
          });
        }
        kept_end[t - middle] = kept_term.size();
      }
    }
  };
  run_with_helpers(1, work);
  size_t k = 0;
  for (uint32_t t = middle; t < tree_end; ++t) {
    add_tree(forest, tables, t, acc.data(), tree_phi, [&](F* phi) {
      for (; k < kept_end[t - middle]; ++k) phi[kept_feature[k]] += kept_term[k];
    });
    k = kept_end[t - middle];
  }
  finish_row(forest, offset, acc.data(), out);
}

// Rows in blocks of kBlockLanes, shared out to num_threads threads (the caller and pool
// helpers, src/predict/worker_pool.h), each with its own scratch.
template <typename F, typename RowAt>
void contributions_rows(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                        uint32_t tree_end, size_t n_rows, const double* offsets, double* out, unsigned num_threads,
                        RowAt&& row_at) {
  const size_t groups = forest.num_margin_outputs;
  auto offsets_of = [&](size_t r) { return offsets ? offsets + r * groups : nullptr; };
  if (!tables.usable) throw Error(PS_ERR_UNSUPPORTED, tables.unsupported);
  check_shap_stack("SHAP contributions by exact TreeSHAP", tables.max_depth, kShapStackPerLevel);
  const size_t per_row = contrib_values_per_row(forest);
  const size_t d = tables.max_depth + 2;
  if (forest.has_linear) {
    std::vector<double> row(forest.num_features);
    for (size_t r = 0; r < n_rows; ++r) {
      row_at(r, row.data());
      linear_contributions(forest, row.data(), offsets_of(r), out + r * per_row);
    }
    return;
  }
  // Batches: groups of rows sharing path states (grouped_walk.h), a group per task.
  if (n_rows > 1 && grouped_walk_enabled()) {
    const size_t group = grouped_walk_rows(forest, tables, n_rows, num_threads);
    const size_t groups = (n_rows + group - 1) / group;
    check_shap_scratch("SHAP contributions", tables.max_depth,
                       GroupedWalk<F>::scratch_bytes(forest, tables, group) +
                           double(group) * forest.num_features * sizeof(double),
                       std::min<size_t>(std::max(1u, num_threads), groups));
    struct Scratch {
      GroupedWalk<F> walk;
      std::vector<double> rows;
    };
    return share_tasks(
        groups, num_threads,
        [&] { return Scratch{GroupedWalk<F>(forest, tables, group), std::vector<double>(group * forest.num_features)}; },
        [&](size_t g, Scratch& s) {
          const size_t first = g * group, n = std::min(group, n_rows - first);
          for (size_t k = 0; k < n; ++k) row_at(first + k, &s.rows[k * forest.num_features]);
          s.walk.explain(tree_begin, tree_end, s.rows.data(), n, offsets_of(first), out + first * per_row);
        });
  }
  if (n_rows == 1 && num_threads >= 2 && tree_end - tree_begin >= 2) {
    std::vector<double> row(forest.num_features);
    row_at(0, row.data());
    return one_row_two_threads<F>(forest, tables, tree_begin, tree_end, row.data(), offsets_of(0), out);
  }
  // Full blocks of L rows, then the rest one row each (a lone row would pay for L lanes).
  constexpr int L = kBlockLanes;
  const size_t full_blocks = n_rows / L;
  const size_t blocks = full_blocks + n_rows % L;
  struct Scratch {
    BlockWalk<F, L> walk;
    BlockWalk<F, 1> single;
    std::vector<F> tree_phi, acc;
    std::vector<uint32_t> stack;
    std::vector<double> rows;
  };
  const double block_bytes =
      full_blocks > 0 ? double(d) * double(d + 1) / 2 * sizeof(LanePathElement<F, L>) + walk_terms_bytes<F, L>(tables)
                      : 0.0;
  const double single_bytes = single_path_bytes<F>(d) + (n_rows % L > 0 ? walk_terms_bytes<F, 1>(tables) : 0.0);
  check_shap_scratch("SHAP contributions", tables.max_depth, block_bytes + single_bytes,
                     std::min<size_t>(std::max(1u, num_threads), blocks));
  auto make_scratch = [&] {
    Scratch s;
    s.walk.leaf_values = forest.leaf_values.data();
    if (full_blocks > 0) s.walk.path.resize(d * (d + 1) / 2);  // the rest and single rows: s.single
    prepare_single(forest, d, s.single);
    s.tree_phi.resize(forest.num_features + 1);
    s.acc.resize(per_row * L);
    s.stack.resize(2 * d + 2);
    s.rows.resize(size_t(L) * forest.num_features);
    return s;
  };
  share_tasks(blocks, num_threads, make_scratch, [&](size_t b, Scratch& s) {
    const double* row[L];
    for (int l = 0; l < L; ++l) row[l] = &s.rows[size_t(l) * forest.num_features];
    if (b < full_blocks) {
      const size_t first = b * L;
      for (int l = 0; l < L; ++l) row_at(first + l, &s.rows[l * forest.num_features]);
      contributions_block<F, L>(forest, tables, tree_begin, tree_end, row, offsets_of(first), out + first * per_row,
                                s.walk, s.tree_phi, s.acc, s.stack);
    } else {
      const size_t r = full_blocks * L + (b - full_blocks);
      row_at(r, s.rows.data());
      contributions_block<F, 1>(forest, tables, tree_begin, tree_end, row, offsets_of(r), out + r * per_row,
                                s.single, s.tree_phi, s.acc, s.stack);
    }
  });
}

template <typename RowAt>
void dispatch(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
              size_t n_rows, const double* offsets, double* out, unsigned num_threads, RowAt&& row_at) {
  if (tables.arithmetic == ShapArithmetic::kQuadratureTreeShap && !forest.has_linear) {
    return quadrature_contributions(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, row_at);
  }
  if (forest.arithmetic.float32) {
    contributions_rows<float>(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, row_at);
  } else {
    contributions_rows<double>(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, row_at);
  }
}

template <typename T>
void dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
           const T* rows, size_t n_rows, const double* offsets, double* out, unsigned num_threads) {
  const uint32_t n = forest.num_features;
  const bool f32 = forest.arithmetic.float32;
  dispatch(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, [&](size_t r, double* row) {
    for (uint32_t f = 0; f < n; ++f) row[f] = convert(static_cast<double>(rows[r * n + f]), f32);
  });
}

}  // namespace

ShapArithmetic default_shap_arithmetic(const Forest& forest) {
  if (is_lightgbm(forest) || forest.has_linear) return ShapArithmetic::kExactTreeShap;
  // library_version is "major.minor.patch" as the file records it (empty when it has none).
  unsigned major = 0, minor = 0;
  if (std::sscanf(forest.library_version.c_str(), "%u.%u", &major, &minor) != 2) return ShapArithmetic::kExactTreeShap;
  return (major > 3 || (major == 3 && minor >= 3)) ? ShapArithmetic::kQuadratureTreeShap
                                                   : ShapArithmetic::kExactTreeShap;
}

ContribTables prepare_contributions(const Forest& forest) {
  return prepare_contributions(forest, default_shap_arithmetic(forest));
}

namespace {

// Why a tree deeper than the arithmetic's limit (kMaxShapDepth, kMaxQuadratureDepth) is
// not explained.
std::string too_deep(const char* arithmetic, size_t tree, uint32_t depth, uint32_t limit) {
  return "tree " + std::to_string(tree) + " is " + std::to_string(depth) + " deep; " + arithmetic +
         " explains trees up to " + std::to_string(limit) +
         " deep (its walks recurse once per level, and a deeper tree would overflow a thread's stack)";
}

// QuadratureTreeSHAP's tables: XGBoost 3.3+ refuses negative (or NaN) covers and takes a
// zero cover (a child's share 1/2, or at least 1e-12).
ContribTables prepare_quadrature(const Forest& forest) {
  ContribTables tables;
  tables.arithmetic = ShapArithmetic::kQuadratureTreeShap;
  if (!forest.has_node_covers()) {
    tables.unsupported = "the model file has no node covers (XGBoost sum_hessian), which "
                         "QuadratureTreeSHAP needs";
    return tables;
  }
  tables.tree_depth.resize(forest.trees.size());
  tables.root_means.reserve(forest.trees.size() * forest.leaf_size);
  for (size_t t = 0; t < forest.trees.size(); ++t) {
    const Tree& tree = forest.trees[t];
    for (uint32_t i = 0; tree.num_nodes > 1 && i < tree.num_nodes; ++i) {
      const double cover = forest.node_cover(tree.node_begin + i);
      if (!(cover >= 0.0)) {
        tables.unsupported = "tree " + std::to_string(t) + " has a node with cover " + std::to_string(cover) +
                             "; QuadratureTreeSHAP is undefined for negative covers (XGBoost refuses too)";
        return tables;
      }
    }
    tables.tree_depth[t] = tree_shape(&forest.nodes[tree.node_begin], tree.num_nodes).depth;
    if (tables.tree_depth[t] > kMaxQuadratureDepth) {
      tables.unsupported = too_deep("QuadratureTreeSHAP", t, tables.tree_depth[t], kMaxQuadratureDepth);
      return tables;
    }
    tables.max_depth = std::max(tables.max_depth, tables.tree_depth[t]);
    const std::vector<double> means = quadrature_root_means(forest, static_cast<uint32_t>(t));
    tables.root_means.insert(tables.root_means.end(), means.begin(), means.end());
  }
  tables.usable = true;
  return tables;
}

}  // namespace

ContribTables prepare_contributions(const Forest& forest, ShapArithmetic arithmetic) {
  ContribTables tables;
  if (forest.has_linear) {  // x_f * weight, no covers needed (linear_contributions)
    tables.usable = true;
    return tables;
  }
  if (arithmetic == ShapArithmetic::kQuadratureTreeShap) {
    if (is_lightgbm(forest)) {
      tables.unsupported = "QuadratureTreeSHAP is XGBoost's (3.3+); LightGBM models are explained by exact TreeSHAP";
      return tables;
    }
    return prepare_quadrature(forest);
  }
  if (forest.leaf_size > 1) {
    tables.unsupported = "contributions of multi-target trees (vector leaves) are not supported by exact "
                         "TreeSHAP (XGBoost <= 3.2 does not define them); XGBoost 3.3+'s QuadratureTreeSHAP "
                         "does: the default for its files, or ask for it (PS_SHAP_QUADRATURE)";
    return tables;
  }
  if (!forest.linear_leaves.empty()) {
    // LightGBM refuses too (Predictor: "Predicting SHAP feature contributions is not
    // implemented for linear trees."); plain TreeSHAP would explain the constant leaves,
    // not the scores.
    tables.unsupported = "contributions of LightGBM linear trees (linear_tree=true) are not "
                         "supported: LightGBM itself does not define them";
    return tables;
  }
  if (!forest.has_node_covers()) {
    tables.unsupported = "the model file has no node covers (XGBoost sum_hessian, LightGBM "
                         "internal_count/leaf_count), which TreeSHAP needs";
    return tables;
  }
  const bool lightgbm = is_lightgbm(forest);
  tables.tree_bias.resize(forest.trees.size());
  tables.tree_depth.resize(forest.trees.size());
  tables.tree_terms.resize(forest.trees.size());
  for (size_t t = 0; t < forest.trees.size(); ++t) {
    const Tree& tree = forest.trees[t];
    for (uint32_t i = 0; i < tree.num_nodes; ++i) {
      const Node& node = forest.nodes[tree.node_begin + i];
      if (!(node.flags & kLeaf) && !(forest.node_cover(tree.node_begin + i) > 0.0)) {
        tables.unsupported = "tree " + std::to_string(t) + " has a split with cover " +
                             std::to_string(forest.node_cover(tree.node_begin + i)) +
                             "; TreeSHAP needs positive covers";
        return tables;
      }
    }
    const TreeShape shape = tree_shape(&forest.nodes[tree.node_begin], tree.num_nodes);
    if (shape.depth > kMaxShapDepth) {
      tables.unsupported = too_deep("exact TreeSHAP", t, shape.depth, kMaxShapDepth);
      return tables;
    }
    tables.tree_bias[t] = lightgbm ? lightgbm_expected_value(forest, tree)
                                   : static_cast<double>(xgboost_node_mean(forest, tree));
    tables.tree_depth[t] = shape.depth;
    tables.tree_terms[t] = shape.leaf_depths;
    tables.max_tree_terms = std::max(tables.max_tree_terms, shape.leaf_depths);
    tables.max_tree_nodes = std::max(tables.max_tree_nodes, tree.num_nodes);
    tables.max_depth = std::max(tables.max_depth, tables.tree_depth[t]);
  }
  tables.usable = true;
  return tables;
}

size_t contrib_values_per_row(const Forest& forest) {
  return size_t(forest.num_margin_outputs) * (size_t(forest.num_features) + 1);
}

void contributions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                         uint32_t tree_end, const float* rows, size_t n_rows, double* out, unsigned num_threads,
                         const double* offsets) {
  dense(forest, tables, tree_begin, tree_end, rows, n_rows, offsets, out, num_threads);
}

void contributions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                         uint32_t tree_end, const double* rows, size_t n_rows, double* out, unsigned num_threads,
                         const double* offsets) {
  dense(forest, tables, tree_begin, tree_end, rows, n_rows, offsets, out, num_threads);
}

template <typename T>
void contributions_csr(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                       uint32_t tree_end, const int64_t* indptr, const int32_t* indices, const T* values,
                       size_t n_rows, double* out, unsigned num_threads, const double* offsets) {
  const uint32_t n = forest.num_features;
  const bool f32 = forest.arithmetic.float32;
  const double absent = is_lightgbm(forest) ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  dispatch(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, [&](size_t r, double* row) {
    std::fill(row, row + n, absent);
    for (int64_t k = indptr[r]; k < indptr[r + 1]; ++k) row[indices[k]] = convert(static_cast<double>(values[k]), f32);
  });
}

template void contributions_csr<float>(const Forest&, const ContribTables&, uint32_t, uint32_t, const int64_t*,
                                       const int32_t*, const float*, size_t, double*, unsigned, const double*);
template void contributions_csr<double>(const Forest&, const ContribTables&, uint32_t, uint32_t, const int64_t*,
                                        const int32_t*, const double*, size_t, double*, unsigned, const double*);

}  // namespace polyscore
