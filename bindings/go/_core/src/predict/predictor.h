// The predictor: scores rows with a prepared model (prepared_model.h). Stateless; a
// prepared model is read-only here, so any number of threads may score it at once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/forest.h"
#include "predict/plan.h"
#include "predict/prepared_model.h"

namespace polyscore {

// Dense row-major input, n_rows x model.forest->num_features. Writes n_rows * values_per_row.
// offsets: per row, num_margin_outputs values that take the place of the model's base
// margin (ps_predict_options.base_margin; see init_margins), or nullptr; not for leaf output.
void predict_dense(const PreparedModel& model, const PredictPlan& plan,
                   const float* rows, size_t n_rows, double* out, const double* offsets = nullptr);
void predict_dense(const PreparedModel& model, const PredictPlan& plan,
                   const double* rows, size_t n_rows, double* out, const double* offsets = nullptr);

// CSR input; absent entries are missing (NaN) for XGBoost and 0.0 for LightGBM models.
// indptr/indices must have been checked by the caller.
template <typename T>
void predict_csr(const PreparedModel& model, const PredictPlan& plan,
                 const int64_t* indptr, const int32_t* indices, const T* values, size_t n_rows,
                 double* out, const double* offsets = nullptr);

// One dense row; allocates nothing (scratch lives on the stack). offset: the row's, or nullptr.
void predict_row(const PreparedModel& model, const PredictPlan& plan, const double* row, double* out,
                 const double* offset = nullptr);

// The largest number of margins and features predict_row handles without heap scratch;
// bigger models go through predict_dense. polyscore/predict.h names these numbers and
// tests/noalloc checks both sides of each.
constexpr uint32_t kMaxRowMargins = 256;
constexpr uint32_t kMaxRowFeatures = 2048;

// What the predict calls need of the calling thread's stack, at most: a single row keeps
// its scratch there (a row of up to kMaxRowFeatures values and its keys, 35 KiB; the
// walks in chains, 12 KiB more), and a batch's short blocks walk row by row through
// most of the same frames. Measured with the benchmark models: threads of 64 KiB
// overflowed, of 68 KiB did not (docs/predictor.md, "Checks and switches"); 80 leaves
// room for other compilers' frames and refuses little that would have run (musl's
// threads have 128 KiB).
constexpr size_t kPredictStackBytes = size_t(80) << 10;

}  // namespace polyscore
