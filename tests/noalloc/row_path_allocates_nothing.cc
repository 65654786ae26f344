// The single-row fast path must not allocate. This program replaces malloc (the
// library's allocations, static libstdc++ included, all end in malloc) with a counting
// wrapper and checks that thousands of ps_model_predict_row calls add no allocation.
// A program of its own: a sanitizer's malloc and this one cannot both exist.
//
// predict.h promises "allocates nothing" up to 2,048 features and 256 margins, and says
// that larger models allocate. Both halves are checked at the edges (2,048 / 2,049
// features, 256 / 257 classes) with models written here, so the header stays exact if
// either limit moves. So are the other cases it names: every output kind but
// contributions and any iteration range allocate nothing; contributions and a one-row
// CSR call allocate; a sparse row scored with its absent entries filled in gives what
// the CSR call gives.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

// An XGBoost JSON model of `trees` stumps over num_feature features; tree t splits on
// feature (t * 97) % num_feature (tree 0 on the last one) and adds to class t % num_class.
// num_class 1 is a regression model, more is multi:softprob.
static std::string stump_model(unsigned num_feature, unsigned num_class, unsigned trees) {
  std::string list, info;
  for (unsigned t = 0; t < trees; ++t) {
    const unsigned f = t == 0 ? num_feature - 1 : (t * 97) % num_feature;
    const std::string leaf = std::to_string(0.125 * (1 + t % 5));
    list += (t ? ", " : "") + std::string(R"({"base_weights": [0, 0, 0], "default_left": [1, 0, 0], "id": )") +
            std::to_string(t) + R"(, "left_children": [1, -1, -1], "right_children": [2, -1, -1],
      "parents": [2147483647, 0, 0], "split_conditions": [0.25, -)" + leaf + ", " + leaf +
            R"(], "split_indices": [)" + std::to_string(f) + R"(, 0, 0], "split_type": [0, 0, 0],
      "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0], "categories": [], "categories_nodes": [],
      "categories_segments": [], "categories_sizes": [], "tree_param": {"num_deleted": "0",
      "num_feature": ")" + std::to_string(num_feature) + R"(", "num_nodes": "3", "size_leaf_vector": "1"}})";
    info += (t ? ", " : "") + std::to_string(t % num_class);
  }
  const std::string objective = num_class > 1 ? "multi:softprob" : "reg:squarederror";
  return R"({"learner": {"attributes": {}, "feature_names": [], "feature_types": [],
    "gradient_booster": {"name": "gbtree", "model": {"gbtree_model_param": {"num_parallel_tree": "1",
      "num_trees": ")" + std::to_string(trees) + R"("}, "tree_info": [)" + info + R"(], "trees": [)" + list +
         R"(]}}, "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": ")" +
         std::to_string(num_class > 1 ? num_class : 0) + R"(", "num_feature": ")" + std::to_string(num_feature) +
         R"(", "num_target": "1"}, "objective": {"name": ")" + objective +
         R"(", "reg_loss_param": {"scale_pos_weight": "1"}}}, "version": [2, 1, 3]})";
}

// Scores 500 rows of a generated model one by one, counting allocations, and checks the
// results against ps_model_predict_dense (outside the counted part). allocation_free:
// what predict.h promises for this model.
static int check_edge(const char* name, unsigned num_feature, unsigned num_class, bool allocation_free) {
  const std::string json = stump_model(num_feature, num_class, num_class > 1 ? num_class : 20);
  ps_model* model = nullptr;
  ps_error* err = nullptr;
  ps_error_create(&err);
  if (ps_model_load_buffer(&model, json.data(), json.size(), nullptr, err) != PS_OK) {
    std::printf("FAIL %s: %s\n", name, ps_error_message(err));
    return 1;
  }
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_model_info_get(&info, model, err);
  if (info.num_features != num_feature || info.num_margins != (num_class > 1 ? num_class : 1)) {
    std::printf("FAIL %s: the model has %u features and %u margins\n", name, info.num_features, info.num_margins);
    return 1;
  }
  const size_t n_rows = 500, per_row = info.num_outputs;
  std::vector<double> rows(n_rows * num_feature), got(n_rows * per_row), want(n_rows * per_row);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = (i * 7919 % 13) * 0.05 - 0.3;
  ps_model_predict_row(got.data(), per_row, model, rows.data(), num_feature, nullptr, err);  // warm-up
  const long before = g_mallocs.load();
  int failures = 0;
  for (size_t r = 0; r < n_rows; ++r) {
    failures += ps_model_predict_row(got.data() + r * per_row, per_row, model, rows.data() + r * num_feature,
                                     num_feature, nullptr, err) != PS_OK;
  }
  const long added = g_mallocs.load() - before;
  ps_model_predict_dense(want.data(), want.size(), model, rows.data(), PS_DTYPE_FLOAT64, n_rows, num_feature,
                         nullptr, err);
  const bool same = std::memcmp(got.data(), want.data(), got.size() * sizeof(double)) == 0;
  ps_model_free(model);
  ps_error_free(err);
  const bool ok = failures == 0 && same && (allocation_free ? added == 0 : added > 0);
  std::printf("%s %s (%u features, %u margins): %ld allocations in %zu predict_row calls, "
              "predict.h says %s; results %s predict_dense\n",
              ok ? "ok  " : "FAIL", name, num_feature, info.num_margins, added, n_rows,
              allocation_free ? "none" : "some", same ? "equal" : "DIFFER FROM");
  return ok ? 0 : 1;
}

// Counts the allocations of 200 calls of `call` (after one warm-up call, so one-time
// initialisation is not counted) and checks them against what predict.h says of that
// call: none when allocation_free, some otherwise (so the header stays exact both ways).
template <typename Call>
static int check_call(const char* what, bool allocation_free, Call&& call) {
  if (call() != PS_OK) {
    std::printf("FAIL %s: the call fails (check the output buffer's size)\n", what);
    return 1;
  }
  const long before = g_mallocs.load();
  int failures = 0;
  for (int i = 0; i < 200; ++i) failures += call() != PS_OK;
  const long added = g_mallocs.load() - before;
  const bool ok = failures == 0 && (allocation_free ? added == 0 : added > 0);
  std::printf("%s %s: %ld allocations in 200 calls, predict.h says %s\n", ok ? "ok  " : "FAIL", what, added,
              allocation_free ? "none" : "some");
  return ok ? 0 : 1;
}

// The single-row call with each option predict.h names, and the calls it says are not
// allocation-free (contributions, a one-row CSR matrix), on a 5-feature model.
static int check_options_and_other_paths(const std::string& path) {
  ps_model* model = nullptr;
  ps_error* err = nullptr;
  ps_error_create(&err);
  if (ps_model_load_file(&model, path.c_str(), nullptr, err) != PS_OK) {
    std::printf("FAIL %s: %s\n", path.c_str(), ps_error_message(err));
    return 1;
  }
  const double row[5] = {0.5, NAN, -1.0, 2.0, 0.0};
  const int64_t indptr[2] = {0, 3};
  const int32_t indices[3] = {0, 2, 3};
  const double values[3] = {0.5, -1.0, 2.0};
  double out[256];  // leaf output: one value per tree
  ps_predict_options leaf = PS_PREDICT_OPTIONS_INIT, range = PS_PREDICT_OPTIONS_INIT,
                     threads = PS_PREDICT_OPTIONS_INIT, contrib = PS_PREDICT_OPTIONS_INIT;
  leaf.output = PS_OUTPUT_LEAF;
  range.iteration_begin = 1;
  range.iteration_end = 3;
  threads.num_threads = 4;  // ignored by the single-row call
  contrib.output = PS_OUTPUT_CONTRIB;
  int failed = 0;
  failed += check_call("predict_row, leaf output", true,
                       [&] { return ps_model_predict_row(out, 256, model, row, 5, &leaf, err); });
  failed += check_call("predict_row, iterations 1:3", true,
                       [&] { return ps_model_predict_row(out, 256, model, row, 5, &range, err); });
  failed += check_call("predict_row, num_threads 4", true,
                       [&] { return ps_model_predict_row(out, 256, model, row, 5, &threads, err); });
  const double offset[1] = {0.25};  // ABI 3: the row's base_margin
  ps_predict_options with_offset = PS_PREDICT_OPTIONS_INIT;
  with_offset.base_margin = offset;
  with_offset.base_margin_len = 1;
  failed += check_call("predict_row, base_margin", true,
                       [&] { return ps_model_predict_row(out, 256, model, row, 5, &with_offset, err); });
  failed += check_call("predict_row, contributions", false,
                       [&] { return ps_model_predict_row(out, 256, model, row, 5, &contrib, err); });
  failed += check_call("predict_csr, one row", false, [&] {
    return ps_model_predict_csr(out, 256, model, indptr, indices, values, PS_DTYPE_FLOAT64, 1, 5, nullptr, err);
  });
  // predict.h: a sparse row scored here, its absent entries NaN (an XGBoost model), gives
  // what predict_csr gives.
  const double filled[5] = {0.5, NAN, -1.0, 2.0, NAN};
  double sparse_out = 0, filled_out = 1;
  ps_model_predict_csr(&sparse_out, 1, model, indptr, indices, values, PS_DTYPE_FLOAT64, 1, 5, nullptr, err);
  ps_model_predict_row(&filled_out, 1, model, filled, 5, nullptr, err);
  const bool same = std::memcmp(&sparse_out, &filled_out, sizeof(double)) == 0;
  std::printf("%s a sparse row, absent entries NaN: predict_row %s predict_csr (%.17g, %.17g)\n",
              same ? "ok  " : "FAIL", same ? "equals" : "DIFFERS FROM", filled_out, sparse_out);
  failed += !same;
  ps_model_free(model);
  ps_error_free(err);
  return failed;
}

int main() {
  const std::string dir = std::string(POLYSCORE_SOURCE_DIR) + "/tests/vectors/models/";
  int failed = 0;
  failed += check((dir + "xgb3_binary_logistic.json").c_str(), 5);
  failed += check((dir + "lgb4_multiclass.txt").c_str(), 5);
  failed += check((dir + "xgb3_categorical_partition.json").c_str(), 5);
  failed += check_edge("2048 features", 2048, 1, true);
  failed += check_edge("2049 features", 2049, 1, false);
  failed += check_edge("256 classes", 4, 256, true);
  failed += check_edge("257 classes", 4, 257, false);
  failed += check_options_and_other_paths(dir + "xgb3_binary_logistic.json");
  std::printf("%d passed, %d failed\n", 14 - failed, failed);
  return failed ? 1 : 0;
}
