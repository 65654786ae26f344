// The single-row fast path must not allocate. This program replaces malloc (the
// library's allocations, static libstdc++ included, all end in malloc) with a counting
// wrapper and checks that thousands of ps_model_predict_row calls add no allocation.
// A program of its own: a sanitizer's malloc and this one cannot both exist.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "polyscore/polyscore.h"

extern "C" void* __libc_malloc(size_t size);
static std::atomic<long> g_mallocs{0};
extern "C" void* malloc(size_t size) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}

static int check(const char* path, int num_features) {
  ps_model* model = nullptr;
  ps_error* err = nullptr;
  ps_error_create(&err);
  const long before_load = g_mallocs.load();
  if (ps_model_load_file(&model, path, nullptr, err) != PS_OK) {
    std::printf("FAIL %s: %s\n", path, ps_error_message(err));
    return 1;
  }
  if (g_mallocs.load() == before_load) {  // else this check could not see anything
    std::printf("FAIL %s: loading counted no allocation; the counter is not in effect\n", path);
    return 1;
  }
  double row[64] = {0}, out[16];
  ps_predict_options margin = PS_PREDICT_OPTIONS_INIT;
  margin.output = PS_OUTPUT_MARGIN;
  // Warm up once, so one-time initialisation is not counted.
  ps_model_predict_row(out, 16, model, row, num_features, nullptr, err);
  const long before = g_mallocs.load();
  double sum = 0;
  for (int i = 0; i < 5000; ++i) {
    row[i % num_features] = (i % 7) * 0.3 - 1.0;
    if (ps_model_predict_row(out, 16, model, row, num_features, i % 2 ? &margin : nullptr, err) != PS_OK) {
      std::printf("FAIL %s: %s\n", path, ps_error_message(err));
      return 1;
    }
    sum += out[0];
  }
  const long added = g_mallocs.load() - before;
  ps_model_free(model);
  ps_error_free(err);
  std::printf("%s %s: %ld allocations in 5000 predict_row calls (checksum %g)\n",
              added == 0 ? "ok  " : "FAIL", path, added, sum);
  return added == 0 ? 0 : 1;
}

int main() {
  const std::string dir = std::string(POLYSCORE_SOURCE_DIR) + "/tests/vectors/models/";
  int failed = 0;
  failed += check((dir + "xgb3_binary_logistic.json").c_str(), 5);
  failed += check((dir + "lgb4_multiclass.txt").c_str(), 5);
  failed += check((dir + "xgb3_categorical_partition.json").c_str(), 5);
  std::printf("%d passed, %d failed\n", 3 - failed, failed);
  return failed ? 1 : 0;
}
