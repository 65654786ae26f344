// SHAP feature contributions (TreeSHAP, Lundberg et al. 2018, Algorithm 2) of rows over
// a loaded Forest, with the arithmetic of the library that wrote the model, so results
// match XGBoost's pred_contribs=True and LightGBM's pred_contrib=True.
//
// Output per row: for each margin output g, num_features contributions then the bias
// (expected value), i.e. XGBoost's (rows, groups, features + 1) array flattened and
// LightGBM's pred_contrib order. The values of one (row, g) sum to the margin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/forest.h"

namespace polyscore {

// Which SHAP arithmetic explains a model (docs/explain.md, "Which arithmetic").
enum class ShapArithmetic {
  // Exact path-dependent TreeSHAP, as XGBoost <= 3.2 and LightGBM compute it (this file).
  kExactTreeShap,
  // QuadratureTreeSHAP, as XGBoost >= 3.3 computes it (quadrature_tree_shap.h); defines
  // vector-leaf trees too.
  kQuadratureTreeShap,
};

// What TreeSHAP needs beyond the forest, made once per model and algorithm
// (prepare_contributions; the C API makes it at the first call that asks for it).
struct ContribTables {
  bool usable = false;
  std::string unsupported;  // why not, when !usable
  // By default (prepare_contributions(forest)) that of the library that wrote the file:
  // XGBoost files of version 3.3 or newer get kQuadratureTreeShap, all others
  // kExactTreeShap; a caller may prepare either (ps_predict_options.shap_algorithm).
  ShapArithmetic arithmetic = ShapArithmetic::kExactTreeShap;
  // kQuadratureTreeShap: per tree, leaf_size root means (quadrature_root_means).
  std::vector<double> root_means;
  // Per tree: the expected value of its leaves weighted by cover (the tree's bias term).
  // XGBoost: float node means by its recursion; LightGBM: ExpectedValue() in double.
  std::vector<double> tree_bias;
  std::vector<uint32_t> tree_depth;  // per tree: edges from the root to its deepest leaf
  // Exact TreeSHAP, per tree: the sum of its leaves' depths, the most terms (a leaf's
  // contribution to a feature) a walk of it stores.
  std::vector<uint64_t> tree_terms;
  uint64_t max_tree_terms = 0;  // the largest of tree_terms
  uint32_t max_tree_nodes = 0;  // the most nodes of a tree
  uint32_t max_depth = 0;
};

// The deepest trees SHAP explains. The walks recurse once per level of a tree, and a
// thread's stack is 8 MiB by default on Linux (glibc gives new threads RLIMIT_STACK:
// Python's, Go's; the worker pool's get at least 8 MiB, worker_pool.cc); a deeper tree
// would overflow it, a crash. Measured (GCC 12, x86-64): exact TreeSHAP's walks take under 260
// bytes of stack a level (the 8-row walk's frame), so 10,000 levels under 2.6 MiB;
// QuadratureTreeSHAP's walks in lanes up to 2.4 KiB a level (the AVX-512 interaction
// walk's frame, 2,304 bytes: 3,500 levels overflowed 8 MiB), so 2,000 levels about
// 4.8 MiB. A deeper tree makes the tables unusable (PS_ERR_UNSUPPORTED, naming the tree
// and its depth). A thread with a smaller stack (Java's default is 1 MiB) is checked at
// the call (check_shap_stack, shap_scratch.h).
constexpr uint32_t kMaxShapDepth = 10000;
constexpr uint32_t kMaxQuadratureDepth = 2000;
// The stack a level of each arithmetic's walks takes, with room over the frames measured
// above (other compilers and flags differ): what check_shap_stack asks of the calling
// thread, whose stack may be smaller than 8 MiB.
constexpr size_t kShapStackPerLevel = 512;
constexpr size_t kQuadratureStackPerLevel = 4096;

ContribTables prepare_contributions(const Forest& forest);
// The same tables for the given arithmetic (kQuadratureTreeShap for an XGBoost tree model
// only; otherwise the tables say why not).
ContribTables prepare_contributions(const Forest& forest, ShapArithmetic arithmetic);
// The arithmetic prepare_contributions(forest) chooses.
ShapArithmetic default_shap_arithmetic(const Forest& forest);

// Values per row: num_margin_outputs * (num_features + 1).
size_t contrib_values_per_row(const Forest& forest);

// Trees [tree_begin, tree_end) are used (whole boosting rounds); rows are shared out to
// num_threads threads (src/predict/worker_pool.h) in blocks. Rows are dense,
// row-major, num_features values each. offsets: per row, num_margin_outputs values
// (ps_predict_options.base_margin) that the bias takes in place of the model's base
// score, or nullptr. Throws Error(PS_ERR_UNSUPPORTED) when !tables.usable.
void contributions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                         uint32_t tree_end, const float* rows, size_t n_rows, double* out,
                         unsigned num_threads, const double* offsets = nullptr);
void contributions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                         uint32_t tree_end, const double* rows, size_t n_rows, double* out,
                         unsigned num_threads, const double* offsets = nullptr);
// CSR rows: an absent entry is missing (NaN) for XGBoost models, 0.0 for LightGBM models.
template <typename T>
void contributions_csr(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                       uint32_t tree_end, const int64_t* indptr, const int32_t* indices,
                       const T* values, size_t n_rows, double* out,
                       unsigned num_threads, const double* offsets = nullptr);

}  // namespace polyscore
