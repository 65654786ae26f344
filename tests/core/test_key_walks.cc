// The walks by keys (heap and linked tables, predict/heap_walk.h and linked_walk.h) must give exactly what
// the general walk gives, on every conformance model and on rows made to hit the edges
// a key comparison could get wrong: values equal to a threshold and one step either
// side, -0.0 and +0.0, infinities, NaN, denormals, LightGBM's near-zero values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <vector>

#include "loaders/loaders.h"
#include "predict/key_encoding.h"
#include "predict/key_tables.h"
#include "predict/predictor.h"
#include "predict/tree_block_tables.h"
#include "test_rows.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_file;
using polyscore_test::rows_at_thresholds;
using polyscore_test::source_path;

enum class Walk { kGeneral, kHeap, kHeapAvx2, kHeapScalar, kLinked, kLinkedAvx2, kLinkedScalar };
const char* name(Walk walk) {
  switch (walk) {
    case Walk::kGeneral: return "general";
    case Walk::kHeap: return "heap";
    case Walk::kHeapAvx2: return "heap with AVX2 (top levels and ranks)";
    case Walk::kHeapScalar: return "heap without AVX2 or AVX-512 (walk and ranks)";
    case Walk::kLinked: return "linked";
    case Walk::kLinkedAvx2: return "linked with AVX2 (top levels and ranks)";
    case Walk::kLinkedScalar: return "linked without AVX2 or AVX-512 (walk and ranks)";
  }
  return "";
}

// The model with every table (prepare_all_tables), then with only the chosen walk's tables.
PreparedModel with_walk(const PreparedModel& prepared, Walk walk) {
  PreparedModel f = prepared;
  f.heap = HeapTables();
  f.linked = LinkedTables();
  // Single rows by these walks, not the tree block walk (test_tree_block_walk.cc).
  f.tree_blocks = TreeBlockTables();
  const bool heap = walk == Walk::kHeap || walk == Walk::kHeapAvx2 || walk == Walk::kHeapScalar;
  const bool linked = walk == Walk::kLinked || walk == Walk::kLinkedAvx2 || walk == Walk::kLinkedScalar;
  const bool avx2 = walk == Walk::kHeapAvx2 || walk == Walk::kLinkedAvx2;
  const bool scalar = walk == Walk::kHeapScalar || walk == Walk::kLinkedScalar;
  if (heap) key_walk::build_heap_tables(f);
  if (linked) key_walk::build_linked_tables(f);
  // A double model's ranks: counted with AVX2 instead of AVX-512, or found by a binary
  // search (where the CPU has no AVX2, prepare already chose that).
  if (scalar) f.ranks.counting = Simd::kScalar;
  if (avx2 && f.ranks.counting != Simd::kScalar) f.ranks.counting = Simd::kAvx2;
  // The AVX2 top levels where the model would get a vector walk (the linked walk's top
  // tables exist only then) and its category bitsets fit a 256-bit register.
  Simd& top = heap ? f.heap.top_levels : f.linked.top_levels;
  if (scalar) top = Simd::kScalar;
  const bool fits = !f.category_codes.any || f.category_codes.bitset_words() <= 8;
  if (avx2 && top != Simd::kScalar && fits) top = Simd::kAvx2;
  f.family = choose_walk(f);
  return f;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void expect_same_predictions(const PreparedModel& reference, const PreparedModel& tested,
                             const std::vector<double>& rows, const std::string& what) {
  const size_t nf = reference.forest->num_features;
  const size_t n = rows.size() / nf;
  const std::vector<float> rows32(rows.begin(), rows.end());
  for (OutputKind kind : {OutputKind::kValue, OutputKind::kMargin, OutputKind::kLeaf}) {
    PredictRequest request;
    request.kind = kind;
    const PredictPlan plan = plan_prediction(*reference.forest, request);
    std::vector<double> want(n * plan.values_per_row), got(want.size());
    predict_dense(reference, plan, rows.data(), n, want.data());
    predict_dense(tested, plan, rows.data(), n, got.data());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_TRUE(same(want[i], got[i])) << what << " kind " << int(kind) << " dense f64 at " << i
                                         << ": general walk " << want[i] << ", tested " << got[i];
    }
    std::vector<double> want32(want.size());
    predict_dense(reference, plan, rows32.data(), n, want32.data());
    predict_dense(tested, plan, rows32.data(), n, got.data());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_TRUE(same(want32[i], got[i])) << what << " kind " << int(kind) << " dense f32 at " << i;
    }
    if (reference.forest->num_features > kMaxRowFeatures) continue;
    std::vector<double> one(plan.values_per_row);
    for (size_t r = 0; r < std::min<size_t>(n, 64); ++r) {
      predict_row(tested, plan, rows.data() + r * nf, one.data());
      for (size_t k = 0; k < one.size(); ++k) {
        ASSERT_TRUE(same(want[r * one.size() + k], one[k])) << what << " row path, row " << r;
      }
    }
  }
}

TEST(KeyWalks, MatchTheGeneralWalkOnEveryConformanceModel) {
  const auto manifest =
      nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int heap_models = 0, linked_models = 0;
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    const PreparedModel prepared = prepare_all_tables(forest);
    const PreparedModel general = with_walk(prepared, Walk::kGeneral);
    const auto rows = rows_at_thresholds(forest, 300, 7);
    for (Walk walk : {Walk::kHeap, Walk::kHeapAvx2, Walk::kHeapScalar, Walk::kLinked, Walk::kLinkedAvx2,
                       Walk::kLinkedScalar}) {
      const PreparedModel tested = with_walk(prepared, walk);
      const bool linked = walk == Walk::kLinked || walk == Walk::kLinkedAvx2 || walk == Walk::kLinkedScalar;
      const bool usable = linked ? tested.linked.usable : tested.heap.usable;
      if (!usable) continue;
      if (walk == Walk::kHeap) ++heap_models;
      if (walk == Walk::kLinked) ++linked_models;
      expect_same_predictions(general, tested, rows, name(walk));
      if (HasFatalFailure()) return;
    }
  }
  std::printf("[ info ] %d models checked on the heap walk, %d on the linked walk\n", heap_models,
              linked_models);
  EXPECT_GT(heap_models, 50);
  EXPECT_GT(linked_models, 50);
}

TEST(KeyWalks, ALoadedModelKeepsOnlyItsWalksTablesAndScoresTheSame) {
  // prepare_model (what the C API keeps) frees what the chosen walk does not read; every
  // conformance model must score exactly as with all its tables, on every path.
  const auto manifest =
      nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int heap_models = 0, linked_models = 0;
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    if (forest.has_linear) continue;  // no trees, no tables (and no leaf output)
    const PreparedModel all = prepare_all_tables(forest);
    const PreparedModel kept = prepare_model(forest);
    ASSERT_EQ(kept.family, all.family);
    if (kept.walks_by_keys()) {
      EXPECT_TRUE(kept.walk.nodes.empty());
      EXPECT_TRUE(kept.used_nodes.empty());
      EXPECT_TRUE(kept.category_codes.word_of_node.empty());
    }
    if (kept.family == WalkFamily::kHeap) {
      ++heap_models;
      EXPECT_TRUE(kept.walk.leaf.empty());
      EXPECT_FALSE(kept.linked.usable);
    }
    if (kept.family == WalkFamily::kLinked) ++linked_models;
    expect_same_predictions(all, kept, rows_at_thresholds(forest, 100, 5), "released tables");
    if (HasFatalFailure()) return;
  }
  std::printf("[ info ] %d models on the heap walk, %d on the linked walk\n", heap_models, linked_models);
  EXPECT_GT(heap_models, 50);
  EXPECT_GT(linked_models, 0);
}

TEST(KeyWalks, SignedZeroThresholds) {
  // No trained model here has a -0.0 threshold, but nothing forbids one: x = +0.0 must
  // not count as greater than a threshold of -0.0.
  for (const char* model : {"models/xgb3_reg_squarederror.json", "models/lgb3_bigish_binary.txt"}) {
    SCOPED_TRACE(model);
    Forest forest = load_model(read_file(source_path(std::string("tests/vectors/") + model)), 0);
    int k = 0;
    for (Node& node : forest.nodes) {
      if (node.flags & (kLeaf | kCategorical)) continue;
      if (k % 3 == 0) node.threshold = -0.0;
      if (k % 3 == 1) node.threshold = 0.0;
      ++k;
    }
    const PreparedModel prepared = prepare_all_tables(forest);
    const PreparedModel general = with_walk(prepared, Walk::kGeneral);
    const auto rows = rows_at_thresholds(forest, 300, 11);
    ASSERT_TRUE(with_walk(prepared, Walk::kLinked).linked.usable);
    for (Walk walk : {Walk::kHeap, Walk::kHeapAvx2, Walk::kHeapScalar, Walk::kLinked, Walk::kLinkedAvx2,
                       Walk::kLinkedScalar}) {
      const PreparedModel tested = with_walk(prepared, walk);
      const bool linked = walk == Walk::kLinked || walk == Walk::kLinkedAvx2 || walk == Walk::kLinkedScalar;
      if (!linked && !tested.heap.usable) continue;  // too deep for the heap layout
      expect_same_predictions(general, tested, rows, name(walk));
    }
  }
}

// A double model's keys are ranks among its feature's thresholds (KeyRanks): checked
// against counting directly, at the sizes where the search's blocks of 16 keys and
// vectors of 8 fences end, by counting (AVX-512 and AVX2, where the CPU has them) and by
// binary search.
TEST(KeyWalks, RanksCountTheThresholdsBelow) {
  const std::vector<size_t> sizes = {0, 1, 7, 8, 15, 16, 17, 31, 32, 127, 128, 129, 255, 256, 300, 1000};
  Forest forest;
  forest.num_features = static_cast<uint32_t>(sizes.size());
  forest.arithmetic.float32 = false;
  PreparedModel model;
  model.forest = &forest;
  model.walk.usable = true;
  std::mt19937 rng(7);
  std::vector<std::vector<double>> thresholds(sizes.size());
  for (size_t f = 0; f < sizes.size(); ++f) {
    std::set<double> distinct;
    while (distinct.size() < sizes[f]) distinct.insert(std::normal_distribution<double>(0.0, 2.0)(rng));
    if (sizes[f] >= 4) {  // signed zeros and infinities among the thresholds
      distinct.erase(distinct.begin());
      distinct.insert(-0.0);
      distinct.erase(std::prev(distinct.end()));
      distinct.insert(std::numeric_limits<double>::infinity());
    }
    thresholds[f].assign(distinct.begin(), distinct.end());
    for (double t : thresholds[f]) {  // each split twice: thresholds repeat in real models
      for (int copy = 0; copy < 2; ++copy) {
        WalkNode w{};
        w.threshold = t;
        w.child = static_cast<uint32_t>(model.walk.nodes.size() + 1);  // not a leaf
        w.feature_flags = static_cast<uint32_t>(f);
        model.walk.nodes.push_back(w);
      }
    }
  }
  key_walk::build_key_ranks(model);
  ASSERT_TRUE(model.ranks.used);
  const size_t nf = forest.num_features;
  // As prepared (AVX-512 or AVX2 where the CPU has them), AVX2, and the binary search.
  const Simd prepared = model.ranks.counting;
  for (Simd counting : {prepared, prepared == Simd::kScalar ? Simd::kScalar : Simd::kAvx2, Simd::kScalar}) {
    model.ranks.counting = counting;
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<double> row(nf);
      for (size_t f = 0; f < nf; ++f) {
        const auto& t = thresholds[f];
        const uint32_t pick = rng() % 4;
        if (t.empty() || pick == 0) {
          row[f] = std::normal_distribution<double>(0.0, 3.0)(rng);
        } else {
          const double near = t[rng() % t.size()];
          row[f] = pick == 1 ? near : std::nextafter(near, pick == 2 ? -INFINITY : INFINITY);
        }
        if (trial == 0) row[f] = -INFINITY;
        if (trial == 1) row[f] = INFINITY;
        if (trial == 2) row[f] = 0.0;
      }
      std::vector<uint32_t> keys(2 * nf);
      key_walk::row_keys(model, row.data(), keys.data());
      for (size_t f = 0; f < nf; ++f) {
        if (thresholds[f].empty()) continue;  // nothing reads that key
        const double v = row[f] == 0.0 ? 0.0 : row[f];  // -0.0 == +0.0
        const uint32_t below = static_cast<uint32_t>(
            std::count_if(thresholds[f].begin(), thresholds[f].end(), [&](double t) { return t < v; }));
        ASSERT_EQ(keys[f], below) << "feature with " << sizes[f] << " thresholds, value " << row[f]
                                  << " (counting: 0 search, 1 AVX2, 2 AVX-512: " << int(counting) << ")";
        ASSERT_EQ(keys[f + nf], below);
      }
    }
  }
}

// Fills a stretch of the stack below the caller with all-ones bytes, as a helper thread's
// stack may hold from earlier work: a walk that reads a stack slot it never wrote then
// gets node index 0xffffffff instead of the zeros a fresh stack tends to give.
__attribute__((noinline)) void dirty_the_stack() {
  volatile unsigned char junk[256 * 1024];
  for (size_t i = 0; i < sizeof(junk); ++i) junk[i] = 0xff;
}

TEST(KeyWalks, LinkedWalkOfAPartBlockReadsOnlyNodesItStartedFrom) {
  // A block of n rows is walked kRowLanes (8) rows at a time, so the lanes past n are
  // walked too (their results are dropped); they must start from a real node, not from
  // whatever the stack held. Rows counts that are not a multiple of 8, on a dirty stack.
  const Forest forest = load_model(read_file(source_path("tests/vectors/models/lgb4_bigish_binary.txt")), 0);
  const PreparedModel prepared = prepare_all_tables(forest);
  const PreparedModel linked = with_walk(prepared, Walk::kLinked);
  ASSERT_TRUE(linked.linked.usable);
  // Trees deeper than the vector top levels, so the lanes take steps from where they start.
  ASSERT_GT(*std::max_element(prepared.walk.depth.begin(), prepared.walk.depth.end()), kLinkedTopLevels);
  PredictRequest request;
  const PredictPlan plan = plan_prediction(forest, request);
  const std::vector<double> rows = rows_at_thresholds(forest, 64, 7);
  for (size_t n : {1, 3, 7, 9, 63}) {
    std::vector<double> want(n * plan.values_per_row), got(want.size());
    predict_dense(prepared, plan, rows.data(), n, want.data());
    dirty_the_stack();
    predict_dense(linked, plan, rows.data(), n, got.data());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_TRUE(same(want[i], got[i])) << n << " rows, at " << i;
  }
}

TEST(KeyWalks, LinkedWalkReadsEachCategoricalSplitsOwnBitset) {
  // The linked tables keep no per-node category reference: a categorical split's key
  // names its bitset and its offset carries a flag (LinkedNode). Every category of every
  // categorical feature (and values that are none, and NaN), with the numeric features
  // at edge values, through batches and single rows, with and without the vector top
  // levels, without the bitvector tables (which would take these models' batches and rows
  // on some CPUs): a split that read another split's bitset, or a numeric split or leaf
  // read as categorical, would change some leaf or value.
  int categorical_models = 0;
  for (const char* model : {"lgb3_categorical.txt", "lgb4_categorical.txt", "lgb20_categorical.txt",
                            "lgb4_categorical_binary.txt", "xgb3_categorical_partition.json",
                            "xgb3_categorical_multi_softprob.json"}) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path(std::string("tests/vectors/models/") + model)), 0);
    const PreparedModel prepared = prepare_all_tables(forest);
    ASSERT_TRUE(prepared.category_codes.any);
    std::set<uint32_t> categorical_features;
    size_t categorical_splits = 0;
    for (const Node& node : forest.nodes) {
      if ((node.flags & kLeaf) || !(node.flags & kCategorical)) continue;
      categorical_features.insert(node.feature);
      ++categorical_splits;
    }
    ASSERT_GT(categorical_splits, 1u);  // splits whose bitsets could be mixed up
    const PreparedModel general = with_walk(prepared, Walk::kGeneral);
    // Rows of every code: feature k of the categorical ones takes value (r + 7k) of the
    // list below, so the features do not move in step; the others keep edge values.
    std::vector<double> values = {-1.0, std::numeric_limits<double>::quiet_NaN(), 1e9};
    for (uint32_t c = 0; c <= prepared.category_codes.codes; ++c) values.push_back(c);
    const size_t nf = forest.num_features;
    const size_t n = 2 * values.size();
    std::vector<double> rows = rows_at_thresholds(forest, n, 11);
    for (size_t r = 0; r < n; ++r) {
      size_t k = 0;
      for (uint32_t f : categorical_features) rows[r * nf + f] = values[(r + 7 * k++) % values.size()];
    }
    for (Walk walk : {Walk::kLinked, Walk::kLinkedAvx2, Walk::kLinkedScalar}) {
      PreparedModel tested = with_walk(prepared, walk);
      ASSERT_TRUE(tested.linked.usable) << name(walk);
      tested.bitvector = BitvectorTables();
      ASSERT_EQ(tested.family, WalkFamily::kLinked);
      // expect_same_predictions checks single rows on its first 64 rows: every row in turn.
      for (size_t first = 0; first < n; first += 64) {
        const size_t count = std::min<size_t>(64, n - first);
        expect_same_predictions(general, tested,
                                std::vector<double>(rows.begin() + first * nf, rows.begin() + (first + count) * nf),
                                name(walk));
        if (HasFatalFailure()) return;
      }
    }
    ++categorical_models;
  }
  EXPECT_EQ(categorical_models, 6);
}

TEST(KeyWalks, ChosenByModelShape) {
  // A shallow XGBoost model takes the heap walk; with it unavailable the linked walk is
  // built instead; categorical splits are walked by keys too, with category codes.
  const Forest xgb_forest = load_model(read_file(source_path("tests/vectors/models/xgb3_reg_squarederror.json")), 0);
  const PreparedModel xgb = prepare_all_tables(xgb_forest);
  EXPECT_TRUE(xgb.heap.usable);
  EXPECT_EQ(xgb.family, WalkFamily::kHeap);  // what every call of this model takes
  EXPECT_FALSE(xgb.ranks.used);  // float32: keys are the floats' bits
  // The vector top levels the CPU allows must be what the tests above checked: AVX-512
  // where the CPU has it, else AVX2, unless the environment turns them off.
#if defined(POLYSCORE_PORTABLE) || !defined(__x86_64__)
  const bool avx512 = false, avx2 = false;  // a build without the vector walks
#else
  auto set = [](const char* name) { return std::getenv(name) && *std::getenv(name); };
  const bool avx2 = __builtin_cpu_supports("avx2") && !set("POLYSCORE_NO_AVX2");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                      !set("POLYSCORE_NO_AVX512");
#endif
  const Simd expected_top = avx512 ? Simd::kAvx512
                                    : avx2 ? Simd::kAvx2
                                           : Simd::kScalar;
  EXPECT_EQ(xgb.heap.top_levels, expected_top);
  // tests/cross/x86_cpus.sh runs this binary on CPUs emulated by qemu-user and says which
  // instruction set their cpuid must lead to, so that a CPU model that does not give what
  // it is meant to (an AVX2 CPU that still shows AVX-512) fails instead of passing.
  if (const char* want = std::getenv("POLYSCORE_EXPECT_TOP_LEVELS")) {
    const char* got = expected_top == Simd::kAvx512 ? "avx512" : expected_top == Simd::kAvx2 ? "avx2" : "scalar";
    EXPECT_STREQ(got, want) << "the CPU's instruction sets are not the ones this run is for";
  }
  PreparedModel deep = xgb;
  deep.heap = HeapTables();
  key_walk::build_linked_tables(deep);
  EXPECT_EQ(deep.linked.top_levels, expected_top);
  EXPECT_FALSE(xgb.linked.usable);
  const Forest lgb_forest = load_model(read_file(source_path("tests/vectors/models/lgb3_binary.txt")), 0);
  const PreparedModel lgb = prepare_all_tables(lgb_forest);
  EXPECT_TRUE(lgb.heap.usable || lgb.linked.usable);
  EXPECT_TRUE(lgb.walks_by_keys());
  EXPECT_TRUE(lgb.ranks.used);  // double: keys are ranks among the thresholds
  const Forest cat_forest = load_model(read_file(source_path("tests/vectors/models/lgb3_categorical.txt")), 0);
  const PreparedModel cat = prepare_all_tables(cat_forest);
  EXPECT_TRUE(cat.category_codes.any);
  EXPECT_TRUE(cat.heap.usable || cat.linked.usable);
  // zero_as_missing: only the general walk reads zeros as missing.
  const Forest zeros_forest = load_model(read_file(source_path("tests/vectors/models/lgb4_missing_zero_as_missing.txt")), 0);
  const PreparedModel zeros = prepare_all_tables(zeros_forest);
  EXPECT_FALSE(zeros.heap.usable);
  EXPECT_FALSE(zeros.linked.usable);
  EXPECT_EQ(zeros.family, WalkFamily::kGeneral);
  // Without the key tables, a model whose NaN is missing at every split takes the
  // fixed-depth walk over walk nodes.
  EXPECT_EQ(with_walk(xgb, Walk::kGeneral).family, WalkFamily::kFixedDepth);
}

}  // namespace
}  // namespace polyscore
