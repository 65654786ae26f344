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
                            int num_threads) {
  ps_predict_options_init(o);
  o->output = output;
  o->iteration_begin = begin;
  o->iteration_end = end;
  o->num_threads = num_threads;
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
                                             long long end, int dtype, int num_threads) {
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
  psw_options(&o, output, (unsigned)begin, (unsigned)end, num_threads);
  if (ps_swig_check(e, ps_model_output_size(&size, m->handle, n_rows, &o, e->lib)) != PS_OK)
    return r;
  if (n_rows == 0) return r;
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
                                                 int output, long long begin, long long end) {
  ps_swig_doubles r = {NULL, 0};
  ps_predict_options o;
  size_t size = 0;
  if (!psw_rounds(e, begin, end)) return r;
  psw_options(&o, output, (unsigned)begin, (unsigned)end, 1);
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
                                        int output, long long begin, long long end) {
  ps_predict_options o;
  size_t size = 0;
  if (!psw_in_range(e, "n_rows", n_rows, SIZE_MAX) || !psw_rounds(e, begin, end)) return 0;
  psw_options(&o, output, (unsigned)begin, (unsigned)end, 1);
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

/* ---- layout: the C ABI as this shim was compiled against it ------------------- */

/* "key=value" lines appended to a growing buffer; after a failed allocation the buffer
 * is dropped (data NULL, cap 1) and later appends do nothing. */
typedef struct psw_buf {
  char *data;
  size_t len, cap;
} psw_buf;

static void psw_add(psw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void psw_add(psw_buf *b, const char *fmt, ...) {
  va_list ap;
  if (b->data == NULL && b->cap != 0) return;
  for (;;) {
    size_t room = b->cap - b->len, cap;
    char *grown;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    cap = (b->cap + (size_t)n + 1) * 2;
    grown = (char *)realloc(b->data, cap);
    if (!grown) {
      free(b->data);
      b->data = NULL;
      b->cap = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
}

/* The C type of a field, numbered for psw_layout_field (0: a type it has no name for). */
#define PSW_IS(x, T) __builtin_types_compatible_p(__typeof__(x), T)
#define PSW_KIND(x)                                                                   \
  (PSW_IS(x, size_t) ? 1 : PSW_IS(x, int32_t) ? 2 : PSW_IS(x, uint32_t) ? 3          \
   : PSW_IS(x, int64_t) ? 4 : PSW_IS(x, double) ? 5 : PSW_IS(x, float) ? 6            \
   : PSW_IS(x, char[sizeof(x)]) ? 7 : 0)

/* One field: offset, size, type as layout.json spells it, and its value in `init` (an
 * instance made with the PS_*_INIT macro; char arrays: 0 when all zero, else -1). */
static void psw_layout_field(psw_buf *b, const char *st, const char *name, size_t offset,
                             size_t size, int kind, const void *init) {
  const char *p = (const char *)init + offset;
  char type[32], def[64];
  size_t i, nonzero = 0;
  switch (kind) {
    case 1: { size_t v; memcpy(&v, p, sizeof v); strcpy(type, "size_t");
      snprintf(def, sizeof def, "%zu", v); break; }
    case 2: { int32_t v; memcpy(&v, p, sizeof v); strcpy(type, "int32_t");
      snprintf(def, sizeof def, "%ld", (long)v); break; }
    case 3: { uint32_t v; memcpy(&v, p, sizeof v); strcpy(type, "uint32_t");
      snprintf(def, sizeof def, "%lu", (unsigned long)v); break; }
    case 4: { int64_t v; memcpy(&v, p, sizeof v); strcpy(type, "int64_t");
      snprintf(def, sizeof def, "%lld", (long long)v); break; }
    case 5: { double v; memcpy(&v, p, sizeof v); strcpy(type, "double");
      snprintf(def, sizeof def, "%.17g", v); break; }
    case 6: { float v; memcpy(&v, p, sizeof v); strcpy(type, "float");
      snprintf(def, sizeof def, "%.9g", (double)v); break; }
    case 7:
      for (i = 0; i < size; ++i) nonzero |= (unsigned char)p[i];
      snprintf(type, sizeof type, "char[%zu]", size);
      snprintf(def, sizeof def, "%d", nonzero ? -1 : 0);
      break;
    default: strcpy(type, "?"); strcpy(def, "?");
  }
  psw_add(b, "field.%s.%s.offset=%zu\nfield.%s.%s.size=%zu\nfield.%s.%s.type=%s\n"
          "field.%s.%s.default=%s\n", st, name, offset, st, name, size, st, name, type,
          st, name, def);
}

/* Inside PSW_STRUCT: field f of T; its lines go to b, its name to names. */
#define PSW_FIELD(T, f)                                                                \
  do {                                                                                 \
    size_t off_ = offsetof(T, f), size_ = sizeof(((T *)0)->f);                         \
    psw_layout_field(b, #T, #f, off_, size_, PSW_KIND(((T *)0)->f), &init);            \
    psw_add(&names, "%s%s", names.len ? "," : "", #f);                                 \
    if (off_ + size_ > end) end = off_ + size_;                                        \
  } while (0);

#define PSW_STRUCT(T, INIT, FIELDS)                                                    \
  do {                                                                                 \
    T init = INIT;                                                                     \
    psw_buf names = {NULL, 0, 0};                                                      \
    size_t end = 0;                                                                    \
    FIELDS                                                                             \
    psw_add(b, "struct.%s.size=%zu\nstruct.%s.align=%zu\nstruct.%s.tail_padding=%zu\n", \
            #T, sizeof(T), #T, (size_t)_Alignof(T), #T, sizeof(T) - end);              \
    psw_add(b, "struct.%s.fields=%s\n", #T, names.data ? names.data : "");             \
    free(names.data);                                                                  \
  } while (0)

/*
 * The public structs as this shim (and so the wrapper) was compiled against the header,
 * for the tests to compare with abi_tests/layout.json: "key=value" lines
 *   platform.<pointer_size|size_t|int|long|ps_status>=bytes
 *   struct.<name>.<size|align|tail_padding>=bytes, struct.<name>.fields=a,b,c
 *   field.<struct>.<field>.<offset|size|type|default>=...
 * for exactly the structs and fields listed here (the typemaps name them too), so one
 * the header gains shows up as missing. The PS_* constants are checked as the
 * scripting language sees them, not here. Returns a malloc'd string (NULL when out of
 * memory).
 */
static char *ps_swig_layout(void) {
  psw_buf buf = {NULL, 0, 0}, *b = &buf;
  psw_add(b, "platform.pointer_size=%zu\nplatform.size_t=%zu\nplatform.int=%zu\n"
          "platform.long=%zu\nplatform.ps_status=%zu\n", sizeof(void *), sizeof(size_t),
          sizeof(int), sizeof(long), sizeof(ps_status));
  PSW_STRUCT(ps_load_options, PS_LOAD_OPTIONS_INIT,
             PSW_FIELD(ps_load_options, struct_size)
             PSW_FIELD(ps_load_options, format));
  PSW_STRUCT(ps_predict_options, PS_PREDICT_OPTIONS_INIT,
             PSW_FIELD(ps_predict_options, struct_size)
             PSW_FIELD(ps_predict_options, output)
             PSW_FIELD(ps_predict_options, iteration_begin)
             PSW_FIELD(ps_predict_options, iteration_end)
             PSW_FIELD(ps_predict_options, num_threads));
  PSW_STRUCT(ps_model_info, PS_MODEL_INFO_INIT,
             PSW_FIELD(ps_model_info, struct_size)
             PSW_FIELD(ps_model_info, format)
             PSW_FIELD(ps_model_info, num_features)
             PSW_FIELD(ps_model_info, num_outputs)
             PSW_FIELD(ps_model_info, num_margins)
             PSW_FIELD(ps_model_info, num_trees)
             PSW_FIELD(ps_model_info, num_iterations)
             PSW_FIELD(ps_model_info, objective)
             PSW_FIELD(ps_model_info, booster));
  return buf.data;
}

#endif /* POLYSCORE_SWIG_H */
