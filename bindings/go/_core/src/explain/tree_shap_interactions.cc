// SHAP interaction values as XGBoost computes them (CPUPredictor::
// PredictInteractionContributions): per row, the TreeSHAP contributions once
// unconditioned ("diag"), then for every column i (each feature and the bias) twice more
// with feature i conditioned off (-1) and on (+1). Entry (i, k) is (on_k - off_k) / 2 and
// the diagonal is diag_i less the row's other entries, in XGBoost's order. Everything is
// float, term by term as XGBoost writes it (compiled with -ffp-contract=off, like every
// source), so the values are XGBoost's bit for bit.
//
// The recursion is XGBoost's TreeShap with its condition arguments, one row at a time:
// it is the walk of tree_shap.cc plus a condition fraction carried down the tree, and a
// conditioned feature left out of the path. Kept apart from tree_shap.cc's lane-block
// walk, which serves LightGBM's double arithmetic too and stays free of the conditions.
#include "explain/tree_shap_interactions.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

#include "explain/quadrature_tree_shap.h"
#include "explain/shap_scratch.h"
#include "model/error.h"
#include "predict/feature_value.h"  // convert: values as the libraries read them
#include "predict/general_walk.h"   // next_node: the child a split sends a value to
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

struct PathElement {
  int64_t feature;  // -1 for the root's element
  float zero_fraction;
  float one_fraction;
  float pweight;
};

// XGBoost's ExtendPath, UnwindPath and UnwoundPathSum, operation for operation.
void extend_path(PathElement* path, uint32_t depth, float zero_fraction, float one_fraction, int64_t feature) {
  path[depth].feature = feature;
  path[depth].zero_fraction = zero_fraction;
  path[depth].one_fraction = one_fraction;
  path[depth].pweight = depth == 0 ? 1.0f : 0.0f;
  for (int i = static_cast<int>(depth) - 1; i >= 0; i--) {
    path[i + 1].pweight += one_fraction * path[i].pweight * static_cast<float>(i + 1) / static_cast<float>(depth + 1);
    path[i].pweight = zero_fraction * path[i].pweight * static_cast<float>(depth - i) / static_cast<float>(depth + 1);
  }
}

void unwind_path(PathElement* path, uint32_t depth, uint32_t index) {
  const float one_fraction = path[index].one_fraction;
  const float zero_fraction = path[index].zero_fraction;
  float next_one_portion = path[depth].pweight;
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const float tmp = path[i].pweight;
      path[i].pweight =
          next_one_portion * static_cast<float>(depth + 1) / static_cast<float>((i + 1) * one_fraction);
      next_one_portion = tmp - path[i].pweight * zero_fraction * static_cast<float>(depth - i) /
                                   static_cast<float>(depth + 1);
    } else {
      path[i].pweight = (path[i].pweight * static_cast<float>(depth + 1)) /
                        static_cast<float>(zero_fraction * static_cast<float>(depth - i));
    }
  }
  for (uint32_t i = index; i < depth; ++i) {
    path[i].feature = path[i + 1].feature;
    path[i].zero_fraction = path[i + 1].zero_fraction;
    path[i].one_fraction = path[i + 1].one_fraction;
  }
}

float unwound_path_sum(const PathElement* path, uint32_t depth, uint32_t index) {
  const float one_fraction = path[index].one_fraction;
  const float zero_fraction = path[index].zero_fraction;
  float next_one_portion = path[depth].pweight;
  float total = 0;
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const float tmp =
          next_one_portion * static_cast<float>(depth + 1) / static_cast<float>((i + 1) * one_fraction);
      total += tmp;
      next_one_portion = path[i].pweight - tmp * zero_fraction * (static_cast<float>(depth - i) /
                                                                  static_cast<float>(depth + 1));
    } else if (zero_fraction != 0) {
      total += (path[i].pweight / zero_fraction) / (static_cast<float>(depth - i) / static_cast<float>(depth + 1));
    }
  }
  return total;
}

// One tree, one row, one condition: XGBoost's TreeShap. condition 0 is plain TreeSHAP;
// -1 / +1 fix condition_feature off / on: the feature stays out of the path, and the
// weight reaching each leaf is scaled by condition_fraction (on: only the hot child of
// a split on it; off: both children, by their cover fractions). The depth arithmetic is
// unsigned, as XGBoost's (a conditioned split at depth 0 wraps and comes back to 0).
struct ConditionedWalk {
  const Forest* forest;
  const Node* nodes;
  uint32_t node_begin;
  const double* row;
  int condition;
  int64_t condition_feature;
  float* phi;

  float cover(uint32_t i) const { return static_cast<float>(forest->node_cover(node_begin + i)); }

  void recurse(uint32_t node_index, uint32_t depth, PathElement* parent_path, float parent_zero_fraction,
               float parent_one_fraction, int64_t parent_feature, float condition_fraction) const {
    if (condition_fraction == 0) return;  // no weight comes down to this node
    PathElement* path = parent_path + depth + 1;
    std::copy(parent_path, parent_path + depth + 1, path);
    if (condition == 0 || condition_feature != parent_feature) {
      extend_path(path, depth, parent_zero_fraction, parent_one_fraction, parent_feature);
    }
    const Node& node = nodes[node_index];
    if (node.flags & kLeaf) {
      const float leaf = static_cast<float>(forest->leaf_values[node.child_or_leaf]);
      for (uint32_t i = 1; i <= depth; ++i) {
        const float w = unwound_path_sum(path, depth, i);
        const PathElement& el = path[i];
        phi[el.feature] += w * (el.one_fraction - el.zero_fraction) * leaf * condition_fraction;
      }
      return;
    }
    const uint32_t hot = next_node(node, row[node.feature], forest->category_words.data());
    const uint32_t cold = hot == node.child_or_leaf ? hot + 1 : node.child_or_leaf;
    const float w = cover(node_index);
    const float hot_zero_fraction = cover(hot) / w;
    const float cold_zero_fraction = cover(cold) / w;
    float incoming_zero_fraction = 1;
    float incoming_one_fraction = 1;
    // A feature split on before: undo its extension, to redo it for this node.
    uint32_t path_index = 0;
    for (; path_index <= depth; ++path_index) {
      if (path[path_index].feature == static_cast<int64_t>(node.feature)) break;
    }
    if (path_index != depth + 1) {
      incoming_zero_fraction = path[path_index].zero_fraction;
      incoming_one_fraction = path[path_index].one_fraction;
      unwind_path(path, depth, path_index);
      depth -= 1;
    }
    float hot_condition_fraction = condition_fraction;
    float cold_condition_fraction = condition_fraction;
    if (condition > 0 && static_cast<int64_t>(node.feature) == condition_feature) {
      cold_condition_fraction = 0;
      depth -= 1;
    } else if (condition < 0 && static_cast<int64_t>(node.feature) == condition_feature) {
      hot_condition_fraction *= hot_zero_fraction;
      cold_condition_fraction *= cold_zero_fraction;
      depth -= 1;
    }
    recurse(hot, depth + 1, path, hot_zero_fraction * incoming_zero_fraction, incoming_one_fraction, node.feature,
            hot_condition_fraction);
    recurse(cold, depth + 1, path, cold_zero_fraction * incoming_zero_fraction, 0, node.feature,
            cold_condition_fraction);
  }
};

bool is_lightgbm(const Forest& forest) { return forest.format == ModelFormat::kLightGBMText; }

// Per thread: the scratch of one row.
struct RowScratch {
  std::vector<double> row;
  std::vector<float> diag, on, off;  // groups x columns: the three kinds of contribution runs
  std::vector<float> tree_phi;       // columns: one tree's contributions
  std::vector<float> matrix;         // groups x columns x columns
  std::vector<PathElement> path;
};

// XGBoost's PredictContribution(condition, condition_feature) for one row: per group,
// each tree's contributions in a buffer added times the tree's (DART) weight, then the
// base score (or the row's base_margin) added to the bias column; the trees' own bias
// (mean value) only when unconditioned.
void contributions_run(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                       const double* offset, int condition, uint32_t condition_feature, RowScratch& s,
                       std::vector<float>& acc) {
  const uint32_t n = forest.num_features, columns = n + 1, groups = forest.num_margin_outputs;
  std::fill(acc.begin(), acc.end(), 0.0f);
  ConditionedWalk walk{&forest, nullptr, 0, s.row.data(), condition, condition_feature, s.tree_phi.data()};
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    const Tree& tree = forest.trees[t];
    std::fill(s.tree_phi.begin(), s.tree_phi.end(), 0.0f);
    if (condition == 0) s.tree_phi[n] += static_cast<float>(tables.tree_bias[t]);
    walk.nodes = &forest.nodes[tree.node_begin];
    walk.node_begin = tree.node_begin;
    walk.recurse(0, 0, s.path.data(), 1, 1, -1, 1);
    float* group_acc = &acc[size_t(tree.output) * columns];
    const float weight = static_cast<float>(tree.weight);
    for (uint32_t c = 0; c < columns; ++c) group_acc[c] += s.tree_phi[c] * weight;
  }
  for (uint32_t g = 0; g < groups; ++g) {
    acc[size_t(g) * columns + n] += static_cast<float>(offset ? offset[g] : forest.base_margin[g]);
  }
}

// One row (already in s.row) into out: XGBoost's loop over conditioned columns.
void interactions_of_row(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                         const double* offset, RowScratch& s, double* out) {
  const uint32_t columns = forest.num_features + 1, groups = forest.num_margin_outputs;
  contributions_run(forest, tables, tree_begin, tree_end, offset, 0, 0, s, s.diag);
  for (uint32_t i = 0; i < columns; ++i) {
    contributions_run(forest, tables, tree_begin, tree_end, offset, -1, i, s, s.off);
    contributions_run(forest, tables, tree_begin, tree_end, offset, 1, i, s, s.on);
    for (uint32_t g = 0; g < groups; ++g) {
      float* o = &s.matrix[(size_t(g) * columns + i) * columns];
      const size_t c = size_t(g) * columns;
      o[i] = 0;
      for (uint32_t k = 0; k < columns; ++k) {
        if (k == i) {
          o[i] += s.diag[c + k];
        } else {
          // XGBoost divides the float difference by the double 2.0 and stores a float.
          o[k] = static_cast<float>(static_cast<double>(s.on[c + k] - s.off[c + k]) / 2.0);
          o[i] -= o[k];
        }
      }
    }
  }
  for (size_t v = 0; v < s.matrix.size(); ++v) out[v] = static_cast<double>(s.matrix[v]);
}

template <typename RowAt>
void interactions_rows(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                       size_t n_rows, const double* offsets, double* out, unsigned num_threads, RowAt&& row_at) {
  const std::string why = interactions_unsupported(forest, tables);
  if (!why.empty()) throw Error(PS_ERR_UNSUPPORTED, why);
  if (tables.arithmetic == ShapArithmetic::kQuadratureTreeShap) {
    return quadrature_interactions(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads, row_at);
  }
  check_shap_stack("SHAP interaction values by exact TreeSHAP", tables.max_depth, kShapStackPerLevel);
  const size_t groups = forest.num_margin_outputs, columns = size_t(forest.num_features) + 1;
  const size_t per_row = interaction_values_per_row(forest);
  const size_t d = tables.max_depth + 2;
  // The path is the scratch that grows with the trees' depth (shap_scratch.h).
  check_shap_scratch("SHAP interaction values", tables.max_depth, double(d) * double(d + 1) / 2 * sizeof(PathElement),
                     std::min<size_t>(std::max(1u, num_threads), n_rows));
  auto make_scratch = [&] {
    RowScratch s;
    s.row.resize(forest.num_features);
    s.diag.resize(groups * columns);
    s.on.resize(groups * columns);
    s.off.resize(groups * columns);
    s.tree_phi.resize(columns);
    s.matrix.resize(per_row);
    s.path.resize(d * (d + 1) / 2);
    return s;
  };
  share_tasks(n_rows, num_threads, make_scratch, [&](size_t r, RowScratch& s) {
    row_at(r, s.row.data());
    interactions_of_row(forest, tables, tree_begin, tree_end, offsets ? offsets + r * groups : nullptr, s,
                        out + r * per_row);
  });
}

template <typename T>
void dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end, const T* rows,
           size_t n_rows, const double* offsets, double* out, unsigned num_threads) {
  const uint32_t n = forest.num_features;
  const bool f32 = forest.arithmetic.float32;
  interactions_rows(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads,
                    [&](size_t r, double* row) {
                      for (uint32_t f = 0; f < n; ++f) row[f] = convert(static_cast<double>(rows[r * n + f]), f32);
                    });
}

}  // namespace

std::string interactions_unsupported(const Forest& forest, const ContribTables& tables) {
  if (is_lightgbm(forest)) {
    return "SHAP interaction values of LightGBM models are not supported: LightGBM does not define "
           "them (its predict has pred_contrib only)";
  }
  if (forest.has_linear) {
    return "SHAP interaction values of XGBoost gblinear models are not supported: XGBoost returns a "
           "matrix of zeros without the bias column for them";
  }
  if (forest.leaf_size > 1 && tables.arithmetic != ShapArithmetic::kQuadratureTreeShap) {
    return "SHAP interaction values of multi-target trees (vector leaves) are not supported by exact "
           "TreeSHAP, as XGBoost <= 3.2 does not support them (XGBoost 3.3+'s QuadratureTreeSHAP does: "
           "the default for its files, or ask for it: PS_SHAP_QUADRATURE)";
  }
  if (!tables.usable) return "SHAP interaction values: " + tables.unsupported;
  return "";
}

size_t interaction_values_per_row(const Forest& forest) {
  const size_t columns = size_t(forest.num_features) + 1;
  return size_t(forest.num_margin_outputs) * columns * columns;
}

void interactions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                        const float* rows, size_t n_rows, double* out, unsigned num_threads, const double* offsets) {
  dense(forest, tables, tree_begin, tree_end, rows, n_rows, offsets, out, num_threads);
}

void interactions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                        const double* rows, size_t n_rows, double* out, unsigned num_threads, const double* offsets) {
  dense(forest, tables, tree_begin, tree_end, rows, n_rows, offsets, out, num_threads);
}

template <typename T>
void interactions_csr(const Forest& forest, const ContribTables& tables, uint32_t tree_begin, uint32_t tree_end,
                      const int64_t* indptr, const int32_t* indices, const T* values, size_t n_rows, double* out,
                      unsigned num_threads, const double* offsets) {
  const uint32_t n = forest.num_features;
  const bool f32 = forest.arithmetic.float32;
  interactions_rows(forest, tables, tree_begin, tree_end, n_rows, offsets, out, num_threads,
                    [&](size_t r, double* row) {
                      std::fill(row, row + n, std::numeric_limits<double>::quiet_NaN());
                      for (int64_t k = indptr[r]; k < indptr[r + 1]; ++k) {
                        row[indices[k]] = convert(static_cast<double>(values[k]), f32);
                      }
                    });
}

template void interactions_csr<float>(const Forest&, const ContribTables&, uint32_t, uint32_t, const int64_t*,
                                      const int32_t*, const float*, size_t, double*, unsigned, const double*);
template void interactions_csr<double>(const Forest&, const ContribTables&, uint32_t, uint32_t, const int64_t*,
                                       const int32_t*, const double*, size_t, double*, unsigned, const double*);

}  // namespace polyscore
