/*
 * old_client.c: a program built against the FIRST released polyscore header
 * (abi_tests/v1/include, frozen, ABI version 1) and run, unrecompiled in spirit,
 * against the current libpolyscore.so.1. It must keep working with every 1.x
 * library:
 *
 *   cc -std=c99 -I abi_tests/v1/include abi_tests/old_client.c -L <dir> -l:libpolyscore.so.1
 *   LD_LIBRARY_PATH=<dir> ./old_client tests/vectors
 *
 * It loads an XGBoost and a LightGBM model, predicts (dense float64 and float32, one
 * row at a time, CSR), compares with the training libraries' own outputs (relative
 * 1e-6), checks error codes and version negotiation (ps_abi_check), and passes
 * OLDER, SMALLER options structs.
 *
 * The older-struct technique. C structs only grow at the end (docs/abi.md), so the
 * struct a client compiled against an older header has is a PREFIX of today's
 * struct. We declare that prefix as its own type (old_predict_options below: what
 * ps_predict_options would have been in a v0 header that had only struct_size,
 * output and iteration_begin), set struct_size = sizeof(prefix) exactly as that
 * client's PS_*_INIT macro would have, and place it at the start of a buffer whose
 * remaining bytes are a poison pattern (0xA5). A library that read any byte beyond
 * struct_size would see iteration_end = 0xA5A5A5A5 (outside the model: an error) or
 * num_threads < 0 (an error), so the test can only pass if the library takes the
 * defaults for every field the caller's struct_size does not cover. The prefix
 * types must end on a field boundary of today's struct (sizeof(prefix) == offset of
 * the next field), which is what a real older header would have given as long as
 * new fields never start inside the old struct's tail padding; see README.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polyscore/polyscore.h"

#if PS_ABI_VERSION != 1
#error "old_client.c must be compiled against the frozen ABI 1 header (abi_tests/v1/include)"
#endif

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                       \
  do {                                                         \
    if (cond) {                                                \
      passed++;                                                \
    } else {                                                   \
      failed++;                                                \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                            \
      fputc('\n', stderr);                                     \
    }                                                          \
  } while (0)

#define CHECK_STATUS(got, want, err)                                                       \
  CHECK((got) == (want), "%s: got %s, want %s (%s)", #got, ps_status_name(got),          \
        ps_status_name(want), ps_error_message(err))

/* ---- CSV ------------------------------------------------------------------------- */

typedef struct {
  double *v;
  size_t rows, cols;
} matrix;

static matrix read_csv(const char *dir, const char *name) {
  matrix m = {NULL, 0, 0};
  char path[1024];
  snprintf(path, sizeof path, "%s/data/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  size_t cap = 1024, n = 0;
  m.v = malloc(cap * sizeof(double));
  char line[65536];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '\n' || line[0] == '\0') continue;
    size_t cols = 0;
    char *p = line;
    for (;;) {
      char *end;
      double x = strtod(p, &end);
      if (end == p) break;
      if (n == cap) m.v = realloc(m.v, (cap *= 2) * sizeof(double));
      m.v[n++] = x;
      cols++;
      p = end;
      if (*p != ',') break;
      p++;
    }
    if (m.cols == 0) m.cols = cols;
    if (cols != m.cols) {
      fprintf(stderr, "%s: ragged row %zu\n", path, m.rows);
      exit(2);
    }
    m.rows++;
  }
  fclose(f);
  return m;
}

static int close_enough(double got, double want) {
  if (isnan(want)) return isnan(got);
  if (got == want) return 1;
  return fabs(got - want) <= 1e-6 * fabs(want) + 1e-12;
}

static int compare(const char *what, const double *got, const matrix *want) {
  size_t bad = 0;
  for (size_t i = 0; i < want->rows * want->cols; i++) {
    if (!close_enough(got[i], want->v[i])) {
      if (bad++ < 3) {
        fprintf(stderr, "  %s[%zu]: got %.17g, want %.17g\n", what, i, got[i], want->v[i]);
      }
    }
  }
  CHECK(bad == 0, "%s: %zu of %zu values differ", what, bad, want->rows * want->cols);
  return bad == 0;
}

/* ---- one model ----------------------------------------------------------------- */

/* What v0 clients had: struct_size, output, iteration_begin. sizeof == 16 ==
 * offsetof(ps_predict_options, iteration_end): it ends on today's field boundary. */
typedef struct {
  size_t struct_size;
  int32_t output;
  uint32_t iteration_begin;
} old_predict_options;

/* A still older one: struct_size alone (every option at its default). */
typedef struct {
  size_t struct_size;
} oldest_options;

/* ps_model_info of a v0 header that stopped after num_features. */
typedef struct {
  size_t struct_size;
  int32_t format;
  uint32_t num_features;
} old_model_info;

/* Storage for an older struct followed by poison: max-aligned, larger than today's. */
typedef union {
  unsigned char bytes[512];
  long double align_ld;
  void *align_p;
  uint64_t align_u;
} poisoned;

static void poison(poisoned *p) { memset(p->bytes, 0xA5, sizeof p->bytes); }

static void test_model(const char *dir, const char *model_file, const char *cas,
                       int32_t format, int absent_is_nan) {
  char path[1024], name[256];
  ps_error *err = NULL;
  CHECK_STATUS(ps_error_create(&err), PS_OK, err);
  printf("-- %s\n", model_file);

  snprintf(path, sizeof path, "%s/models/%s", dir, model_file);
  ps_model *model = NULL;
  ps_status st = ps_model_load_file(&model, path, NULL, err);
  CHECK_STATUS(st, PS_OK, err);
  if (st != PS_OK) {
    ps_error_free(err);
    return;
  }

  snprintf(name, sizeof name, "%s.X.csv", cas);
  matrix X = read_csv(dir, name);
  snprintf(name, sizeof name, "%s.value.csv", cas);
  matrix value = read_csv(dir, name);
  snprintf(name, sizeof name, "%s.margin.csv", cas);
  matrix margin = read_csv(dir, name);
  const size_t n = X.rows, nf = X.cols, nout = value.rows * value.cols;

  /* info: full struct, then an older smaller one that must not be written past. */
  ps_model_info info = PS_MODEL_INFO_INIT;
  /* Calls that only read the model take const ps_model * (a -Werror build fails if not). */
  const ps_model *read_only = model;
  CHECK_STATUS(ps_model_info_get(&info, read_only, err), PS_OK, err);
  CHECK(info.format == format, "info.format %d, want %d", info.format, format);
  {
    char name[256];
    size_t len = 0;
    CHECK_STATUS(ps_model_feature_name(name, sizeof name, &len, read_only, 0, err), PS_OK, err);
  }
  CHECK(info.num_features == nf, "info.num_features %u, want %zu", info.num_features, nf);
  CHECK(info.num_outputs * n == nout, "info.num_outputs %u", info.num_outputs);
  {
    poisoned buf;
    poison(&buf);
    old_model_info *old = (old_model_info *)buf.bytes;
    old->struct_size = sizeof *old;
    CHECK_STATUS(ps_model_info_get((ps_model_info *)old, model, err), PS_OK, err);
    CHECK(old->format == format && old->num_features == nf,
          "older ps_model_info: format %d features %u", old->format, old->num_features);
    size_t touched = 0;
    for (size_t i = sizeof *old; i < sizeof buf.bytes; i++) touched += buf.bytes[i] != 0xA5;
    CHECK(touched == 0, "ps_model_info_get wrote %zu bytes past the caller's struct_size",
          touched);
  }
  {
    /* A newer client's larger struct: the library fills what it knows, no more. */
    poisoned buf;
    poison(&buf);
    ps_model_info *big = (ps_model_info *)buf.bytes;
    big->struct_size = sizeof(ps_model_info) + 64;
    CHECK_STATUS(ps_model_info_get(big, model, err), PS_OK, err);
    CHECK(big->num_features == nf, "larger ps_model_info: features %u", big->num_features);
    size_t touched = 0;
    for (size_t i = sizeof(ps_model_info); i < sizeof buf.bytes; i++) {
      touched += buf.bytes[i] != 0xA5;
    }
    CHECK(touched == 0, "ps_model_info_get wrote %zu bytes past the struct it knows", touched);
  }

  double *out = malloc((nout + 8) * sizeof(double));
  size_t need = 0;

  /* dense float64, defaults (NULL options) */
  CHECK_STATUS(ps_model_output_size(&need, read_only, n, NULL, err), PS_OK, err);
  CHECK(need == nout, "output_size %zu, want %zu", need, nout);
  CHECK_STATUS(ps_model_predict_dense(out, nout, read_only, X.v, PS_DTYPE_FLOAT64, n, nf, NULL, err),
               PS_OK, err);
  compare("dense f64 value", out, &value);

  /* dense float64, margin, full options */
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_MARGIN;
  CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, &opts, err),
               PS_OK, err);
  compare("dense f64 margin", out, &margin);

  /* dense float32: XGBoost converts every input to float32 first, so the float64
   * expectations hold exactly; for LightGBM only when the input is float32-exact,
   * so compare with the same model's float64 prediction of the rounded input. */
  {
    float *xf = malloc(n * nf * sizeof(float));
    double *xr = malloc(n * nf * sizeof(double));
    double *ref = malloc(nout * sizeof(double));
    for (size_t i = 0; i < n * nf; i++) xr[i] = xf[i] = (float)X.v[i];
    CHECK_STATUS(ps_model_predict_dense(out, nout, model, xf, PS_DTYPE_FLOAT32, n, nf, NULL, err),
                 PS_OK, err);
    CHECK_STATUS(ps_model_predict_dense(ref, nout, model, xr, PS_DTYPE_FLOAT64, n, nf, NULL, err),
                 PS_OK, err);
    matrix r = {ref, value.rows, value.cols};
    compare("dense f32 value", out, absent_is_nan ? &value : &r);
    free(xf);
    free(xr);
    free(ref);
  }

  /* one row at a time */
  {
    const size_t per = nout / n;
    for (size_t i = 0; i < n; i++) {
      st = ps_model_predict_row(out + i * per, per, model, X.v + i * nf, nf, NULL, err);
      if (st != PS_OK) break;
    }
    CHECK_STATUS(st, PS_OK, err);
    compare("row value", out, &value);
  }

  /* CSR: leave out the entries the model reads as absent anyway (NaN for XGBoost,
   * 0.0 for LightGBM), keep the others explicit. */
  {
    int64_t *indptr = malloc((n + 1) * sizeof(int64_t));
    int32_t *indices = malloc(n * nf * sizeof(int32_t));
    double *vals = malloc(n * nf * sizeof(double));
    size_t k = 0;
    indptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < nf; j++) {
        const double x = X.v[i * nf + j];
        if (absent_is_nan ? isnan(x) : x == 0.0) continue;
        indices[k] = (int32_t)j;
        vals[k++] = x;
      }
      indptr[i + 1] = (int64_t)k;
    }
    CHECK(k < n * nf, "CSR test needs some absent entries");
    CHECK_STATUS(ps_model_predict_csr(out, nout, read_only, indptr, indices, vals, PS_DTYPE_FLOAT64,
                                      n, nf, NULL, err),
                 PS_OK, err);
    compare("csr value", out, &value);
    CHECK_STATUS(ps_model_predict_csr(out, nout, model, indptr, indices, vals, PS_DTYPE_FLOAT64,
                                      n, nf, &opts, err),
                 PS_OK, err);
    compare("csr margin", out, &margin);
    free(indptr);
    free(indices);
    free(vals);
  }

  /* Older, smaller options structs: the uncovered fields take their defaults. */
  {
    poisoned buf;
    poison(&buf);
    old_predict_options *old = (old_predict_options *)buf.bytes;
    old->struct_size = sizeof *old;
    old->output = PS_OUTPUT_MARGIN;
    old->iteration_begin = 0;
    CHECK(sizeof *old == offsetof(ps_predict_options, iteration_end),
          "old_predict_options does not end on a field boundary");
    const ps_predict_options *as_new = (const ps_predict_options *)buf.bytes;
    CHECK(as_new->num_threads < 0 && as_new->iteration_end == 0xA5A5A5A5u,
          "poison is not in place");
    CHECK_STATUS(ps_model_output_size(&need, model, n, as_new, err), PS_OK, err);
    CHECK(need == nout, "older options: output_size %zu, want %zu", need, nout);
    CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, as_new,
                                        err),
                 PS_OK, err);
    compare("older ps_predict_options (3 fields): dense margin", out, &margin);
    CHECK_STATUS(ps_model_predict_row(out, nout / n, read_only, X.v, nf, as_new, err), PS_OK, err);
    CHECK(close_enough(out[0], margin.v[0]), "older options: row margin %.17g, want %.17g",
          out[0], margin.v[0]);

    /* The same poison beyond a full-size struct_size must be read (and refused):
     * proves the poison would have been noticed. */
    old->struct_size = sizeof(ps_predict_options);
    CHECK(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, as_new, err) !=
              PS_OK,
          "poisoned fields inside struct_size were not noticed: the test proves nothing");

    poison(&buf);
    oldest_options *oldest = (oldest_options *)buf.bytes;
    oldest->struct_size = sizeof *oldest;
    CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf,
                                        (const ps_predict_options *)oldest, err),
                 PS_OK, err);
    compare("oldest ps_predict_options (struct_size only): dense value", out, &value);

    poison(&buf);
    oldest->struct_size = sizeof *oldest; /* ps_load_options with format poisoned */
    ps_model *m2 = NULL;
    CHECK_STATUS(ps_model_load_file(&m2, path, (const ps_load_options *)oldest, err), PS_OK, err);
    ps_model_info i2 = PS_MODEL_INFO_INIT;
    CHECK_STATUS(ps_model_info_get(&i2, m2, err), PS_OK, err);
    CHECK(i2.format == format, "older ps_load_options: format %d, want auto-detected %d",
          i2.format, format);
    ps_model_free(m2);

    /* struct_size smaller than the struct_size field itself: refused. */
    oldest->struct_size = 4;
    CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf,
                                        (const ps_predict_options *)oldest, err),
                 PS_ERR_INVALID_ARGUMENT, err);
  }

  /* Error codes a v1 client relies on. */
  CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf + 1, NULL, err),
               PS_ERR_SHAPE, err);
  CHECK(ps_error_code(err) == PS_ERR_SHAPE, "ps_error_code %d", ps_error_code(err));
  for (size_t i = 0; i < nout + 8; i++) out[i] = 42.0;
  CHECK_STATUS(ps_model_predict_dense(out, nout - 1, model, X.v, PS_DTYPE_FLOAT64, n, nf, NULL, err),
               PS_ERR_BUFFER_TOO_SMALL, err);
  CHECK(out[0] == 42.0, "a too-small buffer was written to");
  CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, 7, n, nf, NULL, err),
               PS_ERR_INVALID_ARGUMENT, err);
  opts.output = 99;
  CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, &opts, err),
               PS_ERR_INVALID_ARGUMENT, err);
  CHECK_STATUS(ps_model_predict_dense(NULL, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, NULL, NULL),
               PS_ERR_INVALID_ARGUMENT, err);

  ps_model_free(model);
  CHECK_STATUS(ps_model_predict_dense(out, nout, model, X.v, PS_DTYPE_FLOAT64, n, nf, NULL, err),
               PS_ERR_INVALID_HANDLE, err);
  ps_model_free(model); /* twice: harmless */

  free(out);
  free(X.v);
  free(value.v);
  free(margin.v);
  ps_error_free(err);
}

/* ---- version negotiation and library-wide errors ------------------------------- */

static void test_versions(const char *dir) {
  ps_error *err = NULL;
  CHECK_STATUS(ps_error_create(&err), PS_OK, err);
  printf("-- versions: library ABI %u, release %s; this client ABI %d\n", ps_abi_version(),
         ps_version_string(), PS_ABI_VERSION);

  CHECK(ps_abi_version() >= PS_ABI_VERSION, "library ABI %u < client ABI %d", ps_abi_version(),
        PS_ABI_VERSION);
  CHECK_STATUS(ps_abi_check(PS_ABI_VERSION, err), PS_OK, err);
  CHECK_STATUS(ps_abi_check(0, err), PS_OK, err);
  CHECK_STATUS(ps_abi_check(PS_ABI_VERSION, NULL), PS_OK, err);
  CHECK(ps_error_code(err) == PS_OK && ps_error_message(err)[0] == '\0',
        "a successful ps_abi_check changed the error object");

  /* A client that needs a newer ABI than the library offers. */
  const uint32_t have = ps_abi_version();
  const uint32_t wants[] = {have + 1, have + 41, 4000000000u};
  for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++) {
    ps_error_clear(err);
    CHECK_STATUS(ps_abi_check(wants[i], err), PS_ERR_ABI_VERSION, err);
    CHECK(ps_error_code(err) == PS_ERR_ABI_VERSION, "ps_error_code %d", ps_error_code(err));
    char need_s[64], have_s[64];
    snprintf(need_s, sizeof need_s, "ABI version %u", wants[i]);
    snprintf(have_s, sizeof have_s, "ABI version %u", have);
    const char *msg = ps_error_message(err);
    CHECK(strstr(msg, need_s) && strstr(msg, have_s),
          "ps_abi_check message must name both versions (\"%s\", \"%s\"): \"%s\"", have_s,
          need_s, msg);
    if (i == 0) printf("   ps_abi_check(%u): %s: %s\n", wants[i], ps_status_name(ps_error_code(err)), msg);
  }
  CHECK_STATUS(ps_abi_check(have + 1, NULL), PS_ERR_ABI_VERSION, err);

  /* Status names are part of what clients print. */
  CHECK(strcmp(ps_status_name(PS_OK), "PS_OK") == 0, "name of PS_OK");
  CHECK(strcmp(ps_status_name(PS_ERR_ABI_VERSION), "PS_ERR_ABI_VERSION") == 0, "name of 9");
  CHECK(strcmp(ps_status_name(PS_ERR_INTERNAL), "PS_ERR_INTERNAL") == 0, "name of 10");
  CHECK(strcmp(ps_status_name(12345), "PS_ERR_UNKNOWN") == 0, "name of 12345");

  /* Load errors. */
  char path[1024];
  ps_model *m = (ps_model *)&m;
  snprintf(path, sizeof path, "%s/models/does-not-exist.json", dir);
  CHECK_STATUS(ps_model_load_file(&m, path, NULL, err), PS_ERR_IO, err);
  CHECK(m == NULL, "*out not NULL after a failed load");
  static const char garbage[] = "{\"learner\": [1, 2";
  CHECK_STATUS(ps_model_load_buffer(&m, garbage, sizeof garbage - 1, NULL, err), PS_ERR_PARSE, err);
  CHECK_STATUS(ps_model_load_buffer(NULL, garbage, sizeof garbage - 1, NULL, err),
               PS_ERR_INVALID_ARGUMENT, err);
  ps_load_options lo = PS_LOAD_OPTIONS_INIT;
  lo.format = 77;
  snprintf(path, sizeof path, "%s/models/lgb4_binary.txt", dir);
  CHECK_STATUS(ps_model_load_file(&m, path, &lo, err), PS_ERR_INVALID_ARGUMENT, err);
  CHECK_STATUS(ps_load_options_init(&lo, sizeof lo), PS_OK, err);
  CHECK(lo.struct_size == sizeof lo && lo.format == PS_FORMAT_AUTO, "ps_load_options_init");
  ps_predict_options po;
  memset(&po, 0xA5, sizeof po);
  CHECK_STATUS(ps_predict_options_init(&po, sizeof po), PS_OK, err);
  CHECK(po.struct_size == sizeof po && po.output == PS_OUTPUT_VALUE && po.iteration_begin == 0 &&
            po.iteration_end == 0 && po.num_threads == 1,
        "ps_predict_options_init");
  /* A forged handle. */
  ps_model_info info = PS_MODEL_INFO_INIT;
  CHECK_STATUS(ps_model_info_get(&info, (ps_model *)(uintptr_t)0x12345678, err),
               PS_ERR_INVALID_HANDLE, err);
  ps_model_free(NULL);
  ps_error_free(NULL);
  ps_error_free(err);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "tests/vectors";
  test_versions(dir);
  test_model(dir, "xgb3_binary_logistic.json", "xgb3_binary_logistic", PS_FORMAT_XGBOOST_JSON, 1);
  test_model(dir, "lgb4_binary.txt", "lgb4_binary", PS_FORMAT_LIGHTGBM_TEXT, 0);
  printf("old_client: %d checks passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
