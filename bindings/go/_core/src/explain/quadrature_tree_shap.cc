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
// every row, so batches walk each tree once for 8 rows in lanes, each lane doing the
// one-row operations (skipped sums and divisions become blends; a division by 1.0f is
// exact) in the one-row order: the same bits as one row at a time, which a lone row and
// the rest of a batch (fewer than 8) take. Contributions and interaction values alike.
#include "explain/quadrature_tree_shap.h"


#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>

#include "explain/tree_shap.h"
#include "model/error.h"
#include "predict/general_walk.h"  // next_node: the child a split sends a value to
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

constexpr float kUnseen = -999.0f;            // XGBoost's kQuadratureTreeShapUnseen
constexpr float kMinChildWeight = 1e-12f;     // XGBoost's kQuadratureTreeShapMinChildWeight

using Buffer = std::array<float, kQuadraturePoints>;

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

// XGBoost's ExtractQuadratureDelta.
float edge_delta(const QuadratureRule& rule, const Buffer& h, float p_enter, float p_exit) {
  float acc = 0.0f;
  if (p_enter != 1.0f) {
    const float alpha_enter = p_enter - 1.0f;
    for (size_t i = 0; i < kQuadraturePoints; ++i) acc += alpha_enter * h[i] / (1.0f + alpha_enter * rule.nodes[i]);
  }
  if (p_exit != 1.0f) {
    const float alpha_exit = p_exit - 1.0f;
    for (size_t i = 0; i < kQuadraturePoints; ++i) acc -= alpha_exit * h[i] / (1.0f + alpha_exit * rule.nodes[i]);
  }
  return acc;
}

// XGBoost's ExtractQuadratureInteractionDelta: the edge's delta with a partner feature
// (live probability q_partner) taken out of the product.
float pair_delta(const QuadratureRule& rule, const Buffer& h, float p_enter, float p_exit, float q_partner) {
  if (q_partner == 1.0f) return 0.0f;
  const float alpha_partner = q_partner - 1.0f;
  const float alpha_enter = p_enter - 1.0f;
  float acc = 0.0f;
  if (p_exit == 1.0f) {
    for (size_t i = 0; i < kQuadraturePoints; ++i) {
      const float edge = alpha_enter / (1.0f + alpha_enter * rule.nodes[i]);
      acc += alpha_partner * h[i] * edge / (1.0f + alpha_partner * rule.nodes[i]);
    }
  } else {
    const float alpha_exit = p_exit - 1.0f;
    for (size_t i = 0; i < kQuadraturePoints; ++i) {
      const float edge =
          alpha_enter / (1.0f + alpha_enter * rule.nodes[i]) - alpha_exit / (1.0f + alpha_exit * rule.nodes[i]);
      acc += alpha_partner * h[i] * edge / (1.0f + alpha_partner * rule.nodes[i]);
    }
  }
  return acc;
}

// Per quadrature node and lane (row): the walk's c_k and h_k for L rows at once.
template <int L>
struct Lanes {
  float v[kQuadraturePoints][L];
};

// 4 lanes as one value (GCC/Clang vector extension: one SSE register), so that a lane's
// "skip this" is a blend of computed values, never a branch: compilers keep a
// per-element select of a division as a branch (the division might trap), which does not
// vectorize. Element-wise, the same IEEE operations as the scalar code.
typedef float F4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));

inline F4 load4(const float* p) {
  F4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, F4 v) { std::memcpy(p, &v, sizeof v); }
// mask lanes are -1 (take a) or 0 (take b).
inline F4 blend4(I4 mask, F4 a, F4 b) {
  return reinterpret_cast<F4>((reinterpret_cast<I4>(a) & mask) | (reinterpret_cast<I4>(b) & ~mask));
}
inline I4 mask4(const bool* take) {
  I4 m;
  for (int l = 0; l < 4; ++l) m[l] = take[l] ? -1 : 0;
  return m;
}

// edge_delta for L rows (L a multiple of 4) into acc[L]. seen: the feature was on the
// path before this edge (the same for every lane); else every p_exit is 1 and its sum is
// skipped, as the one-row code skips it. A lane's skipped sum is a blend.
template <int L>
void edge_delta_lanes(const QuadratureRule& rule, const Lanes<L>& h, const float* p_enter, const float* p_exit,
                      bool seen, float* acc) {
  static_assert(L % 4 == 0, "lanes: a multiple of 4");
  for (int q = 0; q < L; q += 4) {
    const F4 enter = load4(p_enter + q), exit = load4(p_exit + q);
    const I4 use_enter = enter != 1.0f, use_exit = exit != 1.0f;  // -1 where true
    const F4 alpha_enter = enter - 1.0f, alpha_exit = exit - 1.0f;
    F4 sum = F4{} + 0.0f;
    for (size_t k = 0; k < kQuadraturePoints; ++k) {
      const F4 term = alpha_enter * load4(h.v[k] + q) / (1.0f + alpha_enter * rule.nodes[k]);
      sum = blend4(use_enter, sum + term, sum);
    }
    for (size_t k = 0; seen && k < kQuadraturePoints; ++k) {
      const F4 term = alpha_exit * load4(h.v[k] + q) / (1.0f + alpha_exit * rule.nodes[k]);
      sum = blend4(use_exit, sum - term, sum);
    }
    store4(acc + q, sum);
  }
}

// Where an edge's delta goes. Contributions: lane l's tree phi (phi + l * columns), at
// the edge's feature. Lane l adds exactly what the one-row code adds (a skipped sum
// becomes a select), in the same order: the walk's order does not depend on the row.
template <int L>
struct AdditiveSink {
  float* phi;
  size_t columns;
  void push(uint32_t, const float*) {}
  void pop() {}
  // seen: the feature was on the path before this edge (the same for every lane).
  void edge(const QuadratureRule& rule, uint32_t feature, const Lanes<L>& h, const float* p_enter,
            const float* p_exit, bool seen) {
    if constexpr (L == 1) {  // one row: skip the sums by branches, as XGBoost does
      Buffer one;
      for (size_t k = 0; k < kQuadraturePoints; ++k) one[k] = h.v[k][0];
      phi[feature] += edge_delta(rule, one, p_enter[0], p_exit[0]);
    } else {
      float acc[L];
      edge_delta_lanes<L>(rule, h, p_enter, p_exit, seen, acc);
      for (int l = 0; l < L; ++l) phi[l * columns + feature] += acc[l];
    }
  }
};

// pair_delta for L rows (L a multiple of 4) into out[L], as edge_delta_lanes: where
// the feature was not on the path (seen, the same for every lane) every p_exit is 1;
// else a lane with p_exit == 1 takes the enter term alone (a blend); a lane whose
// partner ratio is 1 gets 0.0f.
template <int L>
void pair_delta_lanes(const QuadratureRule& rule, const Lanes<L>& h, const float* p_enter, const float* p_exit,
                      bool seen, const float* q_partner, float* out) {
  static_assert(L % 4 == 0, "lanes: a multiple of 4");
  for (int q = 0; q < L; q += 4) {
    const F4 partner = load4(q_partner + q);
    const I4 use = partner != 1.0f;
    const F4 alpha_partner = partner - 1.0f, alpha_enter = load4(p_enter + q) - 1.0f;
    F4 acc = F4{} + 0.0f;
    if (!seen) {
      for (size_t k = 0; k < kQuadraturePoints; ++k) {
        const F4 edge = alpha_enter / (1.0f + alpha_enter * rule.nodes[k]);
        acc += alpha_partner * load4(h.v[k] + q) * edge / (1.0f + alpha_partner * rule.nodes[k]);
      }
    } else {
      const F4 exit = load4(p_exit + q);
      const I4 enter_only = exit == 1.0f;
      const F4 alpha_exit = exit - 1.0f;
      for (size_t k = 0; k < kQuadraturePoints; ++k) {
        const F4 enter_term = alpha_enter / (1.0f + alpha_enter * rule.nodes[k]);
        const F4 edge = blend4(enter_only, enter_term, enter_term - alpha_exit / (1.0f + alpha_exit * rule.nodes[k]));
        acc += alpha_partner * load4(h.v[k] + q) * edge / (1.0f + alpha_partner * rule.nodes[k]);
      }
    }
    store4(out + q, blend4(use, acc, F4{} + 0.0f));
  }
}

// Interactions (XGBoost's InteractionContributionFormulation), L rows: the delta times
// the tree's weight to the diagonal sums, and per distinct other feature on the live path
// (its newest split) the pair delta times the weight to matrix (feature, partner). Lane l
// writes diag + l * columns and matrix + l * lane_stride.
template <int L>
struct InteractionSink {
  struct Element {
    uint32_t feature;
    float p_child[L];
  };
  std::vector<Element>* path;
  float* diag;
  float* matrix;
  size_t columns;
  size_t lane_stride;
  float scale;

  void push(uint32_t feature, const float* p_child) {
    Element e;
    e.feature = feature;
    std::copy(p_child, p_child + L, e.p_child);
    path->push_back(e);
  }
  void pop() { path->pop_back(); }
  void edge(const QuadratureRule& rule, uint32_t feature, const Lanes<L>& lanes, const float* p_enter,
            const float* p_exit, bool seen) {
    Buffer h;
    float delta[L], pair[L];
    if constexpr (L == 1) {
      for (size_t k = 0; k < kQuadraturePoints; ++k) h[k] = lanes.v[k][0];
      delta[0] = edge_delta(rule, h, p_enter[0], p_exit[0]);
    } else {
      edge_delta_lanes<L>(rule, lanes, p_enter, p_exit, seen, delta);
    }
    for (int l = 0; l < L; ++l) diag[l * columns + feature] += scale * delta[l];
    const std::vector<Element>& p = *path;
    // Newest to oldest, skipping the current split (the newest) and every element a
    // newer one on the same feature shadows (the current feature's older ones too).
    for (size_t i = p.size() - 1; i-- > 0;) {
      bool shadowed = false;
      for (size_t newer = i + 1; newer < p.size() && !shadowed; ++newer) shadowed = p[newer].feature == p[i].feature;
      if (shadowed) continue;
      if constexpr (L == 1) {
        pair[0] = pair_delta(rule, h, p_enter[0], p_exit[0], p[i].p_child[0]);
      } else {
        pair_delta_lanes<L>(rule, lanes, p_enter, p_exit, seen, p[i].p_child, pair);
      }
      for (int l = 0; l < L; ++l) {
        matrix[l * lane_stride + size_t(feature) * columns + p[i].feature] += scale * pair[l];
      }
    }
  }
};

// XGBoost's QuadratureTreeShapRunner for one tree and target, L rows side by side (L = 1:
// one row). What depends on the row: the child it takes, so its ratios p and the
// products c_k; the nodes visited, their order, the branch weights and the path weight w
// do not. Each lane does the one-row operations; a branch on the row becomes a select
// (a division by 1.0f where the one-row code skips a division: exact).
template <typename Sink, int L>
struct QuadratureWalk {
  const Forest* forest;
  const Node* nodes;
  uint32_t node_begin;
  uint32_t target;  // which value of a vector leaf
  const double* const* rows;  // L rows
  const QuadratureRule* rule;
  float* path_prob;  // per feature and lane: its live ratio, kUnseen off the path
  Sink sink;

  float cover(uint32_t i) const { return static_cast<float>(forest->node_cover(node_begin + i)); }

  void run() {
    if (nodes[0].flags & kLeaf) return;
    Lanes<L> c, h;
    for (size_t k = 0; k < kQuadraturePoints; ++k) std::fill(c.v[k], c.v[k] + L, 1.0f);
    run_node(0, c, 1.0f, &h);
  }

  void run_node(uint32_t i, const Lanes<L>& c, float w_prod, Lanes<L>* out_h) {
    const Node& node = nodes[i];
    if (node.flags & kLeaf) {
      const float leaf = static_cast<float>(forest->leaf_values[size_t(node.child_or_leaf) * forest->leaf_size + target]);
      const float leaf_scale = w_prod * leaf;
      for (size_t k = 0; k < kQuadraturePoints; ++k) {
        for (int l = 0; l < L; ++l) out_h->v[k][l] = c.v[k][l] * leaf_scale * rule->weights[k];
      }
      return;
    }
    const uint32_t left = node.child_or_leaf, right = left + 1;
    const float left_weight = branch_weight(cover(left), cover(i));
    const float right_weight = branch_weight(cover(right), cover(i));
    bool goes_left[L];
    for (int l = 0; l < L; ++l) {
      goes_left[l] = next_node(node, rows[l][node.feature], forest->category_words.data()) == left;
    }
    Lanes<L> right_h;
    visit_child(node.feature, left, left_weight, goes_left, true, c, w_prod, out_h);
    visit_child(node.feature, right, right_weight, goes_left, false, c, w_prod, &right_h);
    for (size_t k = 0; k < kQuadraturePoints; ++k) {
      for (int l = 0; l < L; ++l) out_h->v[k][l] += right_h.v[k][l];
    }
  }

  // The child on the left (is_left) or right of a split on feature; lane l takes it when
  // goes_left[l] == is_left.
  void visit_child(uint32_t feature, uint32_t child, float child_weight, const bool* goes_left, bool is_left,
                   const Lanes<L>& c, float w_prod, Lanes<L>* out_h) {
    float* prob = path_prob + size_t(feature) * L;
    // Whether the feature is on the path does not depend on the row (p is never kUnseen).
    const bool seen = prob[0] != kUnseen;
    float p_old[L], p_e[L], p_exit[L], alpha_e[L], alpha_old[L];
    bool divide[L];
    for (int l = 0; l < L; ++l) {
      p_old[l] = prob[l];
      const bool satisfies = goes_left[l] == is_left;
      p_e[l] = satisfies ? (seen ? p_old[l] : 1.0f) / child_weight : 0.0f;
      alpha_e[l] = p_e[l] - 1.0f;
      alpha_old[l] = p_old[l] - 1.0f;
      divide[l] = seen && alpha_old[l] != 0.0f;
      p_exit[l] = seen ? p_old[l] : 1.0f;
    }
    Lanes<L> c_child;
    for (size_t k = 0; k < kQuadraturePoints; ++k) {
      for (int l = 0; l < L; ++l) c_child.v[k][l] = c.v[k][l] * (1.0f + alpha_e[l] * rule->nodes[k]);
    }
    // One row: a branch, as XGBoost's; lanes: a blend of the divisor (x / 1.0f is x).
    if constexpr (L == 1) {
      for (size_t k = 0; divide[0] && k < kQuadraturePoints; ++k) c_child.v[k][0] /= 1.0f + alpha_old[0] * rule->nodes[k];
    } else if (seen) {
      for (int q = 0; q < L; q += 4) {
        const I4 mask = mask4(divide + q);
        const F4 alpha = load4(alpha_old + q);
        for (size_t k = 0; k < kQuadraturePoints; ++k) {
          const F4 divisor = blend4(mask, 1.0f + alpha * rule->nodes[k], F4{} + 1.0f);
          store4(c_child.v[k] + q, load4(c_child.v[k] + q) / divisor);
        }
      }
    }
    for (int l = 0; l < L; ++l) prob[l] = p_e[l];
    sink.push(feature, p_e);
    run_node(child, c_child, w_prod * child_weight, out_h);
    sink.edge(*rule, feature, *out_h, p_e, p_exit, seen);
    sink.pop();
    for (int l = 0; l < L; ++l) prob[l] = p_old[l];
  }
};

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

// Rows per walk in batches: 8 lanes of float fill an AVX2 register (two SSE ones).
constexpr int kRowLanes = 8;

// Blocks of rows shared out to num_threads threads: full blocks of `lanes` rows, then
// the rest one row each (a lone row would pay for every lane). work(first, count, scratch).
template <typename Scratch, typename MakeScratch, typename Work>
void share_blocks(size_t n_rows, size_t lanes, unsigned num_threads, MakeScratch&& make_scratch, Work&& work_block) {
  const size_t full = n_rows / lanes;
  const size_t blocks = full + n_rows % lanes;
  std::atomic<size_t> next{0};
  auto work = [&] {
    Scratch s = make_scratch();
    for (size_t b; (b = next.fetch_add(1)) < blocks;) {
      if (b < full) {
        work_block(b * lanes, lanes, s);
      } else {
        work_block(full * lanes + (b - full), 1, s);
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, num_threads), blocks);
  if (threads <= 1) return work();
  run_with_helpers(threads - 1, work);
}

// Per thread, contributions: kRowLanes rows, their walks' ratios (per feature and lane),
// their trees' phi and their sums.
struct BlockScratch {
  std::vector<double> rows;         // kRowLanes x num_features
  std::vector<float> path_prob;     // num_features x kRowLanes (a one-row walk: the first num_features)
  std::vector<float> tree_phi;      // kRowLanes x columns
  std::vector<float> acc;           // kRowLanes x groups x columns
};

// Rows [first, first + L) into out: per lane, XGBoost's sums for that row.
template <int L>
void contributions_block(const Forest& forest, uint32_t tree_begin, uint32_t tree_end,
                         const std::vector<float>& root_sums, size_t first, const double* offsets,
                         double* out, const RowFiller& row_at, BlockScratch& s) {
  const uint32_t n = forest.num_features, columns = n + 1, groups = forest.num_margin_outputs;
  const size_t per_row = size_t(groups) * columns;
  const double* rows[L];
  for (int l = 0; l < L; ++l) {
    rows[l] = &s.rows[size_t(l) * n];
    row_at(first + l, &s.rows[size_t(l) * n]);
  }
  std::fill(s.acc.begin(), s.acc.begin() + L * per_row, 0.0f);
  for (uint32_t g = 0; g < groups; ++g) {
    for_trees_of_output(forest, tree_begin, tree_end, g, [&](const Tree& tree, uint32_t target) {
      std::fill(s.tree_phi.begin(), s.tree_phi.begin() + L * columns, 0.0f);
      QuadratureWalk<AdditiveSink<L>, L> walk{&forest,          &forest.nodes[tree.node_begin], tree.node_begin,
                                              target,           rows,
                                              &quadrature_rule(), s.path_prob.data(),
                                              AdditiveSink<L>{s.tree_phi.data(), columns}};
      walk.run();
      const float weight = static_cast<float>(tree.weight);
      for (int l = 0; l < L; ++l) {
        float* acc = &s.acc[l * per_row + size_t(g) * columns];
        const float* phi = &s.tree_phi[size_t(l) * columns];
        for (uint32_t c = 0; c < n; ++c) acc[c] += phi[c] * weight;
      }
    });
  }
  for (int l = 0; l < L; ++l) {
    const double* offset = offsets ? offsets + (first + l) * groups : nullptr;
    float* acc = &s.acc[l * per_row];
    for (uint32_t g = 0; g < groups; ++g) {
      acc[size_t(g) * columns + n] += root_sums[g];
      acc[size_t(g) * columns + n] += base_of(forest, offset, g);
    }
    double* o = out + (first + l) * per_row;
    for (size_t v = 0; v < per_row; ++v) o[v] = static_cast<double>(acc[v]);
  }
}

// One row on two threads. A tree's phi does not depend on the sums, only their additions
// do: one thread walks the first half of the (output, tree) walks in XGBoost's order and
// adds each; the other walks the second half and keeps each walk's nonzero phi entries;
// they are then added in order after the first half. Leaving out a zero entry changes no
// bit: the sums start at +0.0f and never become -0.0f (x + (-x) is +0.0f), so adding
// +-0.0f (a zero times the weight) leaves them as they are.
void one_row_two_threads(const Forest& forest, uint32_t tree_begin, uint32_t tree_end,
                         const std::vector<float>& root_sums, const double* offsets, double* out,
                         const RowFiller& row_at) {
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
  const double* rows[1] = {row.data()};
  std::vector<float> acc(size_t(groups) * columns, 0.0f);
  std::vector<uint32_t> kept_column;
  std::vector<float> kept_value;
  std::vector<size_t> kept_end(walks.size() - middle);  // per walk of the second half
  std::atomic<int> next_half{0};
  auto walk_one = [&](const Walk& w, float* path_prob, float* phi) {
    const Tree& tree = forest.trees[w.tree];
    std::fill(phi, phi + columns, 0.0f);
    QuadratureWalk<AdditiveSink<1>, 1> walk{&forest, &forest.nodes[tree.node_begin], tree.node_begin, w.target,
                                            rows, &quadrature_rule(), path_prob, AdditiveSink<1>{phi, columns}};
    walk.run();
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

// Per thread, interactions: kRowLanes rows.
struct InteractionScratch {
  std::vector<double> rows;                                  // kRowLanes x num_features
  std::vector<float> path_prob;                              // num_features x kRowLanes
  std::vector<float> diag;                                   // kRowLanes x columns
  std::vector<float> matrix;                                 // kRowLanes x groups x columns x columns
  std::vector<InteractionSink<1>::Element> path_one;         // the live path of a one-row walk
  std::vector<InteractionSink<kRowLanes>::Element> path_lanes;
};

// Rows [first, first + L) into out: per lane, XGBoost's interaction matrices for that row.
template <int L>
void interactions_block(const Forest& forest, uint32_t tree_begin, uint32_t tree_end,
                        const std::vector<float>& root_sums, size_t first, const double* offsets, double* out,
                        const RowFiller& row_at, InteractionScratch& s) {
  const uint32_t n = forest.num_features, groups = forest.num_margin_outputs;
  const size_t columns = size_t(n) + 1, per_output = columns * columns, per_row = groups * per_output;
  const double* rows[L];
  for (int l = 0; l < L; ++l) {
    rows[l] = &s.rows[size_t(l) * n];
    row_at(first + l, &s.rows[size_t(l) * n]);
  }
  std::fill(s.matrix.begin(), s.matrix.begin() + L * per_row, 0.0f);
  for (uint32_t g = 0; g < groups; ++g) {
    std::fill(s.diag.begin(), s.diag.begin() + L * columns, 0.0f);
    float* matrix = &s.matrix[g * per_output];  // lane 0's; lane l's at + l * per_row
    for_trees_of_output(forest, tree_begin, tree_end, g, [&](const Tree& tree, uint32_t target) {
      auto& path = [&]() -> auto& {
        if constexpr (L == 1) return s.path_one; else return s.path_lanes;
      }();
      path.clear();
      InteractionSink<L> sink{&path, s.diag.data(), matrix, columns, per_row, static_cast<float>(tree.weight)};
      QuadratureWalk<InteractionSink<L>, L> walk{&forest,           &forest.nodes[tree.node_begin], tree.node_begin,
                                                 target,            rows,
                                                 &quadrature_rule(), s.path_prob.data(),
                                                 sink};
      walk.run();
    });
    for (int l = 0; l < L; ++l) {
      const double* offset = offsets ? offsets + (first + l) * groups : nullptr;
      float* diag = &s.diag[l * columns];
      float* m = matrix + l * per_row;
      diag[n] += root_sums[g];
      diag[n] += base_of(forest, offset, g);
      for (size_t i = 0; i < columns; ++i) {
        for (size_t j = i + 1; j < columns; ++j) {
          const float sym = 0.5f * (m[i * columns + j] + m[j * columns + i]);
          m[i * columns + j] = sym;
          m[j * columns + i] = sym;
        }
      }
      for (size_t i = 0; i < columns; ++i) {
        float value = diag[i];
        for (size_t j = 0; j < columns; ++j) {
          if (j != i) value -= m[i * columns + j];
        }
        m[i * columns + i] = value;
      }
    }
  }
  for (int l = 0; l < L; ++l) {
    double* o = out + (first + l) * per_row;
    const float* m = &s.matrix[l * per_row];
    for (size_t v = 0; v < per_row; ++v) o[v] = static_cast<double>(m[v]);
  }
}

void check_usable(const ContribTables& tables) {
  if (!tables.usable) throw Error(PS_ERR_UNSUPPORTED, tables.unsupported);
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
  if (k == 1) {  // FillRootMeanValue
    std::function<double(uint32_t)> mean = [&](uint32_t i) -> double {
      const Node& node = nodes[i];
      if (node.flags & kLeaf) return static_cast<double>(leaf(node, 0));
      const uint32_t l = node.child_or_leaf, r = l + 1;
      const float parent_cover = cover(i);
      const double left_mean = mean(l);
      const double right_mean = mean(r);
      if (parent_cover == 0.0f) return 0.5 * (left_mean + right_mean);
      return (left_mean * cover(l) + right_mean * cover(r)) / parent_cover;
    };
    return {mean(0)};
  }
  std::vector<double> out(k, 0.0);  // FillRootMeanValues
  std::function<void(uint32_t, double)> fill = [&](uint32_t i, double path_weight) {
    const Node& node = nodes[i];
    if (node.flags & kLeaf) {
      for (uint32_t j = 0; j < k; ++j) out[j] += path_weight * leaf(node, j);
      return;
    }
    const uint32_t l = node.child_or_leaf, r = l + 1;
    const float parent_cover = cover(i);
    if (parent_cover == 0.0f) {
      fill(l, path_weight * 0.5);
      fill(r, path_weight * 0.5);
    } else {
      fill(l, path_weight * cover(l) / parent_cover);
      fill(r, path_weight * cover(r) / parent_cover);
    }
  };
  fill(0, 1.0);
  return out;
}

// XGBoost's QuadratureTreeShapValues: per output, each tree's contributions in a buffer
// added times the tree's weight (bias column excluded), then the root mean sum and the
// base score (or the row's base_margin) as the bias.
void quadrature_contributions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                              uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                              unsigned num_threads, const RowFiller& row_at) {
  check_usable(tables);
  const uint32_t n = forest.num_features, columns = n + 1, groups = forest.num_margin_outputs;
  const std::vector<float> root_sums = root_mean_sums(forest, tables, tree_begin, tree_end);
  if (n_rows == 1 && num_threads >= 2 && tree_end - tree_begin >= 2) {
    return one_row_two_threads(forest, tree_begin, tree_end, root_sums, offsets, out, row_at);
  }
  auto make_scratch = [&] {
    BlockScratch s;
    s.rows.resize(size_t(kRowLanes) * n);
    s.path_prob.assign(size_t(kRowLanes) * n, kUnseen);
    s.tree_phi.resize(size_t(kRowLanes) * columns);
    s.acc.resize(size_t(kRowLanes) * groups * columns);
    return s;
  };
  const size_t lanes = n_rows > 1 ? kRowLanes : 1;
  share_blocks<BlockScratch>(n_rows, lanes, num_threads, make_scratch, [&](size_t first, size_t count, BlockScratch& s) {
    if (count == kRowLanes) {
      contributions_block<kRowLanes>(forest, tree_begin, tree_end, root_sums, first, offsets, out, row_at, s);
    } else {
      contributions_block<1>(forest, tree_begin, tree_end, root_sums, first, offsets, out, row_at, s);
    }
  });
}

// XGBoost's QuadratureTreeShapInteractionValues: per output, the trees' edges add their
// weighted deltas to the diagonal sums and their pair deltas to the matrix; then the
// matrix is made symmetric (the mean of (i, j) and (j, i)) and its diagonal set to the
// diagonal sums less the row's other entries.
void quadrature_interactions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                             uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                             unsigned num_threads, const RowFiller& row_at) {
  check_usable(tables);
  const uint32_t n = forest.num_features, groups = forest.num_margin_outputs;
  const size_t columns = size_t(n) + 1, per_output = columns * columns;
  const std::vector<float> root_sums = root_mean_sums(forest, tables, tree_begin, tree_end);
  auto make_scratch = [&] {
    InteractionScratch s;
    s.rows.resize(size_t(kRowLanes) * n);
    s.path_prob.assign(size_t(kRowLanes) * n, kUnseen);
    s.diag.resize(size_t(kRowLanes) * columns);
    s.matrix.resize(size_t(kRowLanes) * groups * per_output);
    s.path_one.reserve(size_t(tables.max_depth) + 1);
    s.path_lanes.reserve(size_t(tables.max_depth) + 1);
    return s;
  };
  const size_t lanes = n_rows > 1 ? kRowLanes : 1;
  share_blocks<InteractionScratch>(n_rows, lanes, num_threads, make_scratch,
                                   [&](size_t first, size_t count, InteractionScratch& s) {
                                     if (count == kRowLanes) {
                                       interactions_block<kRowLanes>(forest, tree_begin, tree_end, root_sums, first,
                                                                     offsets, out, row_at, s);
                                     } else {
                                       interactions_block<1>(forest, tree_begin, tree_end, root_sums, first, offsets,
                                                             out, row_at, s);
                                     }
                                   });
}

}  // namespace polyscore
