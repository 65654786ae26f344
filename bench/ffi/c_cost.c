/* bench/ffi/c_cost.c: fixed cost of one single-row call from C.
 *   c_cost MODEL LIBEMPTY CALLS REPS
 * binding: ps_model_predict_row on MODEL (one tree), the library linked as usual;
 * bare:    psffi_empty called through a function pointer from dlopen(LIBEMPTY).
 * Interleaved per repeat; prints one JSON line: ns per call for each repeat, wall clock
 * and this thread's CPU time (steadier on a loaded machine). */
#include <dlfcn.h>
#include <polyscore/polyscore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int32_t (*empty_fn)(double *, size_t, void *, const double *, size_t, const void *, void *);

static double clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}
static double now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
static double cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: c_cost MODEL LIBEMPTY CALLS REPS\n"); return 2; }
  long calls = atol(argv[3]), reps = atol(argv[4]);
  void *h = dlopen(argv[2], RTLD_NOW);
  if (!h) { printf("{\"error\": \"dlopen\"}\n"); return 1; }
  empty_fn volatile empty = (empty_fn)dlsym(h, "psffi_empty");
  ps_error *err = NULL;
  ps_error_create(&err);
  ps_model *m = NULL;
  if (ps_model_load_file(&m, argv[1], NULL, err) != PS_OK) { printf("{\"error\": \"load\"}\n"); return 1; }
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_model_info_get(&info, m, err);
  double *row = calloc(info.num_features, sizeof(double));
  double y = 0, sink = 0;
  printf("{\"binding_ns\": [");
  double *b = malloc(sizeof(double) * reps), *e = malloc(sizeof(double) * reps);
  double *bc = malloc(sizeof(double) * reps), *ec = malloc(sizeof(double) * reps);
  for (long r = -1; r < reps; ++r) { /* r = -1: warm-up */
    double c0 = cpu_ns(), t0 = now_ns();
    for (long i = 0; i < calls; ++i) {
      row[i & 7] = (double)(i & 15);
      ps_model_predict_row(&y, 1, m, row, info.num_features, NULL, err);
      sink += y;
    }
    double t1 = now_ns(), c1 = cpu_ns();
    for (long i = 0; i < calls; ++i) {
      row[i & 7] = (double)(i & 15);
      empty(&y, 1, m, row, info.num_features, NULL, err);
      sink += y;
    }
    double t2 = now_ns(), c2 = cpu_ns();
    if (r >= 0) {
      b[r] = (t1 - t0) / calls; e[r] = (t2 - t1) / calls;
      bc[r] = (c1 - c0) / calls; ec[r] = (c2 - c1) / calls;
    }
  }
  for (long r = 0; r < reps; ++r) printf("%s%.3f", r ? ", " : "", b[r]);
  printf("], \"bare_ns\": [");
  for (long r = 0; r < reps; ++r) printf("%s%.3f", r ? ", " : "", e[r]);
  printf("], \"binding_cpu_ns\": [");
  for (long r = 0; r < reps; ++r) printf("%s%.3f", r ? ", " : "", bc[r]);
  printf("], \"bare_cpu_ns\": [");
  for (long r = 0; r < reps; ++r) printf("%s%.3f", r ? ", " : "", ec[r]);
  printf("], \"checksum\": %.6g}\n", sink);
  ps_model_free(m);
  ps_error_free(err);
  return 0;
}
