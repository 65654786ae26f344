/*
 * ps_ref: the C library's own answer for one conformance case, printed with %.17g
 * (exact round trip), one row per line, comma-separated. Unlike the CLI it takes an
 * iteration range and float32 input, so every manifest case has a C reference.
 *
 *   ps_ref MODEL ROWS.csv value|margin|leaf BEGIN END float64|float32
 *
 * ROWS.csv: no header; an empty field, nan or NaN is missing.
 */
#include <polyscore/polyscore.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, ps_error *err) {
  fprintf(stderr, "ps_ref: %s: %s\n", what, err ? ps_error_message(err) : "");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: ps_ref MODEL ROWS.csv value|margin|leaf BEGIN END float64|float32\n");
    return 2;
  }
  ps_error *err = NULL;
  ps_model *model = NULL;
  ps_error_create(&err);
  if (ps_model_load_file(&model, argv[1], NULL, err) != PS_OK) die("load", err);
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, model, err) != PS_OK) die("info", err);

  FILE *f = fopen(argv[2], "r");
  if (!f) die("cannot open rows", NULL);
  size_t cap = 1024, n = 0, n_rows = 0;
  double *x = malloc(cap * sizeof *x);
  char line[1 << 16];
  while (fgets(line, sizeof line, f)) {
    size_t len = strcspn(line, "\r\n");
    line[len] = '\0';
    if (len == 0) continue;
    char *p = line;
    for (;;) {
      char *end = strchr(p, ',');
      if (end) *end = '\0';
      if (n == cap) x = realloc(x, (cap *= 2) * sizeof *x);
      x[n++] = (*p == '\0' || strcmp(p, "nan") == 0 || strcmp(p, "NaN") == 0) ? NAN : strtod(p, NULL);
      if (!end) break;
      p = end + 1;
    }
    ++n_rows;
  }
  fclose(f);
  if (n != n_rows * info.num_features) die("rows do not match num_features", NULL);

  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = strcmp(argv[3], "margin") == 0 ? PS_OUTPUT_MARGIN
                : strcmp(argv[3], "leaf") == 0 ? PS_OUTPUT_LEAF
                : strcmp(argv[3], "contrib") == 0 ? PS_OUTPUT_CONTRIB : PS_OUTPUT_VALUE;
  opts.iteration_begin = (uint32_t)strtoul(argv[4], NULL, 10);
  opts.iteration_end = (uint32_t)strtoul(argv[5], NULL, 10);
  int f32 = strcmp(argv[6], "float32") == 0;
  float *xf = NULL;
  if (f32) {
    xf = malloc((n ? n : 1) * sizeof *xf);
    for (size_t i = 0; i < n; ++i) xf[i] = (float)x[i];
  }
  size_t size = 0;
  if (ps_model_output_size(&size, model, n_rows, &opts, err) != PS_OK) die("output_size", err);
  double *out = malloc((size ? size : 1) * sizeof *out);
  if (ps_model_predict_dense(out, size, model, f32 ? (const void *)xf : x,
                             f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_FLOAT64, n_rows,
                             info.num_features, &opts, err) != PS_OK)
    die("predict", err);
  size_t k = n_rows ? size / n_rows : 0;
  for (size_t r = 0; r < n_rows; ++r)
    for (size_t j = 0; j < k; ++j) printf("%.17g%c", out[r * k + j], j + 1 == k ? '\n' : ',');
  free(out); free(x); free(xf);
  ps_model_free(model);
  ps_error_free(err);
  return 0;
}
