/*
 * polyscore_swig.h: the thin C layer that SWIG wraps for Perl, Tcl (and Ruby).
 *
 * It adds nothing to the C API but what a scripting language needs to hold a model
 * safely: a small owned struct around the ps_model handle, so that the language's
 * destructor and an explicit close() together free the handle exactly once; output
 * buffers sized with ps_model_output_size and handed back as one array; and an error
 * record that the SWIG typemaps turn into the language's exception. Every
 * declaration of the library itself comes from the public headers.
 */
#ifndef POLYSCORE_SWIG_H
#define POLYSCORE_SWIG_H

#include <polyscore/polyscore.h>

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The error record of one wrapped call: the library's ps_error plus the status and
 * message the SWIG typemaps raise (the library's own, or one of this layer's checks). */
typedef struct ps_swig_error {
  ps_error *lib;
  ps_status code;
  char message[1024];
} ps_swig_error;

static void ps_swig_error_set(ps_swig_error *e, ps_status code, const char *fmt, ...) {
  va_list ap;
  e->code = code;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
}

/* Records a failed library call (status != PS_OK) in e; returns status unchanged. */
static ps_status ps_swig_check(ps_swig_error *e, ps_status status) {
  if (status != PS_OK && e->code == PS_OK) {
    e->code = status;
    snprintf(e->message, sizeof e->message, "%s", ps_error_message(e->lib));
  }
  return status;
}

/* A result array: the typemaps copy it into a Perl array ref / Tcl list and free it. */
typedef struct ps_swig_doubles {
  double *data;
  size_t len;
} ps_swig_doubles;

/* A string that may hold NUL bytes (a category's text): the typemaps copy it into a
 * Perl string / Tcl string / Ruby String and free it. */
typedef struct ps_swig_bytes {
  char *data;
  size_t len;
} ps_swig_bytes;

/* The object a script holds. close() frees the library handle; the destructor frees
 * it only if close() did not (the flag is atomic, so a close racing the destructor or
 * another close still frees once). After close the stale handle stays here: the
 * library answers every later use with PS_ERR_INVALID_HANDLE. */
typedef struct ps_swig_model {
  ps_model *handle;
  atomic_int closed;
} ps_swig_model;

static ps_swig_model *psw_wrap(ps_swig_error *e, ps_status status, ps_model *handle) {
  ps_swig_model *m;
  if (ps_swig_check(e, status) != PS_OK) return NULL;
  m = (ps_swig_model *)calloc(1, sizeof *m);
  if (!m) {
    ps_model_free(handle);
    ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory");
    return NULL;
  }
  m->handle = handle;
  atomic_init(&m->closed, 0);
  return m;
}

static ps_swig_model *psw_load_file(ps_swig_error *e, const char *path, int format) {
  ps_load_options opts = PS_LOAD_OPTIONS_INIT;
  ps_model *h = NULL;
  ps_status status;
  opts.format = format;
  status = ps_model_load_file(&h, path, &opts, e->lib);
  return psw_wrap(e, status, h);
}

static ps_swig_model *psw_load_buffer(ps_swig_error *e, const char *data, size_t size,
                                                int format) {
  ps_load_options opts = PS_LOAD_OPTIONS_INIT;
  ps_model *h = NULL;
  ps_status status;
  opts.format = format;
  status = ps_model_load_buffer(&h, data, size, &opts, e->lib);
  return psw_wrap(e, status, h);
}

static void psw_close(ps_swig_model *m) {
  if (m && atomic_exchange(&m->closed, 1) == 0) ps_model_free(m->handle);
}

static void psw_destroy(ps_swig_model *m) {
  if (!m) return;
  psw_close(m);
  free(m);
}

static void psw_options(ps_predict_options *o, int output, unsigned begin, unsigned end,
                            int num_threads, int shap_algorithm) {
  ps_predict_options_init(o, sizeof *o);
  o->output = output;
  o->iteration_begin = begin;
  o->iteration_end = end;
  o->num_threads = num_threads;
  o->shap_algorithm = shap_algorithm; /* a PS_SHAP_* value; the library refuses another */
}

/* Per-row margin offsets (ps_predict_options.base_margin). NULL means none was given;
 * a given empty list arrives as a non-NULL pointer with length 0, so that the library
 * refuses it for a call with rows (its length is checked there, not here). */
static void psw_base_margin(ps_predict_options *o, const double *base_margin,
                            size_t base_margin_len) {
  o->base_margin = base_margin;
  o->base_margin_len = base_margin_len;
}

/* The wrappers take counts and rounds as signed integers and check them here: for an
 * unsigned parameter SWIG would answer a negative number with its own overflow
 * message instead of a polyscore error. True when 0 <= value <= max. */
static int psw_in_range(ps_swig_error *e, const char *what, long long value,
                        unsigned long long max) {
  if (value >= 0 && (unsigned long long)value <= max) return 1;
  ps_swig_error_set(e, PS_ERR_INVALID_ARGUMENT, "%s must be between 0 and %llu, not %lld", what,
                    max, value);
  return 0;
}

/* Checks an iteration range; true when both ends fit the options' uint32_t fields. */
static int psw_rounds(ps_swig_error *e, long long begin, long long end) {
  return psw_in_range(e, "iteration_begin", begin, UINT32_MAX) &&
         psw_in_range(e, "iteration_end", end, UINT32_MAX);
}

/* Scores n_rows rows given as n_values doubles, row-major; dtype PS_DTYPE_FLOAT32
 * hands the library a float copy (what a float32 array holds). */
static ps_swig_doubles psw_predict(ps_swig_error *e, ps_swig_model *m,
                                             const double *values, size_t n_values,
                                             long long rows_arg, int output, long long begin,
                                             long long end, int dtype, int num_threads,
                                             int shap_algorithm, const double *base_margin,
                                             size_t base_margin_len) {
  ps_swig_doubles r = {NULL, 0};
  ps_predict_options o;
  size_t size = 0, n_cols, i, n_rows;
  float *f32 = NULL;
  const void *rows = values;
  if (!psw_in_range(e, "n_rows", rows_arg, SIZE_MAX) || !psw_rounds(e, begin, end)) return r;
  n_rows = (size_t)rows_arg;
  if (n_rows == 0 ? n_values != 0 : n_values % n_rows != 0) {
    ps_swig_error_set(e, PS_ERR_SHAPE,
                      "rows has %zu values, which is not n_rows = %zu rows of equal length",
                      n_values, n_rows);
    return r;
  }
  n_cols = n_rows ? n_values / n_rows : 0;
  psw_options(&o, output, (unsigned)begin, (unsigned)end, num_threads, shap_algorithm);
  psw_base_margin(&o, base_margin, base_margin_len);
  if (ps_swig_check(e, ps_model_output_size(&size, m->handle, n_rows, &o, e->lib)) != PS_OK)
    return r;
  if (n_rows == 0) {
    /* no rows, no call: the length check of the offsets is made here */
    if (base_margin_len != 0)
      ps_swig_error_set(e, PS_ERR_INVALID_ARGUMENT,
                        "base_margin has %zu values, but there are no rows", base_margin_len);
    return r;
  }
  if (dtype == PS_DTYPE_FLOAT32) {
    f32 = (float *)malloc(n_values * sizeof *f32);
    if (!f32) goto oom;
    for (i = 0; i < n_values; ++i) f32[i] = (float)values[i];
    rows = f32;
  }
  r.data = (double *)malloc((size ? size : 1) * sizeof *r.data);
  if (!r.data) goto oom;
  if (ps_swig_check(e, ps_model_predict_dense(r.data, size, m->handle, rows, dtype, n_rows,
                                              n_cols, &o, e->lib)) != PS_OK) {
    free(r.data);
    r.data = NULL;
  } else {
    r.len = size;
  }
  free(f32);
  return r;
oom:
  free(f32);
  ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory for %zu rows", n_rows);
  return r;
}

/* The single-row fast path (ps_model_predict_row). */
static ps_swig_doubles psw_predict_row(ps_swig_error *e, ps_swig_model *m,
                                                 const double *row, size_t n_features,
                                                 int output, long long begin, long long end,
                                                 int shap_algorithm, const double *base_margin,
                                                 size_t base_margin_len) {
  ps_swig_doubles r = {NULL, 0};
  ps_predict_options o;
  size_t size = 0;
  if (!psw_rounds(e, begin, end)) return r;
  psw_options(&o, output, (unsigned)begin, (unsigned)end, 1, shap_algorithm);
  psw_base_margin(&o, base_margin, base_margin_len);
  if (ps_swig_check(e, ps_model_output_size(&size, m->handle, 1, &o, e->lib)) != PS_OK) return r;
  r.data = (double *)malloc((size ? size : 1) * sizeof *r.data);
  if (!r.data) {
    ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory");
    return r;
  }
  if (ps_swig_check(e, ps_model_predict_row(r.data, size, m->handle, row, n_features, &o,
                                            e->lib)) != PS_OK) {
    free(r.data);
    r.data = NULL;
  } else {
    r.len = size;
  }
  return r;
}

static size_t psw_output_size(ps_swig_error *e, ps_swig_model *m, long long n_rows,
                                        int output, long long begin, long long end,
                                        int shap_algorithm) {
  ps_predict_options o;
  size_t size = 0;
  if (!psw_in_range(e, "n_rows", n_rows, SIZE_MAX) || !psw_rounds(e, begin, end)) return 0;
  psw_options(&o, output, (unsigned)begin, (unsigned)end, 1, shap_algorithm);
  ps_swig_check(e, ps_model_output_size(&size, m->handle, (size_t)n_rows, &o, e->lib));
  return size;
}

/* A copy of the model's description, to free with free(). */
static ps_model_info *psw_info(ps_swig_error *e, ps_swig_model *m) {
  ps_model_info *info = (ps_model_info *)calloc(1, sizeof *info);
  if (!info) {
    ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory");
    return NULL;
  }
  info->struct_size = sizeof *info;
  if (ps_swig_check(e, ps_model_info_get(info, m->handle, e->lib)) != PS_OK) {
    free(info);
    return NULL;
  }
  return info;
}

/* The name of feature `index`, to free with free(). */
static char *psw_feature_name(ps_swig_error *e, ps_swig_model *m, long long index) {
  size_t len = 0;
  char *buf;
  if (!psw_in_range(e, "feature index", index, UINT32_MAX)) return NULL;
  if (ps_swig_check(e, ps_model_feature_name(NULL, 0, &len, m->handle, index, e->lib)) != PS_OK &&
      e->code != PS_ERR_BUFFER_TOO_SMALL)
    return NULL;
  e->code = PS_OK;
  buf = (char *)malloc(len + 1);
  if (!buf) {
    ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory");
    return NULL;
  }
  if (ps_swig_check(e, ps_model_feature_name(buf, len + 1, &len, m->handle, index, e->lib)) !=
      PS_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* 1 when some split of the model tests feature `index` as a category (ABI 6,
 * ps_model_feature_categorical), else 0; 0 when the call failed (e is set). */
static int psw_feature_categorical(ps_swig_error *e, ps_swig_model *m, long long index) {
  int32_t categorical = 0;
  if (!psw_in_range(e, "feature index", index, UINT32_MAX)) return 0;
  if (ps_swig_check(e, ps_model_feature_categorical(&categorical, m->handle, (uint32_t)index, e->lib)) !=
      PS_OK)
    return 0;
  return categorical != 0;
}

/* Training categories (ABI 5, polyscore/model.h): the number of lists the file saved, and
 * whether it saved lists at all (1), even none, or not (0). */
static long long psw_category_list_count(ps_swig_error *e, ps_swig_model *m) {
  uint32_t count = 0;
  if (ps_swig_check(e, ps_model_category_list_count(&count, NULL, m->handle, e->lib)) != PS_OK) return 0;
  return count;
}

static int psw_categories_saved(ps_swig_error *e, ps_swig_model *m) {
  uint32_t count = 0;
  int32_t saved = 0;
  if (ps_swig_check(e, ps_model_category_list_count(&count, &saved, m->handle, e->lib)) != PS_OK) return 0;
  return saved;
}

/* List `list`'s feature index (PS_CATEGORY_FEATURE_UNKNOWN, -1, for LightGBM's lists) and
 * its number of categories; 0 when the call failed (e is set). */
static int psw_category_list_describe(ps_swig_error *e, ps_swig_model *m, long long list, int64_t *feature,
                                      uint32_t *n) {
  if (!psw_in_range(e, "list", list, UINT32_MAX)) return 0;
  return ps_swig_check(e, ps_model_category_list(feature, n, m->handle, (uint32_t)list, e->lib)) == PS_OK;
}

static long long psw_category_list_feature(ps_swig_error *e, ps_swig_model *m, long long list) {
  int64_t feature = 0;
  uint32_t n = 0;
  return psw_category_list_describe(e, m, list, &feature, &n) ? feature : 0;
}

static long long psw_category_list_size(ps_swig_error *e, ps_swig_model *m, long long list) {
  int64_t feature = 0;
  uint32_t n = 0;
  return psw_category_list_describe(e, m, list, &feature, &n) ? n : 0;
}

/* The text of category `index` of list `list` (its code is `index`), and its
 * PS_CATEGORY_* kind. */
static ps_swig_bytes psw_category(ps_swig_error *e, ps_swig_model *m, long long list, long long index) {
  ps_swig_bytes r = {NULL, 0};
  size_t len = 0;
  if (!psw_in_range(e, "list", list, UINT32_MAX) || !psw_in_range(e, "index", index, UINT32_MAX)) return r;
  if (ps_swig_check(e, ps_model_category(NULL, 0, &len, NULL, m->handle, (uint32_t)list, (uint32_t)index,
                                         e->lib)) != PS_OK &&
      e->code != PS_ERR_BUFFER_TOO_SMALL)
    return r;
  e->code = PS_OK;
  r.data = (char *)malloc(len + 1);
  if (!r.data) {
    ps_swig_error_set(e, PS_ERR_OUT_OF_MEMORY, "out of memory");
    return r;
  }
  if (ps_swig_check(e, ps_model_category(r.data, len + 1, &len, NULL, m->handle, (uint32_t)list,
                                         (uint32_t)index, e->lib)) != PS_OK) {
    free(r.data);
    r.data = NULL;
    return r;
  }
  r.len = len;
  return r;
}

static int psw_category_kind(ps_swig_error *e, ps_swig_model *m, long long list, long long index) {
  size_t len = 0;
  ps_category_kind kind = 0;
  if (!psw_in_range(e, "list", list, UINT32_MAX) || !psw_in_range(e, "index", index, UINT32_MAX)) return 0;
  if (ps_swig_check(e, ps_model_category(NULL, 0, &len, &kind, m->handle, (uint32_t)list, (uint32_t)index,
                                         e->lib)) != PS_OK &&
      e->code != PS_ERR_BUFFER_TOO_SMALL)
    return 0;
  e->code = PS_OK;  /* the size query: *kind is set with PS_ERR_BUFFER_TOO_SMALL */
  return kind;
}

/* Fails (PS_ERR_ABI_VERSION) unless the loaded library offers ABI version `required`;
 * the message names both versions. The language layers call it with the version
 * they were written for when they are loaded. */
static void psw_require_abi(ps_swig_error *e, unsigned required) {
  if (ps_abi_check(required, e->lib) != PS_OK) {
    ps_swig_error_set(e, ps_error_code(e->lib) ? ps_error_code(e->lib) : PS_ERR_ABI_VERSION,
                      "the polyscore binding needs ABI version %u, but the loaded library "
                      "libpolyscore %s has ABI version %u; install a newer libpolyscore.so.1",
                      required, ps_version_string(), (unsigned)ps_abi_version());
  }
}

#endif /* POLYSCORE_SWIG_H */
