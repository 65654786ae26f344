// SHAP interaction values of rows over a loaded XGBoost tree forest, as XGBoost's
// predict(pred_interactions=True) computes them, bit for bit.
//
// Output per row: for each margin output g, a (num_features + 1) x (num_features + 1)
// matrix, row-major (XGBoost's (rows, groups, features + 1, features + 1) array
// flattened). Entry (i, j), i != j, is half the interaction of features i and j; the
// diagonal (i, i) is feature i's contribution less its interactions; the last row and
// column are the bias. Each matrix row i sums to feature i's contribution (up to float
// rounding), and the whole matrix to the margin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "explain/tree_shap.h"
#include "model/forest.h"

namespace polyscore {

// Why interaction values cannot be computed for this model ("" when they can): LightGBM
// models (LightGBM defines none), XGBoost gblinear (XGBoost returns a zero matrix of
// another shape), and whatever makes contributions unsupported (tables.unsupported).
std::string interactions_unsupported(const Forest& forest, const ContribTables& tables);

// Values per row: num_margin_outputs * (num_features + 1)^2.
size_t interaction_values_per_row(const Forest& forest);

// Trees [tree_begin, tree_end) are used; rows are shared out to num_threads threads.
// offsets: per row, num_margin_outputs base_margin values that take the place of the
// model's base score (as in contributions_dense), or nullptr. Throws
// Error(PS_ERR_UNSUPPORTED) with interactions_unsupported's reason.
void interactions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                        uint32_t tree_end, const float* rows, size_t n_rows, double* out,
                        unsigned num_threads, const double* offsets = nullptr);
void interactions_dense(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                        uint32_t tree_end, const double* rows, size_t n_rows, double* out,
                        unsigned num_threads, const double* offsets = nullptr);
// CSR rows: an absent entry is missing (NaN), as XGBoost reads a sparse row.
template <typename T>
void interactions_csr(const Forest& forest, const ContribTables& tables, uint32_t tree_begin,
                      uint32_t tree_end, const int64_t* indptr, const int32_t* indices,
                      const T* values, size_t n_rows, double* out, unsigned num_threads,
                      const double* offsets = nullptr);

}  // namespace polyscore
