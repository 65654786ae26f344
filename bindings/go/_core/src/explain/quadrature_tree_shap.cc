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
#include "explain/quadrature_tree_shap.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>

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

// Where an edge's delta goes. Contributions: the tree's phi, at the edge's feature.
struct AdditiveSink {
  float* phi;
  void push(uint32_t, float) {}
  void pop() {}
  void edge(const QuadratureRule& rule, uint32_t feature, const Buffer& h, float p_enter, float p_exit) {
    phi[feature] += edge_delta(rule, h, p_enter, p_exit);
  }
};

// Interactions (XGBoost's InteractionContributionFormulation): the delta times the tree's
// weight to the diagonal sums, and per distinct other feature on the live path (its
// newest split) the pair delta times the weight to matrix (feature, partner).
struct InteractionSink {
  struct Element {
    uint32_t feature;
    float p_child;
  };
  std::vector<Element>* path;
  float* diag;
  float* matrix;
  size_t columns;
  float scale;

  void push(uint32_t feature, float p_child) { path->push_back({feature, p_child}); }
  void pop() { path->pop_back(); }
  void edge(const QuadratureRule& rule, uint32_t feature, const Buffer& h, float p_enter, float p_exit) {
    diag[feature] += scale * edge_delta(rule, h, p_enter, p_exit);
    const std::vector<Element>& p = *path;
    // Newest to oldest, skipping the current split (the newest) and every element a
    // newer one on the same feature shadows (the current feature's older ones too).
    for (size_t i = p.size() - 1; i-- > 0;) {
      bool shadowed = false;
      for (size_t newer = i + 1; newer < p.size() && !shadowed; ++newer) shadowed = p[newer].feature == p[i].feature;
      if (shadowed) continue;
      matrix[size_t(feature) * columns + p[i].feature] += scale * pair_delta(rule, h, p_enter, p_exit, p[i].p_child);
    }
  }
};

// XGBoost's QuadratureTreeShapRunner for one tree, one target, one row.
template <typename Sink>
struct QuadratureWalk {
  const Forest* forest;
  const Node* nodes;
  uint32_t node_begin;
  uint32_t target;  // which value of a vector leaf
  const double* row;
  const QuadratureRule* rule;
  float* path_prob;  // per feature: its live probability ratio, kUnseen off the path
  Sink sink;

  float cover(uint32_t i) const { return static_cast<float>(forest->node_cover(node_begin + i)); }

  void run() {
    if (nodes[0].flags & kLeaf) return;
    Buffer c;
    c.fill(1.0f);
    Buffer h{};
    run_node(0, c, 1.0f, &h);
  }

  void run_node(uint32_t i, const Buffer& c, float w_prod, Buffer* out_h) {
    const Node& node = nodes[i];
    if (node.flags & kLeaf) {
      const float leaf = static_cast<float>(forest->leaf_values[size_t(node.child_or_leaf) * forest->leaf_size + target]);
      const float leaf_scale = w_prod * leaf;
      for (size_t k = 0; k < kQuadraturePoints; ++k) (*out_h)[k] = c[k] * leaf_scale * rule->weights[k];
      return;
    }
    const uint32_t left = node.child_or_leaf, right = left + 1;
    const float left_weight = branch_weight(cover(left), cover(i));
    const float right_weight = branch_weight(cover(right), cover(i));
    const bool goes_left = next_node(node, row[node.feature], forest->category_words.data()) == left;
    Buffer right_h{};
    visit_child(node.feature, left, left_weight, goes_left, c, w_prod, out_h);
    visit_child(node.feature, right, right_weight, !goes_left, c, w_prod, &right_h);
    for (size_t k = 0; k < kQuadraturePoints; ++k) (*out_h)[k] += right_h[k];
  }

  void visit_child(uint32_t feature, uint32_t child, float child_weight, bool satisfies, const Buffer& c,
                   float w_prod, Buffer* out_h) {
    const float p_old = path_prob[feature];
    float p_e = 0.0f;
    if (p_old == kUnseen) {
      p_e = satisfies ? 1.0f / child_weight : 0.0f;
    } else {
      p_e = satisfies ? p_old / child_weight : 0.0f;
    }
    Buffer c_child = c;
    const float alpha_e = p_e - 1.0f;
    for (size_t k = 0; k < kQuadraturePoints; ++k) c_child[k] *= 1.0f + alpha_e * rule->nodes[k];
    if (p_old != kUnseen) {
      const float alpha_old = p_old - 1.0f;
      if (alpha_old != 0.0f) {
        for (size_t k = 0; k < kQuadraturePoints; ++k) c_child[k] /= 1.0f + alpha_old * rule->nodes[k];
      }
    }
    path_prob[feature] = p_e;
    sink.push(feature, p_e);
    run_node(child, c_child, w_prod * child_weight, out_h);
    sink.edge(*rule, feature, *out_h, p_e, p_old == kUnseen ? 1.0f : p_old);
    sink.pop();
    path_prob[feature] = p_old;
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

// Rows shared out to num_threads threads in chunks; work_row(r, scratch) does one row.
template <typename Scratch, typename MakeScratch, typename WorkRow>
void share_rows(size_t n_rows, unsigned num_threads, MakeScratch&& make_scratch, WorkRow&& work_row) {
  constexpr size_t kChunk = 8;
  const size_t chunks = (n_rows + kChunk - 1) / kChunk;
  std::atomic<size_t> next{0};
  auto work = [&] {
    Scratch s = make_scratch();
    for (size_t c; (c = next.fetch_add(1)) < chunks;) {
      const size_t end = std::min(n_rows, (c + 1) * kChunk);
      for (size_t r = c * kChunk; r < end; ++r) work_row(r, s);
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, num_threads), chunks);
  if (threads <= 1) return work();
  run_with_helpers(threads - 1, work);
}

struct RowScratch {
  std::vector<double> row;
  std::vector<float> path_prob;  // per feature, kUnseen between walks
  std::vector<float> tree_phi;   // columns: one tree's contributions
  std::vector<float> acc;        // groups x columns (contributions) or columns (diagonal sums)
  std::vector<float> matrix;     // groups x columns x columns (interactions)
  std::vector<InteractionSink::Element> path;
};

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
  const QuadratureRule& rule = quadrature_rule();
  auto make_scratch = [&] {
    RowScratch s;
    s.row.resize(n);
    s.path_prob.assign(n, kUnseen);
    s.tree_phi.resize(columns);
    s.acc.resize(size_t(groups) * columns);
    return s;
  };
  share_rows<RowScratch>(n_rows, num_threads, make_scratch, [&](size_t r, RowScratch& s) {
    row_at(r, s.row.data());
    const double* offset = offsets ? offsets + r * groups : nullptr;
    std::fill(s.acc.begin(), s.acc.end(), 0.0f);
    for (uint32_t g = 0; g < groups; ++g) {
      float* acc = &s.acc[size_t(g) * columns];
      for_trees_of_output(forest, tree_begin, tree_end, g, [&](const Tree& tree, uint32_t target) {
        std::fill(s.tree_phi.begin(), s.tree_phi.end(), 0.0f);
        QuadratureWalk<AdditiveSink> walk{&forest, &forest.nodes[tree.node_begin], tree.node_begin, target,
                                          s.row.data(), &rule, s.path_prob.data(), AdditiveSink{s.tree_phi.data()}};
        walk.run();
        const float weight = static_cast<float>(tree.weight);
        for (uint32_t c = 0; c < n; ++c) acc[c] += s.tree_phi[c] * weight;
      });
      acc[n] += root_sums[g];
      acc[n] += base_of(forest, offset, g);
    }
    double* o = out + r * size_t(groups) * columns;
    for (size_t v = 0; v < s.acc.size(); ++v) o[v] = static_cast<double>(s.acc[v]);
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
  const QuadratureRule& rule = quadrature_rule();
  auto make_scratch = [&] {
    RowScratch s;
    s.row.resize(n);
    s.path_prob.assign(n, kUnseen);
    s.acc.resize(columns);
    s.matrix.resize(groups * per_output);
    s.path.reserve(size_t(tables.max_depth) + 1);
    return s;
  };
  share_rows<RowScratch>(n_rows, num_threads, make_scratch, [&](size_t r, RowScratch& s) {
    row_at(r, s.row.data());
    const double* offset = offsets ? offsets + r * groups : nullptr;
    std::fill(s.matrix.begin(), s.matrix.end(), 0.0f);
    for (uint32_t g = 0; g < groups; ++g) {
      float* matrix = &s.matrix[g * per_output];
      float* diag = s.acc.data();
      std::fill(s.acc.begin(), s.acc.end(), 0.0f);
      for_trees_of_output(forest, tree_begin, tree_end, g, [&](const Tree& tree, uint32_t target) {
        s.path.clear();
        InteractionSink sink{&s.path, diag, matrix, columns, static_cast<float>(tree.weight)};
        QuadratureWalk<InteractionSink> walk{&forest, &forest.nodes[tree.node_begin], tree.node_begin, target,
                                             s.row.data(), &rule, s.path_prob.data(), sink};
        walk.run();
      });
      diag[n] += root_sums[g];
      diag[n] += base_of(forest, offset, g);
      for (size_t i = 0; i < columns; ++i) {
        for (size_t j = i + 1; j < columns; ++j) {
          const float sym = 0.5f * (matrix[i * columns + j] + matrix[j * columns + i]);
          matrix[i * columns + j] = sym;
          matrix[j * columns + i] = sym;
        }
      }
      for (size_t i = 0; i < columns; ++i) {
        float value = diag[i];
        for (size_t j = 0; j < columns; ++j) {
          if (j != i) value -= matrix[i * columns + j];
        }
        matrix[i * columns + i] = value;
      }
    }
    double* o = out + r * groups * per_output;
    for (size_t v = 0; v < s.matrix.size(); ++v) o[v] = static_cast<double>(s.matrix[v]);
  });
}

}  // namespace polyscore
