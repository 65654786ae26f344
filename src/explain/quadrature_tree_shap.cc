// XGBoost 3.4.1's QuadratureTreeSHAP (src/predictor/interpretability/shap.cc and
// quadrature.h), term by term. docs/explain.md describes the arithmetic.
//
// Per tree and row, a walk down every path carries, per quadrature node z_k, the product
// c_k of (1 + (p_e - 1) z_k) over the distinct features of the path (p_e: the row's
// "hot" probability ratio for the feature, 0 on a cold branch, 1/cover ratio on the hot
// one, multiplied along repeated splits on a feature). A leaf returns
// h_k = c_k * (w * leaf) * weight_k (w: the product of the path's cover ratios), the
// returns of a split's two children are added (left first), and on the way back up each
// edge adds to its feature's SHAP value
//   sum_k (p_enter - 1) h_k / (1 + (p_enter - 1) z_k) - sum_k (p_exit - 1) h_k / (1 + (p_exit - 1) z_k)
// (p_exit: the feature's value before the edge, 1 when it was not on the path).
//
// The walk's order (left child first) and everything but p and c_k are the same for
// every row, so batches walk each tree once for a block of rows in lanes
// (quadrature_lanes_kernel.inc, compiled below for SSE2, AVX2 and AVX-512 and picked per
// call), each lane doing the one-row operations (skipped sums and divisions become
// blends; a division by 1.0f is exact) in the one-row order: the same bits as one row at
// a time, which a lone row and the last few rows of a batch take. Contributions and
// interaction values alike.
#include "explain/quadrature_tree_shap.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <utility>

#include "explain/shap_scratch.h"
#include "explain/tree_shap.h"
#include "model/error.h"
#include "predict/cpu_features.h"
#include "predict/general_walk.h"  // next_node: the child a split sends a value to
#include "predict/key_step.h"      // POLYSCORE_X86_64: x86-64 and not POLYSCORE_PORTABLE
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

constexpr float kUnseen = -999.0f;            // XGBoost's kQuadratureTreeShapUnseen
constexpr float kMinChildWeight = 1e-12f;     // XGBoost's kQuadratureTreeShapMinChildWeight

// XGBoost's LegendrePolynomial, LegendreDerivative and MakeEndpointQuadrature.
double legendre(size_t n, double x) {
  double p0 = 1.0;
  if (n == 0) return p0;
  double p1 = x;
  if (n == 1) return p1;
  for (size_t k = 2; k <= n; ++k) {
    const double pk = ((2.0 * static_cast<double>(k) - 1.0) * x * p1 - (static_cast<double>(k) - 1.0) * p0) /
                      static_cast<double>(k);
    p0 = p1;
    p1 = pk;
  }
  return p1;
}

double legendre_derivative(size_t n, double x, double pn) {
  const double n_d = static_cast<double>(n);
  return n_d * (x * pn - legendre(n - 1, x)) / (x * x - 1.0);
}

QuadratureRule make_rule() {
  constexpr double kPi = 3.141592653589793238462643383279502884;
  constexpr size_t kN = kQuadraturePoints;
  QuadratureRule rule{};
  for (size_t i = 0; i < kN; ++i) {
    double x = std::cos(kPi * (static_cast<double>(i) + 0.75) / (static_cast<double>(kN) + 0.5));
    for (size_t iter = 0; iter < 64; ++iter) {
      const double pn = legendre(kN, x);
      const double dx = pn / legendre_derivative(kN, x, pn);
      x -= dx;
      if (std::abs(dx) < 1e-15) break;
    }
    const double pn = legendre(kN, x);
    const double dpn = legendre_derivative(kN, x, pn);
    const double w = 2.0 / ((1.0 - x * x) * dpn * dpn);
    const double s = 0.5 * (x + 1.0);
    const double ws = 0.5 * w;
    rule.nodes[kN - 1 - i] = static_cast<float>(s * s);
    rule.weights[kN - 1 - i] = static_cast<float>(2.0 * s * ws);
  }
  return rule;
}

// XGBoost's BranchWeight: a child's share of its parent's cover, 1/2 under a parent with
// no cover, and at least 1e-12 so a path stays reachable.
float branch_weight(float cover, float parent_cover) {
  if (parent_cover <= 0.0f) return 0.5f;
  const float weight = cover / parent_cover;
  return weight < kMinChildWeight ? kMinChildWeight : weight;
}

// The trees adding to output g, in tree order, each with the leaf value (target) it uses:
// XGBoost's entries_by_group.
template <typename Fn>
void for_trees_of_output(const Forest& forest, uint32_t tree_begin, uint32_t tree_end, uint32_t g, Fn&& fn) {
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    const Tree& tree = forest.trees[t];
    if (forest.leaf_size > 1) {
      fn(tree, g - tree.output);
    } else if (tree.output == g) {
      fn(tree, 0u);
    }
  }
}

// XGBoost's group_root_mean_sums: per output, the trees' root means times their weights
// summed in double, then rounded to float.
std::vector<float> root_mean_sums(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                                  uint32_t tree_end) {
  const uint32_t groups = forest.num_margin_outputs, k = forest.leaf_size;
  std::vector<double> sums(groups, 0.0);
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    const Tree& tree = forest.trees[t];
    const double weight = static_cast<double>(static_cast<float>(tree.weight));
    for (uint32_t j = 0; j < k; ++j) sums[tree.output + j] += tables.root_means[size_t(t) * k + j] * weight;
  }
  return std::vector<float>(sums.begin(), sums.end());
}

float base_of(const Forest& forest, const double* offset, uint32_t g) {
  return static_cast<float>(offset ? offset[g] : forest.base_margin[g]);
}

// Blocks of rows shared out to num_threads threads: full blocks of `lanes` rows, then the
// rest as one short block (its lanes padded) when it has at least `min_short` rows, else
// one row each (a lone row would pay for every lane). work(first, count, scratch).
template <typename Scratch, typename MakeScratch, typename Work>
void share_blocks(size_t n_rows, size_t lanes, size_t min_short, unsigned num_threads, MakeScratch&& make_scratch,
                  Work&& work_block) {
  const size_t full = n_rows / lanes, rest = n_rows % lanes;
  const bool short_block = rest >= std::max<size_t>(min_short, 2);
  const size_t blocks = full + (short_block ? 1 : rest);
  share_tasks(blocks, num_threads, make_scratch, [&](size_t b, Scratch& s) {
    if (b < full) {
      work_block(b * lanes, lanes, s);
    } else if (short_block) {
      work_block(full * lanes, rest, s);
    } else {
      work_block(full * lanes + (b - full), 1, s);
    }
  });
}

// The block path once per instruction set: V the widest float vector of the set, kRowLanes
// the rows per block and kShortBlockRows the fewest rows left over that take a short
// (padded) block rather than the one-row walk, as measured on the bench model
// (docs/explain.md: a lane of a block costs a quarter to a half of a row walked alone).
// Baseline: SSE2 on x86-64 (4 lanes), whatever the compiler makes of 4-float vectors elsewhere.
namespace lanes_baseline {
typedef float V __attribute__((vector_size(16)));
constexpr int kRowLanes = 8;
constexpr size_t kShortBlockRows = 4;
#include "explain/quadrature_lanes_kernel.inc"
}  // namespace lanes_baseline

#if POLYSCORE_X86_64
namespace lanes_avx2 {
typedef float V __attribute__((vector_size(32)));
constexpr int kRowLanes = 8;
constexpr size_t kShortBlockRows = 3;
#include "predict/avx2_target_begin.h"
#include "explain/quadrature_lanes_kernel.inc"
#include "predict/avx2_target_end.h"
}  // namespace lanes_avx2

namespace lanes_avx512 {
typedef float V __attribute__((vector_size(64)));
constexpr int kRowLanes = 16;
constexpr size_t kShortBlockRows = 5;
#include "predict/avx512_target_begin.h"
#include "explain/quadrature_lanes_kernel.inc"
#include "predict/avx512_target_end.h"
}  // namespace lanes_avx512
#endif  // POLYSCORE_X86_64

// One row on two threads. A tree's phi does not depend on the sums, only their additions
// do: one thread walks the first half of the (output, tree) walks in XGBoost's order and
// adds each; the other walks the second half and keeps each walk's nonzero phi entries;
// they are then added in order after the first half. Leaving out a zero entry changes no
// bit: the sums start at +0.0f and never become -0.0f (x + (-x) is +0.0f), so adding
// +-0.0f (a zero times the weight) leaves them as they are.
// tree_phi: one_row_tree_phi of the widest copy the CPU allows.
using TreePhi = void (*)(const Forest& forest, uint32_t tree_index, uint32_t target, const double* row,
                         float* path_prob, float* phi);
void one_row_two_threads(const Forest& forest, uint32_t tree_begin, uint32_t tree_end,
                         const std::vector<float>& root_sums, const double* offsets, double* out,
                         const RowFiller& row_at, TreePhi tree_phi) {
  const uint32_t n = forest.num_features, columns = n + 1, groups = forest.num_margin_outputs;
  struct Walk {
    uint32_t output, tree, target;
  };
  std::vector<Walk> walks;
  for (uint32_t g = 0; g < groups; ++g) {
    for_trees_of_output(forest, tree_begin, tree_end, g, [&](const Tree& tree, uint32_t target) {
      walks.push_back({g, static_cast<uint32_t>(&tree - forest.trees.data()), target});
    });
  }
  const size_t middle = walks.size() / 2;
  std::vector<double> row(n);
  row_at(0, row.data());
  std::vector<float> acc(size_t(groups) * columns, 0.0f);
  std::vector<uint32_t> kept_column;
  std::vector<float> kept_value;
  std::vector<size_t> kept_end(walks.size() - middle);  // per walk of the second half
  std::atomic<int> next_half{0};
  auto walk_one = [&](const Walk& w, float* path_prob, float* phi) {
    tree_phi(forest, w.tree, w.target, row.data(), path_prob, phi);
  };
  auto work = [&] {
    std::vector<float> path_prob(n, kUnseen), phi(columns);
    for (int half; (half = next_half.fetch_add(1)) < 2;) {
      if (half == 0) {
        for (size_t i = 0; i < middle; ++i) {
          walk_one(walks[i], path_prob.data(), phi.data());
          float* a = &acc[size_t(walks[i].output) * columns];
          const float weight = static_cast<float>(forest.trees[walks[i].tree].weight);
          for (uint32_t c = 0; c < n; ++c) a[c] += phi[c] * weight;
        }
        continue;
      }
      for (size_t i = middle; i < walks.size(); ++i) {
        walk_one(walks[i], path_prob.data(), phi.data());
        for (uint32_t c = 0; c < n; ++c) {
          if (phi[c] == 0.0f) continue;
          kept_column.push_back(c);
          kept_value.push_back(phi[c]);
        }
        kept_end[i - middle] = kept_value.size();
      }
    }
  };
  run_with_helpers(1, work);
  size_t k = 0;
  for (size_t i = middle; i < walks.size(); ++i) {
    float* a = &acc[size_t(walks[i].output) * columns];
    const float weight = static_cast<float>(forest.trees[walks[i].tree].weight);
    for (; k < kept_end[i - middle]; ++k) a[kept_column[k]] += kept_value[k] * weight;
  }
  for (uint32_t g = 0; g < groups; ++g) {
    acc[size_t(g) * columns + n] += root_sums[g];
    acc[size_t(g) * columns + n] += base_of(forest, offsets, g);
  }
  for (size_t v = 0; v < acc.size(); ++v) out[v] = static_cast<double>(acc[v]);
}

void check_usable(const ContribTables& tables) {
  if (!tables.usable) throw Error(PS_ERR_UNSUPPORTED, tables.unsupported);
  check_shap_stack("QuadratureTreeSHAP", tables.max_depth, kQuadratureStackPerLevel);
}

}  // namespace

const QuadratureRule& quadrature_rule() {
  static const QuadratureRule rule = make_rule();
  return rule;
}

std::vector<double> quadrature_root_means(const Forest& forest, uint32_t t) {
  const Tree& tree = forest.trees[t];
  const Node* nodes = &forest.nodes[tree.node_begin];
  auto cover = [&](uint32_t i) { return static_cast<float>(forest.node_cover(tree.node_begin + i)); };
  const uint32_t k = forest.leaf_size;
  auto leaf = [&](const Node& node, uint32_t j) {
    return static_cast<float>(forest.leaf_values[size_t(node.child_or_leaf) * k + j]);
  };
  // XGBoost recurses; here without a stack frame per level (this runs on the caller's
  // thread when the tables are prepared, before check_shap_stack: recursing 2,000 levels,
  // kMaxQuadratureDepth, overflowed a 128 KiB thread's stack), the same operations on
  // the same values in the same order.
  if (k == 1) {  // FillRootMeanValue: from the last node to the first (children after parents)
    std::vector<double> mean(tree.num_nodes);
    for (uint32_t i = tree.num_nodes; i-- > 0;) {
      const Node& node = nodes[i];
      if (node.flags & kLeaf) {
        mean[i] = static_cast<double>(leaf(node, 0));
        continue;
      }
      const uint32_t l = node.child_or_leaf, r = l + 1;
      const float parent_cover = cover(i);
      const double left_mean = mean[l];
      const double right_mean = mean[r];
      mean[i] = parent_cover == 0.0f ? 0.5 * (left_mean + right_mean)
                                     : (left_mean * cover(l) + right_mean * cover(r)) / parent_cover;
    }
    return {mean[0]};
  }
  // FillRootMeanValues: depth first, left before right, so that the leaves are added in
  // the recursion's order.
  std::vector<double> out(k, 0.0);
  std::vector<std::pair<uint32_t, double>> stack{{0, 1.0}};  // node, path weight
  while (!stack.empty()) {
    const auto [i, path_weight] = stack.back();
    stack.pop_back();
    const Node& node = nodes[i];
    if (node.flags & kLeaf) {
      for (uint32_t j = 0; j < k; ++j) out[j] += path_weight * leaf(node, j);
      continue;
    }
    const uint32_t l = node.child_or_leaf, r = l + 1;
    const float parent_cover = cover(i);
    if (parent_cover == 0.0f) {
      stack.push_back({r, path_weight * 0.5});
      stack.push_back({l, path_weight * 0.5});
    } else {
      stack.push_back({r, path_weight * cover(r) / parent_cover});
      stack.push_back({l, path_weight * cover(l) / parent_cover});
    }
  }
  return out;
}

// XGBoost's QuadratureTreeShapValues: per output, each tree's contributions in a buffer
// added times the tree's weight (bias column excluded), then the root mean sum and the
// base score (or the row's base_margin) as the bias.
void quadrature_contributions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                              uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                              unsigned num_threads, const RowFiller& row_at) {
  check_usable(tables);
  const std::vector<float> root_sums = root_mean_sums(forest, tables, tree_begin, tree_end);
  if (n_rows == 1 && num_threads >= 2 && tree_end - tree_begin >= 2) {
    TreePhi tree_phi = lanes_baseline::one_row_tree_phi;
#if POLYSCORE_X86_64
    if (avx512_allowed()) {
      tree_phi = lanes_avx512::one_row_tree_phi;
    } else if (avx2_allowed()) {
      tree_phi = lanes_avx2::one_row_tree_phi;
    }
#endif
    return one_row_two_threads(forest, tree_begin, tree_end, root_sums, offsets, out, row_at, tree_phi);
  }
#if POLYSCORE_X86_64
  if (avx512_allowed()) {
    return lanes_avx512::contributions_rows(forest, tree_begin, tree_end, root_sums, n_rows, offsets, out,
                                            num_threads, row_at);
  }
  if (avx2_allowed()) {
    return lanes_avx2::contributions_rows(forest, tree_begin, tree_end, root_sums, n_rows, offsets, out, num_threads,
                                          row_at);
  }
#endif
  lanes_baseline::contributions_rows(forest, tree_begin, tree_end, root_sums, n_rows, offsets, out, num_threads,
                                     row_at);
}

// XGBoost's QuadratureTreeShapInteractionValues: per output, the trees' edges add their
// weighted deltas to the diagonal sums and their pair deltas to the matrix; then the
// matrix is made symmetric (the mean of (i, j) and (j, i)) and its diagonal set to the
// diagonal sums less the row's other entries.
void quadrature_interactions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                             uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                             unsigned num_threads, const RowFiller& row_at) {
  check_usable(tables);
  const std::vector<float> root_sums = root_mean_sums(forest, tables, tree_begin, tree_end);
#if POLYSCORE_X86_64
  if (avx512_allowed()) {
    return lanes_avx512::interactions_rows(forest, tables, tree_begin, tree_end, root_sums, n_rows, offsets, out,
                                           num_threads, row_at);
  }
  if (avx2_allowed()) {
    return lanes_avx2::interactions_rows(forest, tables, tree_begin, tree_end, root_sums, n_rows, offsets, out,
                                         num_threads, row_at);
  }
#endif
  lanes_baseline::interactions_rows(forest, tables, tree_begin, tree_end, root_sums, n_rows, offsets, out,
                                    num_threads, row_at);
}

}  // namespace polyscore
