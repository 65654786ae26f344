/*
 * polyscore/predict.h: scoring rows.
 *
 * Results are what the training library's own predict returns for the same model and
 * rows: XGBoost's Booster.predict / inplace_predict, LightGBM's Booster.predict. Every
 * output is written as double (float32 results of XGBoost are exact in double).
 *
 * Missing values: NaN is missing, handled as the training library does (XGBoost's
 * default directions; LightGBM's missing_type None/Zero/NaN). Infinities are ordinary
 * values that compare as such.
 */
#ifndef POLYSCORE_PREDICT_H
#define POLYSCORE_PREDICT_H

#include "common.h"
#include "model.h"

PS_BEGIN_DECL

/* What predict writes for each row (ps_predict_options.output): a PS_OUTPUT_* value. */
typedef int32_t ps_output_kind;
enum {
  PS_OUTPUT_VALUE = 0,  /* what predict() returns: probabilities, class index, ... */
  PS_OUTPUT_MARGIN = 1, /* raw sum before the link function (output_margin, raw_score) */
  PS_OUTPUT_LEAF = 2,   /* per tree used, the id of the leaf reached (pred_leaf) */
  /* SHAP feature contributions (XGBoost pred_contribs, LightGBM pred_contrib): per
   * row, per margin, num_features values then the bias; they sum to the margin.
   * Arithmetic, bit for bit, as ps_predict_options.shap_algorithm says (ABI 6); by
   * default as the library that wrote the file: a file of XGBoost 3.3 or newer gets that
   * XGBoost's QuadratureTreeSHAP (vector-leaf trees included); older XGBoost files,
   * gblinear and LightGBM get exact TreeSHAP, as XGBoost <= 3.2 and LightGBM compute it.
   * \since ABI 2 */
  PS_OUTPUT_CONTRIB = 3,
  /* SHAP interaction values (XGBoost pred_interactions; XGBoost tree models only): per
   * row, per margin, a (num_features + 1) x (num_features + 1) matrix, row-major, the
   * last row and column for the bias. Entry (i, j), i != j, is half the interaction of
   * features i and j (the matrix is symmetric up to float rounding); (i, i) is feature
   * i's contribution less its interactions. Row i sums to feature i's PS_OUTPUT_CONTRIB
   * value, the whole matrix to the margin (each up to float rounding).
   * Arithmetic as for PS_OUTPUT_CONTRIB. Cost: for a file of XGBoost <= 3.2, its
   * algorithm, TreeSHAP run 2 * num_features + 3 times per row (each one row alone), so
   * about 2 * (num_features + 1) times PS_OUTPUT_CONTRIB of one row: measured 106x on
   * a 500-tree, 50-feature model (1.5 s per row, 0.69x the time of XGBoost's own
   * pred_interactions; bench/explain/README.md). For a file of XGBoost 3.3+, one
   * quadrature walk per tree that adds each split's pairs with the features above it:
   * measured 2.0 ms per row on that model in batches of 16 (0.17x XGBoost 3.4.1's time),
   * about 5 ms for a lone row. And
   * (num_features + 1)^2 values per margin and row: mind the size for wide models.
   * \since ABI 4 */
  PS_OUTPUT_INTERACTIONS = 4
};

/*
 * Which SHAP algorithm explains a tree model (ps_predict_options.shap_algorithm): a
 * PS_SHAP_* value. The two differ in float rounding only (about 1e-6 of the values; both
 * compute the same Shapley values), but an audit that compares polyscore's values with a
 * training library's wants that library's bits: XGBoost 3.3 and newer explain EVERY file
 * they load by QuadratureTreeSHAP, whichever version wrote it, while XGBoost <= 3.2,
 * LightGBM and shap's TreeExplainer compute exact TreeSHAP. docs/explain.md.
 * Used by PS_OUTPUT_CONTRIB and PS_OUTPUT_INTERACTIONS only (a value that is not a
 * PS_SHAP_* is refused whatever the output); gblinear models are explained by their
 * weights under any of them. \since ABI 6
 */
typedef int32_t ps_shap_algorithm;
enum {
  PS_SHAP_AUTO = 0,      /* as the library that wrote the file (see PS_OUTPUT_CONTRIB) */
  PS_SHAP_TREESHAP = 1,  /* exact TreeSHAP: XGBoost <= 3.2's and LightGBM's bits */
  PS_SHAP_QUADRATURE = 2 /* XGBoost 3.3+'s QuadratureTreeSHAP, for XGBoost models */
};

/* Element type of input arrays: a PS_DTYPE_* value. */
typedef int32_t ps_dtype;
enum {
  PS_DTYPE_FLOAT32 = 1,
  PS_DTYPE_FLOAT64 = 2
};

/*
 * Predict options. Initialise with PS_PREDICT_OPTIONS_INIT or
 * ps_predict_options_init(&opts, sizeof opts); NULL means all defaults. Fields from
 * a newer header that this library does not know must be 0, else every call that
 * reads the options fails with PS_ERR_ABI_VERSION (see ps_load_options).
 * num_threads counts the calling thread. The others are started by the first call
 * that needs them and then wait, idle, for later calls until the process ends.
 *
 * base_margin (\since ABI 3): per-row offsets of the margin, e.g. XGBoost's
 * base_margin (DMatrix(base_margin=...), inplace_predict(base_margin=...)), an exposure
 * term such as log(exposure) of a Poisson, Gamma or Tweedie model with a log link, or
 * LightGBM's init_score. n_rows * num_margins doubles (ps_model_info.num_margins),
 * row-major: row r's offset of margin g is base_margin[r * num_margins + g]; a
 * multiclass model takes one per class. It takes the place of the model's base score:
 *   - XGBoost: each margin starts from the row's offset (as float32, as XGBoost stores
 *     it) instead of base_score, exactly as XGBoost's predict with base_margin;
 *   - LightGBM (no base score; its predict takes no offset): the offset is added to
 *     the raw score, as raw_score + init_score.
 * PS_OUTPUT_VALUE applies the link function to the margin with its offset;
 * PS_OUTPUT_MARGIN returns that margin; PS_OUTPUT_CONTRIB puts the offset in the bias
 * column in place of base_score (XGBoost's pred_contribs with base_margin), so the
 * values still sum to the margin; PS_OUTPUT_INTERACTIONS likewise (bias entry). NaN or
 * infinite offsets go through as the training library takes them. base_margin = NULL
 * (the default) scores as before, bit for bit.
 * The library reads the two fields only when struct_size covers base_margin_len.
 * Errors of a predict call, PS_ERR_INVALID_ARGUMENT: base_margin_len is not
 * n_rows * num_margins (the message gives the length expected); base_margin is NULL
 * with a non-zero base_margin_len; output PS_OUTPUT_LEAF (leaf ids do not depend on
 * the margin). PS_ERR_UNSUPPORTED: a LightGBM random forest (its predict averages the
 * rounds' sum, and no offset of it is defined). ps_model_output_size ignores them.
 *
 * shap_algorithm (\since ABI 6): which SHAP algorithm PS_OUTPUT_CONTRIB and
 * PS_OUTPUT_INTERACTIONS use (ps_shap_algorithm above); other outputs do not depend on
 * it, but every call checks it (PS_ERR_INVALID_ARGUMENT for a value that is not a
 * PS_SHAP_*). Read only when struct_size covers it; reserved1 (padding made a field)
 * must be 0, likewise checked by every call.
 */
typedef struct ps_predict_options {
  size_t struct_size;
  ps_output_kind output;    /* PS_OUTPUT_*; default PS_OUTPUT_VALUE */
  uint32_t iteration_begin; /* first boosting round used; default 0 */
  uint32_t iteration_end;   /* one past the last round used; 0 (default) = all */
  int32_t num_threads;      /* batch calls: threads to use; 1 (default), 0 = all cores */
  const double *base_margin; /* per-row margin offsets, see above; default NULL. \since ABI 3 */
  size_t base_margin_len;    /* values in base_margin; default 0. \since ABI 3 */
  ps_shap_algorithm shap_algorithm; /* PS_SHAP_*; default PS_SHAP_AUTO. \since ABI 6 */
  int32_t reserved1;                /* must be 0. \since ABI 6 */
} ps_predict_options;

#define PS_PREDICT_OPTIONS_INIT {sizeof(ps_predict_options), PS_OUTPUT_VALUE, 0, 0, 1, NULL, 0, PS_SHAP_AUTO, 0}

/*
 * Sets the first struct_size bytes of *opts to the defaults, with opts->struct_size =
 * struct_size: pass sizeof(ps_predict_options) of YOUR header. The library writes no
 * byte past struct_size, so a program built against this header stays safe with a
 * later library whose struct has grown (as with libgit2's git_*_options_init). A field
 * that struct_size covers only in part is left zero; bytes past the fields this
 * library knows (a newer caller's) are set to zero.
 * Why a function as well as the macro: bindings that cannot expand a C macro (ctypes,
 * JNI, SWIG) get the defaults from the library they run with.
 * Errors: PS_ERR_INVALID_ARGUMENT (opts NULL, or struct_size < sizeof(size_t)).
 */
PS_API ps_status ps_predict_options_init(ps_predict_options *opts, size_t struct_size);

/*
 * Sets *out to the number of doubles a predict call writes for n_rows rows with
 * these options: n_rows * (num_outputs, num_margins, or trees used; for
 * PS_OUTPUT_CONTRIB num_margins * (num_features + 1); for PS_OUTPUT_INTERACTIONS
 * num_margins * (num_features + 1) * (num_features + 1)).
 * Errors: PS_ERR_INVALID_ARGUMENT (out NULL, bad options, iteration range outside
 * the model; shap_algorithm not a PS_SHAP_* value; reserved1 not 0);
 * PS_ERR_INVALID_HANDLE; PS_ERR_UNSUPPORTED (PS_OUTPUT_CONTRIB on a model without node
 * covers, a LightGBM linear-tree model, or vector leaves explained by exact TreeSHAP
 * (PS_SHAP_TREESHAP, or PS_SHAP_AUTO on a file of XGBoost <= 3.2), which defines no SHAP
 * for them; PS_SHAP_QUADRATURE on a LightGBM model, which no LightGBM computes;
 * PS_OUTPUT_INTERACTIONS on those, on any LightGBM model, which defines no interaction
 * values, and on an XGBoost gblinear model; PS_OUTPUT_CONTRIB and PS_OUTPUT_INTERACTIONS
 * on a model with a tree more than 10,000 levels deep, 2,000 with PS_SHAP_QUADRATURE:
 * the walks recurse once per level, and deeper would overflow a thread's stack).
 */
PS_API ps_status ps_model_output_size(size_t *out, const ps_model *model, size_t n_rows,
                                      const ps_predict_options *opts, ps_error *err);

/*
 * Scores n_rows dense rows of n_cols values each, row-major, float32 or float64
 * (dtype). Writes ps_model_output_size() doubles to out, row after row.
 * Errors: PS_ERR_INVALID_ARGUMENT (a NULL pointer, unknown dtype, bad options);
 * PS_ERR_INVALID_HANDLE; PS_ERR_SHAPE (n_cols != num_features);
 * PS_ERR_BUFFER_TOO_SMALL (out_len too small; nothing is written, the message gives
 * the size needed); PS_ERR_UNSUPPORTED (PS_OUTPUT_LEAF on a linear model;
 * PS_OUTPUT_CONTRIB and PS_OUTPUT_INTERACTIONS as in ps_model_output_size);
 * PS_ERR_OUT_OF_MEMORY (an allocation failed; or, for PS_OUTPUT_CONTRIB and
 * PS_OUTPUT_INTERACTIONS, the SHAP scratch the call would need, which grows with the
 * square of the deepest tree's depth and with the threads, is over half the memory the
 * process can have, or over POLYSCORE_SHAP_SCRATCH_LIMIT bytes when that environment
 * variable is set: the call is refused before allocating, and the message gives the
 * depth and the sizes). PS_OUTPUT_CONTRIB and PS_OUTPUT_INTERACTIONS on a tree
 * thousands of levels deep also need stack (about 512 bytes a level, 4 KiB with
 * PS_SHAP_QUADRATURE): a calling thread with less left (a Java thread's default is
 * 1 MiB) gets PS_ERR_UNSUPPORTED, not a stack overflow. Every predict call needs
 * about 80 KiB of the calling thread's stack (a row's scratch is kept there): a
 * thread with less left gets PS_ERR_UNSUPPORTED too, and nothing is written. A stack
 * the thread library does not know of (a fiber's or coroutine's, a signal handler's
 * alternate stack) is not checked: give it at least that much.
 */
PS_API ps_status ps_model_predict_dense(double *out, size_t out_len, const ps_model *model,
                                        const void *rows, ps_dtype dtype, size_t n_rows,
                                        size_t n_cols, const ps_predict_options *opts,
                                        ps_error *err);

/*
 * Scores n_rows rows given in CSR form: the entries of row i are
 * values[indptr[i] .. indptr[i+1]) at columns indices[...]. An absent entry is what
 * the training library makes of it: missing for XGBoost models, 0.0 for LightGBM
 * models (as their own predict does with a SciPy sparse matrix).
 * Errors: as ps_model_predict_dense; PS_ERR_SHAPE also when indptr is not
 * non-decreasing from 0 or a column index is negative or >= n_cols.
 */
PS_API ps_status ps_model_predict_csr(double *out, size_t out_len, const ps_model *model,
                                      const int64_t *indptr, const int32_t *indices,
                                      const void *values, ps_dtype dtype, size_t n_rows,
                                      size_t n_cols, const ps_predict_options *opts,
                                      ps_error *err);

/*
 * The single-row fast path: scores one row of n_features doubles on the calling
 * thread (num_threads is ignored), taking no lock.
 * It allocates nothing (its scratch is on the stack) when all of these hold:
 *   - the model has at most 2,048 features and at most 256 margins
 *     (ps_model_info.num_margins);
 *   - the output is PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN or PS_OUTPUT_LEAF (any
 *     iteration range, with or without base_margin);
 *   - the call succeeds.
 * Otherwise it allocates scratch for the call, and so may take the allocator's lock,
 * with the same results: a larger model is scored by the batch code, PS_OUTPUT_CONTRIB
 * (and PS_OUTPUT_INTERACTIONS) by TreeSHAP with its path scratch, and a failing call builds its error message.
 * ps_model_predict_csr allocates even for one row: to score a sparse row without
 * allocating, pass it here with its absent entries filled in (NaN for an XGBoost
 * model, 0.0 for a LightGBM model), which gives the same results.
 * tests/noalloc checks each case above. Same results and errors as
 * ps_model_predict_dense with n_rows = 1.
 */
PS_API ps_status ps_model_predict_row(double *out, size_t out_len, const ps_model *model,
                                      const double *row, size_t n_features,
                                      const ps_predict_options *opts, ps_error *err);

PS_END_DECL

#endif /* POLYSCORE_PREDICT_H */
