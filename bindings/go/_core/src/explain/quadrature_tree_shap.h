// SHAP contributions and interaction values as XGBoost 3.3 and later compute them
// (QuadratureTreeSHAP, src/predictor/interpretability/shap.cc of XGBoost 3.4.1): the
// path-dependent Shapley weights are integrated with a fixed 8-point Gauss-Legendre rule
// instead of TreeSHAP's exact polynomial bookkeeping. Everything is float, operation for
// operation and in XGBoost's order of additions, so the values are XGBoost's bit for bit.
// It also defines SHAP for multi-target trees (vector leaves): one walk per target.
//
// Output layouts are those of tree_shap.h (contributions) and tree_shap_interactions.h
// (interactions). Which arithmetic a model gets is ContribTables::arithmetic (chosen by
// prepare_contributions, tree_shap.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "model/forest.h"

namespace polyscore {

struct ContribTables;

// XGBoost's 8 quadrature nodes and weights on [0, 1] (MakeEndpointQuadrature), computed
// as XGBoost computes them (Newton's method in double, then rounded to float).
constexpr size_t kQuadraturePoints = 8;
struct QuadratureRule {
  float nodes[kQuadraturePoints];
  float weights[kQuadraturePoints];
};
const QuadratureRule& quadrature_rule();

// XGBoost's FillRootMeanValue(s): per target, the cover-weighted mean of a tree's leaves
// in double (a split with zero cover weighs its children 1/2 each). leaf_size values.
std::vector<double> quadrature_root_means(const Forest& forest, uint32_t tree);

// Fills row r's converted feature values (num_features doubles, NaN = missing).
using RowFiller = std::function<void(size_t r, double* row)>;

// Trees [tree_begin, tree_end); offsets: per row, num_margin_outputs base_margin values
// or nullptr. out: contrib_values_per_row / interaction_values_per_row per row. Rows are
// shared out to num_threads threads in blocks of 8 or 16 rows (by the CPU's vector width),
// walked together (a lone row's contributions: its trees split between two threads); the
// values depend on none of these.
void quadrature_contributions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                              uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                              unsigned num_threads, const RowFiller& row_at);
void quadrature_interactions(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                             uint32_t tree_end, size_t n_rows, const double* offsets, double* out,
                             unsigned num_threads, const RowFiller& row_at);

}  // namespace polyscore
