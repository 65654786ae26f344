/*
 * grown_struct_client.c: a program built against today's header, run against a library
 * whose options structs have grown (break_test.sh builds that variant: an int64_t
 * `appended` field at the end of ps_load_options and ps_predict_options, default 0, that
 * the variant refuses when it is not 0).
 *
 *   grown_struct_client MODEL_FILE [grown]
 *
 * Each options struct sits between guard bytes (0xA5) in a larger buffer:
 *  - ps_*_options_init(opts, sizeof *opts) must write no byte outside the caller's
 *    struct (a library that wrote its own, larger struct would overrun the guard);
 *  - predict and load with that struct must take the default for every field past the
 *    caller's struct_size (a library that read `appended` would see 0xA5A5... and
 *    refuse the call) and give what a call with NULL options gives.
 * With "grown", a control: the same poison inside a struct_size that covers `appended`
 * must be refused, proving the library reads that field and the poison would be seen.
 * Exit status 0 when every check passed.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polyscore/polyscore.h"

#define GUARD 0xA5
#define BEFORE 32 /* guard bytes before the struct (a multiple of its alignment) */
#define AFTER 64  /* guard bytes after it: more than any grown field */

static int failed = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      failed++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
    }                                                      \
  } while (0)

/* A struct of `size` bytes at BEFORE in a guarded, max-aligned buffer. */
typedef union {
  unsigned char bytes[BEFORE + 256 + AFTER];
  long double align;
} guarded;

static void fill_guards(guarded *g) { memset(g->bytes, GUARD, sizeof g->bytes); }

/* Guard bytes outside [BEFORE, BEFORE + size) that are no longer GUARD. */
static size_t overrun(const guarded *g, size_t size) {
  size_t n = 0;
  for (size_t i = 0; i < BEFORE; i++) n += g->bytes[i] != GUARD;
  for (size_t i = BEFORE + size; i < sizeof g->bytes; i++) n += g->bytes[i] != GUARD;
  return n;
}

static int same(const double *a, const double *b, size_t n) {
  return memcmp(a, b, n * sizeof *a) == 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL_FILE [grown]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  const int grown = argc > 2 && strcmp(argv[2], "grown") == 0;
  ps_error *err = NULL;
  ps_error_create(&err);
  printf("grown_struct_client: library ABI %u, this client ABI %d; sizeof ps_load_options %zu, "
         "ps_predict_options %zu\n",
         ps_abi_version(), PS_ABI_VERSION, sizeof(ps_load_options), sizeof(ps_predict_options));
  CHECK(ps_abi_check(PS_ABI_VERSION, err) == PS_OK, "ps_abi_check: %s", ps_error_message(err));

  /* ps_load_options between guards: init, then load with it. */
  guarded lg;
  fill_guards(&lg);
  ps_load_options *lo = (ps_load_options *)(void *)(lg.bytes + BEFORE);
  CHECK(ps_load_options_init(lo, sizeof *lo) == PS_OK, "ps_load_options_init failed");
  CHECK(overrun(&lg, sizeof *lo) == 0,
        "ps_load_options_init wrote %zu bytes outside the caller's %zu-byte struct",
        overrun(&lg, sizeof *lo), sizeof *lo);
  CHECK(lo->struct_size == sizeof *lo && lo->format == PS_FORMAT_AUTO,
        "ps_load_options_init: struct_size %zu format %d", lo->struct_size, (int)lo->format);
  ps_model *model = NULL;
  if (ps_model_load_file(&model, path, lo, err) != PS_OK) {
    fprintf(stderr, "FAIL: load with a guarded ps_load_options: %s\n", ps_error_message(err));
    return 1;
  }
  ps_model_info info = PS_MODEL_INFO_INIT;
  CHECK(ps_model_info_get(&info, model, err) == PS_OK, "ps_model_info_get: %s", ps_error_message(err));
  const size_t nf = info.num_features;

  /* ps_predict_options between guards. */
  guarded pg;
  fill_guards(&pg);
  ps_predict_options *po = (ps_predict_options *)(void *)(pg.bytes + BEFORE);
  CHECK(ps_predict_options_init(po, sizeof *po) == PS_OK, "ps_predict_options_init failed");
  CHECK(overrun(&pg, sizeof *po) == 0,
        "ps_predict_options_init wrote %zu bytes outside the caller's %zu-byte struct",
        overrun(&pg, sizeof *po), sizeof *po);
  CHECK(po->struct_size == sizeof *po && po->output == PS_OUTPUT_VALUE && po->iteration_begin == 0 &&
            po->iteration_end == 0 && po->num_threads == 1,
        "ps_predict_options_init: not the defaults");

  /* Predict with it: the same numbers as with NULL options. */
  double *rows = calloc(4 * nf, sizeof *rows);
  for (size_t i = 0; i < 4 * nf; i++) rows[i] = (double)(i % 7) * 0.37 - 1.0;
  size_t n_out = 0, n_ref = 0;
  CHECK(ps_model_output_size(&n_out, model, 4, po, err) == PS_OK, "output_size: %s", ps_error_message(err));
  CHECK(ps_model_output_size(&n_ref, model, 4, NULL, err) == PS_OK && n_out == n_ref,
        "output_size %zu with the guarded options, %zu with NULL", n_out, n_ref);
  double *out = calloc(n_ref + 1, sizeof *out), *ref = calloc(n_ref + 1, sizeof *ref);
  CHECK(ps_model_predict_dense(ref, n_ref, model, rows, PS_DTYPE_FLOAT64, 4, nf, NULL, err) == PS_OK,
        "predict_dense (NULL options): %s", ps_error_message(err));
  CHECK(ps_model_predict_dense(out, n_ref, model, rows, PS_DTYPE_FLOAT64, 4, nf, po, err) == PS_OK,
        "predict_dense with the guarded options: %s", ps_error_message(err));
  CHECK(same(out, ref, n_ref), "predict_dense with the guarded options differs from NULL options");
  CHECK(ps_model_predict_row(out, n_ref / 4, model, rows, nf, po, err) == PS_OK,
        "predict_row with the guarded options: %s", ps_error_message(err));
  CHECK(same(out, ref, n_ref / 4), "predict_row with the guarded options differs");
  CHECK(overrun(&pg, sizeof *po) == 0, "a predict call wrote into the caller's guard bytes");

  /* Too small a size, and NULL: refused, nothing written. */
  fill_guards(&pg);
  CHECK(ps_predict_options_init(po, sizeof(size_t) - 1) == PS_ERR_INVALID_ARGUMENT,
        "ps_predict_options_init with struct_size < sizeof(size_t) was not refused");
  CHECK(overrun(&pg, 0) == 0, "a refused ps_predict_options_init wrote to the struct");
  CHECK(ps_predict_options_init(NULL, sizeof *po) == PS_ERR_INVALID_ARGUMENT, "init(NULL) not refused");
  CHECK(ps_load_options_init(NULL, sizeof *lo) == PS_ERR_INVALID_ARGUMENT, "init(NULL) not refused");

  if (grown) {
    /* Control: a struct_size covering the grown library's `appended` field (8 more
     * bytes) over the poison must be refused, so the checks above could have failed. */
    fill_guards(&pg);
    ps_predict_options_init(po, sizeof *po);
    po->struct_size = sizeof *po + 8;
    CHECK(ps_model_predict_dense(out, n_ref, model, rows, PS_DTYPE_FLOAT64, 4, nf, po, err) ==
                  PS_ERR_INVALID_ARGUMENT &&
              strstr(ps_error_message(err), "appended") != NULL,
          "control: the grown library did not read the poisoned `appended` field (%s)",
          ps_error_message(err));
    fill_guards(&lg);
    ps_load_options_init(lo, sizeof *lo);
    lo->struct_size = sizeof *lo + 8;
    ps_model *m2 = NULL;
    CHECK(ps_model_load_file(&m2, path, lo, err) == PS_ERR_INVALID_ARGUMENT &&
              strstr(ps_error_message(err), "appended") != NULL,
          "control: the grown library did not read the poisoned ps_load_options.appended (%s)",
          ps_error_message(err));
    ps_model_free(m2);
  }

  free(rows);
  free(out);
  free(ref);
  ps_model_free(model);
  ps_error_free(err);
  printf("grown_struct_client: %s\n", failed ? "FAILED" : "ok");
  return failed ? 1 : 0;
}
