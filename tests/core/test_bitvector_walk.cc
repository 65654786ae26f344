// The bitvector walk (predict/bitvector_walk.h) must give exactly what the heap and
// linked walks give (test_key_walks.cc proves those equal to the general walk), on every
// conformance model it can take, with AVX-512, AVX2 and the portable code, on rows made to hit
// thresholds, signed zeros, NaN and infinities, for block sizes that fill 1 to 4 groups
// of 16 rows and leave part of one empty. It is taken only where the rule of
// bitvector_tables.cc says.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loaders/loaders.h"
#include "predict/bitvector_tables.h"
#include "predict/cpu_features.h"
#include "predict/predictor.h"
#include "predict/tree_block_tables.h"
#include "test_rows.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_file;
using polyscore_test::rows_at_thresholds;
using polyscore_test::ScopedEnv;
using polyscore_test::source_path;

bool cpu_has_avx2() {
#if defined(POLYSCORE_PORTABLE) || !defined(__x86_64__)
  return false;  // a build without the AVX2 code
#else
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#endif
}

// Which code batches take: the CPU's best (AVX-512, else AVX2, else portable), AVX2
// (where the CPU has it; else the portable code) or the portable code.
enum class Code { kBest, kAvx2, kPortable };

// The model with every table (prepare_all_tables: the bitvector tables are built from
// the walk nodes, which prepare_model frees), and bitvector tables built as if
// POLYSCORE_BITVECTOR_WALK=1, batches taking `code`. With AVX2 they are built as a CPU
// without AVX-512 builds them (a categorical model's are an AVX2 form of their own).
PreparedModel with_bitvector(const PreparedModel& prepared, Code code) {
  PreparedModel tested = prepare_all_tables(*prepared.forest);
  {
    ScopedEnv forced("POLYSCORE_BITVECTOR_WALK", "1");
    // AVX2's code is tested even where the environment turns it off (POLYSCORE_NO_AVX2=1).
    std::optional<ScopedEnv> no_avx512, avx2;
    if (code == Code::kAvx2) {
      no_avx512.emplace("POLYSCORE_NO_AVX512", "1");
      avx2.emplace("POLYSCORE_NO_AVX2", nullptr);
    }
    build_bitvector_tables(tested, true);
  }
  // The portable code takes no categorical split (bitvector_tables.cc).
  if (code == Code::kPortable && tested.bitvector.categorical) tested.bitvector = BitvectorTables();
  if (code != Code::kBest) tested.bitvector.avx512 = false;
  if (code == Code::kAvx2) tested.bitvector.avx2 = cpu_has_avx2();
  if (code == Code::kPortable) tested.bitvector.avx2 = false;
  return tested;
}
PreparedModel with_bitvector(const PreparedModel& prepared, bool best) {
  return with_bitvector(prepared, best ? Code::kBest : Code::kPortable);
}
const char* code_name(const PreparedModel& tested) {
  return tested.bitvector.avx512 ? "AVX-512" : tested.bitvector.avx2 ? "AVX2" : "portable";
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void expect_same_batches(const PreparedModel& reference, const PreparedModel& tested,
                         const std::vector<double>& rows, const char* what) {
  const size_t nf = reference.forest->num_features;
  const std::vector<float> rows32(rows.begin(), rows.end());
  for (OutputKind kind : {OutputKind::kValue, OutputKind::kLeaf}) {
    PredictRequest request;
    request.kind = kind;
    const PredictPlan plan = plan_prediction(*reference.forest, request);
    // 5 rows walk row by row (single rows take it with AVX-512 only); 16 to 64 rows fill
    // one to four groups of 16; 300 = four blocks of 64 and one of 44; 70 = 64 and 6 (a
    // batch's short block: by the batch walk where only batches take it, else row by row).
    for (size_t n : {5, 16, 17, 31, 40, 64, 70, 300}) {
      std::vector<double> want(n * plan.values_per_row), got(want.size());
      predict_dense(reference, plan, rows.data(), n, want.data());
      predict_dense(tested, plan, rows.data(), n, got.data());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_TRUE(same(want[i], got[i])) << what << ", kind " << int(kind) << ", " << n << " rows, at " << i
                                           << ": " << want[i] << " != " << got[i];
      }
      for (size_t r = 0; r < std::min<size_t>(n, 20); ++r) {
        predict_row(tested, plan, rows.data() + r * nf, got.data());
        for (size_t k = 0; k < plan.values_per_row; ++k) {
          ASSERT_TRUE(same(want[r * plan.values_per_row + k], got[k])) << what << ", kind " << int(kind)
                                                                       << ", predict_row, row " << r;
        }
      }
      predict_dense(tested, plan, rows32.data(), n, got.data());
      predict_dense(reference, plan, rows32.data(), n, want.data());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_TRUE(same(want[i], got[i])) << what << " (float32 rows), kind " << int(kind) << " at " << i;
      }
    }
  }
}

TEST(BitvectorWalk, MatchesTheKeyWalksOnEveryConformanceModel) {
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int walked = 0, categorical = 0, categorical_batches = 0, avx2_categorical_batches = 0;
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    // Every table kept: prepare_model drops the linked or heap tables where the bitvector
    // walk takes single rows too, and the reference walks by them.
    PreparedModel reference = prepare_all_tables(forest);
    reference.bitvector = BitvectorTables();
    reference.tree_blocks = TreeBlockTables();  // the key walks
    const PreparedModel tested = with_bitvector(reference, true);
    const auto rows = rows_at_thresholds(forest, 300, 7);
    // A model with categorical splits: single rows (with AVX-512), and batches where its
    // sets fit 128 bits and its keys 16 bits (else batches keep theirs).
    const bool walked_best = tested.bitvector.usable || tested.bitvector.walks_rows();
    if (walked_best) {
      ++walked;
      categorical += tested.bitvector.categorical;
      categorical_batches += tested.bitvector.categorical && tested.bitvector.usable;
      expect_same_batches(reference, tested, rows, code_name(tested));
      if (HasFatalFailure()) return;
    }
    for (Code code : {Code::kAvx2, Code::kPortable}) {
      const PreparedModel other = with_bitvector(reference, code);
      // A categorical model's batches with AVX2 (the same models; checked even where the
      // environment turns AVX2 off and the best code takes none of them).
      avx2_categorical_batches += code == Code::kAvx2 && other.bitvector.categorical && other.bitvector.usable;
      if (!other.bitvector.usable) continue;  // a categorical model's, portable
      if (walked_best && other.bitvector.avx2 == tested.bitvector.avx2 && !tested.bitvector.avx512) continue;
      expect_same_batches(reference, other, rows, code_name(other));
      if (HasFatalFailure()) return;
    }
  }
  std::printf("[ info ] %d models checked on the bitvector walk, %d of them categorical, %d of "
              "those in batches too; %d categorical models' batches with AVX2\n",
              walked, categorical, categorical_batches, avx2_categorical_batches);
  EXPECT_GT(walked, 100);
  if (avx512cd_allowed()) {
    EXPECT_GE(categorical, 20);
    EXPECT_GE(categorical_batches, 7);
  }
  // The same categorical models' batches take the AVX2 walk.
  if (cpu_has_avx2()) {
    EXPECT_GE(avx2_categorical_batches, 7);
  }
}

// A LightGBM-like model of 20 balanced trees (enough for the single-row walks) of
// `leaves` leaves, their splits testing features 0, 1, ..., features - 1 in turn, NaN
// missing, half the splits sending it left.
Forest balanced_forest(uint32_t leaves, uint32_t features) {
  Forest forest;
  forest.format = ModelFormat::kLightGBMText;
  forest.num_features = features;
  uint32_t splits = 0;
  forest.base_margin = {0.5};
  for (uint32_t t = 0; t < 20; ++t) {
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 0, 0, 0, 1.0});  // node_begin, num_nodes, output, leaf_begin, weight
    forest.iteration_begin.push_back(t);
    forest.nodes.push_back({});
    // Node at (tree-local) index i covers leaves [lo, hi); children are allocated in pairs.
    auto build = [&](auto& self, uint32_t i, uint32_t lo, uint32_t hi, uint32_t depth) -> void {
      Node& node = forest.nodes[root + i];
      if (hi - lo == 1) {
        node.flags = kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
        forest.leaf_values.push_back(std::ldexp(1.0, -int(lo)) + t);
        forest.leaf_ids.push_back(static_cast<int32_t>(lo));
        return;
      }
      const uint32_t mid = (lo + hi) / 2, left = static_cast<uint32_t>(forest.nodes.size()) - root;
      node.feature = splits++ % features;
      node.threshold = (double(mid) - leaves / 2.0) / 8.0 + 0.1 * t;
      node.flags = kNanIsMissing | (i % 2 ? kDefaultLeft : 0);
      node.child_or_leaf = left;
      forest.nodes.push_back({});
      forest.nodes.push_back({});
      self(self, left, lo, mid, depth + 1);
      self(self, left + 1, mid, hi, depth + 1);
    };
    build(build, 0, 0, leaves, 0);
    forest.trees.back().num_nodes = static_cast<uint32_t>(forest.nodes.size()) - root;
  }
  forest.iteration_begin.push_back(20);
  return forest;
}

std::vector<double> random_rows(size_t n, uint32_t features) {
  std::mt19937 rng(3);
  std::vector<double> rows(n * features);
  for (double& v : rows) {
    v = rng() % 10 == 0 ? std::numeric_limits<double>::quiet_NaN() : std::normal_distribution<double>(0.0, 4.0)(rng);
  }
  return rows;
}

TEST(BitvectorWalk, TakesTreesOfAtMost64Leaves) {
  const Forest fits = balanced_forest(64, 3);
  validate(fits);
  const PreparedModel reference = prepare_model(fits);
  const PreparedModel tested = with_bitvector(reference, true);
  ASSERT_TRUE(tested.bitvector.usable);
  const auto rows = random_rows(300, 3);
  expect_same_batches(reference, tested, rows, code_name(tested));
  expect_same_batches(reference, with_bitvector(reference, Code::kAvx2), rows, "AVX2");
  expect_same_batches(reference, with_bitvector(reference, false), rows, "portable");
  const Forest too_big = balanced_forest(65, 3);
  validate(too_big);
  ASSERT_TRUE(prepare_model(too_big).walks_by_keys());
  EXPECT_FALSE(with_bitvector(prepare_model(too_big), true).bitvector.usable);
}

TEST(BitvectorWalk, SingleRowsReadEveryUsedFeature) {
  // A single row's keys sit in 2, 4 or 8 registers by the count of used features (at
  // most 16, 32, 64; 16-bit keys: 2 or 4 registers, at most 32, 64); past 64 single
  // rows keep the other walks.
  for (uint32_t features : {3u, 16u, 17u, 32u, 33u, 50u, 64u, 65u}) {
    SCOPED_TRACE(features);
    const Forest forest = balanced_forest(64, features);
    validate(forest);
    const PreparedModel reference = prepare_model(forest);
    ASSERT_EQ(reference.num_used_features(), features);
    const PreparedModel tested = with_bitvector(reference, true);
    ASSERT_TRUE(tested.bitvector.usable);
    EXPECT_EQ(tested.bitvector.walks_rows(), tested.bitvector.avx512 && features <= kBitvectorRowFeatures);
    // A double model's ranks fit 16 bits: rows take the 16-bit keys, else the 32-bit ones.
    EXPECT_EQ(tested.bitvector.rows16, tested.bitvector.walks_rows());
    const auto rows = random_rows(300, features);
    expect_same_batches(reference, tested, rows, "AVX-512, 16-bit row and block keys");
    // Batches with AVX-512 narrow a double model's block keys to 16 bits the same way.
    EXPECT_EQ(tested.bitvector.batches16, tested.bitvector.avx512);
    PreparedModel keys32 = tested;
    keys32.bitvector.rows16 = false;
    keys32.bitvector.batches16 = false;
    expect_same_batches(reference, keys32, rows, "AVX-512, 32-bit row and block keys");
    // Batches with AVX2: the row keys of up to 130 used features flipped for signed compares.
    expect_same_batches(reference, with_bitvector(reference, Code::kAvx2), rows, "AVX2");
  }
}

TEST(BitvectorWalk, SingleRowsTestCategoricalSplitsOfEverySetSize) {
  // Feature 0 of a balanced model made categorical (LightGBM's flags): sets of 1 to 3
  // words take the vector form (8 splits per step, codes up to 97 in two 64-bit halves;
  // batches too, 32 rows per step with AVX-512, 8 with AVX2: codes up to 97 pick any of
  // the set's 16 bytes), 4 words (codes up to 129) the scalar one (single rows only,
  // AVX-512); both must give the linked walk's leaves.
  for (uint32_t words : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(words);
    Forest forest = balanced_forest(64, 4);
    std::mt19937 rng(words);
    for (Node& node : forest.nodes) {
      if ((node.flags & kLeaf) || node.feature != 0) continue;
      node.flags = kCategorical | kCatInSetGoesLeft | kNanIsMissing;
      node.category = {static_cast<uint32_t>(forest.category_words.size()), words};
      for (uint32_t w = 0; w < words; ++w) forest.category_words.push_back(rng());
    }
    validate(forest);
    PreparedModel reference = prepare_all_tables(forest);
    ASSERT_TRUE(reference.category_codes.any);
    reference.bitvector = BitvectorTables();
    reference.tree_blocks = TreeBlockTables();  // the key walks
    auto rows = random_rows(300, 4);
    for (size_t r = 0; r < 300; ++r) {
      const uint32_t pick = rng() % 8;
      rows[r * 4] = pick == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : pick == 1 ? -1.0 - rng() % 3
                                : double(rng() % (32 * words + 4));
    }
    // Batches with AVX2: the vector form's sets only; single rows keep the heap walk.
    if (cpu_has_avx2()) {
      const PreparedModel avx2 = with_bitvector(reference, Code::kAvx2);
      EXPECT_EQ(avx2.bitvector.usable, words <= 3);
      EXPECT_EQ(avx2.bitvector.category_vector, words <= 3);
      EXPECT_FALSE(avx2.bitvector.walks_rows());
      if (avx2.bitvector.usable) expect_same_batches(reference, avx2, rows, "categorical batches, AVX2");
      // So too as loaded without AVX-512: built at the first batch, the heap tables kept
      // for single rows.
      ScopedEnv forced("POLYSCORE_BITVECTOR_WALK", "1"), no_avx512("POLYSCORE_NO_AVX512", "1"),
          allowed("POLYSCORE_NO_AVX2", nullptr);
      const PreparedModel loaded = prepare_model(forest);
      EXPECT_EQ(loaded.batches_take_bitvector(), words <= 3);
      EXPECT_FALSE(loaded.bitvector.usable);
      EXPECT_FALSE(loaded.bitvector_at_first_row);
      EXPECT_TRUE(loaded.heap.usable);
      expect_same_batches(reference, loaded, rows, "categorical, as loaded without AVX-512");
    }
    const PreparedModel tested = with_bitvector(reference, true);
    if (!avx512cd_allowed()) {
      EXPECT_FALSE(tested.bitvector.walks_rows());
      continue;
    }
    ASSERT_TRUE(tested.bitvector.walks_rows() && tested.bitvector.categorical);
    EXPECT_EQ(tested.bitvector.category_vector, words <= 3);
    // Batches take the vector form only (sets of at most 128 bits, 32 rows per step).
    EXPECT_EQ(tested.bitvector.usable, words <= 3);
    // And a loaded model whose batches take them builds them at load and keeps no heap
    // or linked tables; the others wait for the first single row.
    setenv("POLYSCORE_BITVECTOR_WALK", "1", 1);
    const PreparedModel loaded = prepare_model(forest);
    unsetenv("POLYSCORE_BITVECTOR_WALK");
    EXPECT_EQ(loaded.bitvector_at_first_row, words > 3);
    EXPECT_EQ(loaded.bitvector.usable, words <= 3);
    EXPECT_EQ(loaded.heap.nodes.empty() && loaded.linked.nodes.empty() && loaded.walk.leaf.empty(), words <= 3);
    expect_same_batches(reference, tested, rows, "categorical single rows and batches");
    expect_same_batches(reference, loaded, rows, "categorical, as loaded");
  }
}

TEST(BitvectorWalk, ChosenForDeepTreesWithAvx512OrAvx2) {
  // Deep leaf-wise trees (the linked walk's) take it by default where the CPU has
  // AVX-512 or AVX2 (batches only with AVX2); shallow trees keep the heap walk;
  // categorical splits only for single rows with AVX-512.
  const char* no_avx512 = std::getenv("POLYSCORE_NO_AVX512");
  const char* no_avx2 = std::getenv("POLYSCORE_NO_AVX2");
  const bool avx2 = cpu_has_avx2() && !(no_avx2 && *no_avx2);
#if defined(POLYSCORE_PORTABLE) || !defined(__x86_64__)
  const bool avx512 = false;  // a build without the AVX-512 code
  (void)no_avx512;
#else
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl") && !(no_avx512 && *no_avx512) &&
                      avx2;  // POLYSCORE_NO_AVX2 turns both off, as for the other walks
#endif
  const Forest deep_forest = load_model(read_file(source_path("tests/vectors/models/lgb4_bigish_binary.txt")), 0);
  const PreparedModel deep = prepare_model(deep_forest);
  ASSERT_EQ(deep.family, WalkFamily::kLinked);
  // With AVX-512 built at load; without, batches only take them and they wait for the
  // first batch (BatchTablesBuiltAtTheFirstBatchNotAtLoad).
  EXPECT_EQ(deep.batches_take_bitvector(), avx512 || avx2);
  EXPECT_EQ(deep.bitvector.usable, avx512);
  EXPECT_EQ(deep.bitvector_at_first_batch, !avx512 && avx2);
  // Where the bitvector walk takes single rows as well as batches, nothing reads the
  // linked tables: a loaded model does not keep them (release_unused_tables). Where it
  // takes batches only, they wait for the first single row (LinkedTablesBuiltAtTheFirstSingleRow).
  // Where it takes neither, the tree block walk takes both (its tables fit this model),
  // unless turned off (TreeBlockWalk.BuiltAtTheFirstSingleRowOrAtLoadWithoutAvx2).
  EXPECT_EQ(deep.bitvector.walks_rows(), avx512);
  EXPECT_EQ(deep.tree_blocks_take_batches, !deep.batches_take_bitvector() && tree_blocks_allowed());
  const bool linked_kept = !deep.batches_take_bitvector() && !deep.tree_blocks_take_batches;
  EXPECT_EQ(deep.linked.usable, linked_kept);
  EXPECT_EQ(deep.linked.nodes.empty(), !linked_kept);
  EXPECT_EQ(deep.walk.leaf.empty(), !linked_kept);
  EXPECT_EQ(deep.linked_at_first_row, deep.bitvector_batches_only());
  EXPECT_EQ(deep.batch_bitvector().usable, avx512 || avx2);
  EXPECT_EQ(deep.batch_bitvector().avx512, avx512);
  EXPECT_EQ(deep.batch_bitvector().avx2, !avx512 && avx2);
  const Forest shallow_forest = load_model(read_file(source_path("tests/vectors/models/xgb3_reg_squarederror.json")), 0);
  const PreparedModel shallow = prepare_model(shallow_forest);
  ASSERT_TRUE(shallow.heap.usable);
  EXPECT_FALSE(shallow.bitvector.usable);
  EXPECT_TRUE(with_bitvector(shallow, avx512).bitvector.usable);
  // Categorical splits: single rows with AVX-512 only; batches with AVX-512 or AVX2
  // where the sets fit 128 bits and the keys 16 bits (this model's: they fit).
  const Forest cat_forest = load_model(read_file(source_path("tests/vectors/models/lgb3_categorical.txt")), 0);
  const PreparedModel cat = with_bitvector(prepare_model(cat_forest), avx512);
  EXPECT_EQ(cat.bitvector.usable, avx512);
  EXPECT_EQ(cat.bitvector.walks_rows(), avx512);
  EXPECT_EQ(cat.bitvector.categorical, avx512);
  setenv("POLYSCORE_BITVECTOR_WALK", "1", 1);  // a heap-walk model
  const PreparedModel cat_loaded = prepare_model(cat_forest);
  unsetenv("POLYSCORE_BITVECTOR_WALK");
  EXPECT_EQ(cat_loaded.batches_take_bitvector(), avx512 || avx2);
  EXPECT_EQ(cat_loaded.bitvector.walks_rows(), avx512);
  EXPECT_EQ(cat_loaded.batch_bitvector().usable, avx512 || avx2);
  EXPECT_EQ(cat_loaded.batch_bitvector().categorical, avx512 || avx2);
  EXPECT_EQ(cat_loaded.batch_bitvector().avx2, !avx512 && avx2);
  setenv("POLYSCORE_NO_BITVECTOR_WALK", "1", 1);
  EXPECT_FALSE(prepare_model(deep_forest).batches_take_bitvector());
  unsetenv("POLYSCORE_NO_BITVECTOR_WALK");
}

TEST(BitvectorWalk, LinkedTablesBuiltAtTheFirstSingleRowNotAtLoad) {
  // Without AVX-512, batches take the AVX2 bitvector walk and single rows the linked
  // walk where the tree block walk does not take them (here asked for directly): a model
  // scored only in batches never holds the linked tables (2.9 MiB of the 1,000 x 63-leaf
  // benchmark model); the first single row builds them, once, whichever
  // threads ask, the same as prepare_all_tables builds them (without the top levels only
  // batches walk), and scores as they do.
  const char* no_avx2 = std::getenv("POLYSCORE_NO_AVX2");
  if (!cpu_has_avx2() || (no_avx2 && *no_avx2)) GTEST_SKIP() << "no AVX2: the bitvector walk is not chosen";
  const Forest forest = load_model(read_file(source_path("tests/vectors/models/lgb4_bigish_binary.txt")), 0);
  const char* had = std::getenv("POLYSCORE_NO_AVX512");
  const std::string saved = had ? had : "";
  setenv("POLYSCORE_NO_AVX512", "1", 1);
  const PreparedModel model = prepare_model(forest);
  const PreparedModel all = prepare_all_tables(forest);
  if (had) setenv("POLYSCORE_NO_AVX512", saved.c_str(), 1);
  else unsetenv("POLYSCORE_NO_AVX512");
  ASSERT_EQ(model.family, WalkFamily::kLinked);
  ASSERT_TRUE(model.bitvector_batches_only());
  ASSERT_TRUE(model.batch_bitvector().usable && model.batch_bitvector().avx2);
  EXPECT_TRUE(model.linked_at_first_row);
  EXPECT_FALSE(model.linked.usable);
  EXPECT_TRUE(model.linked.nodes.empty());
  EXPECT_TRUE(model.walk.leaf.empty());
  // Batches of 16 rows and more do not build them, leaf output included.
  const auto rows = rows_at_thresholds(forest, 64, 7);
  for (OutputKind kind : {OutputKind::kValue, OutputKind::kLeaf}) {
    PredictRequest request;
    request.kind = kind;
    const PredictPlan plan = plan_prediction(forest, request);
    std::vector<double> out(64 * plan.values_per_row);
    predict_dense(model, plan, rows.data(), 64, out.data());
  }
  EXPECT_TRUE(model.linked.nodes.empty());
  EXPECT_TRUE(model.walk.leaf.empty());
  std::vector<const LinkedTables*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = &model.single_row_linked(); });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(model.linked.usable);
  for (const LinkedTables* tables : seen) EXPECT_EQ(tables, &model.linked);
  ASSERT_EQ(model.linked.nodes.size(), all.linked.nodes.size());
  for (size_t i = 0; i < all.linked.nodes.size(); ++i) {
    const LinkedNode &got = model.linked.nodes[i], &want = all.linked.nodes[i];
    ASSERT_TRUE(got.key == want.key && got.offset == want.offset && got.child == want.child) << "node " << i;
  }
  EXPECT_EQ(model.linked.value64, all.linked.value64);
  EXPECT_EQ(model.linked.value32, all.linked.value32);
  EXPECT_TRUE(model.linked.top.empty());  // batches take the bitvector walk
  EXPECT_EQ(std::vector<uint32_t>(model.walk.leaf.begin(), model.walk.leaf.end()),
            std::vector<uint32_t>(all.walk.leaf.begin(), all.walk.leaf.end()));
  // And single rows (and blocks of 5) score as with every table, values and leaves.
  PreparedModel reference = all;
  reference.bitvector = BitvectorTables();
  reference.tree_blocks = TreeBlockTables();  // the key walks
  expect_same_batches(reference, model, rows_at_thresholds(forest, 300, 8), "linked tables built at the first row");
}

// Whether two sets of bitvector tables hold the same splits and leaves.
void expect_same_tables(const BitvectorTables& got, const BitvectorTables& want) {
  EXPECT_EQ(got.rows16, want.rows16);
  EXPECT_EQ(got.category_vector, want.category_vector);
  EXPECT_EQ(got.keep, want.keep);
  EXPECT_TRUE(std::equal(got.key.begin(), got.key.end(), want.key.begin(), want.key.end()));
  EXPECT_TRUE(std::equal(got.offset.begin(), got.offset.end(), want.offset.begin(), want.offset.end()));
  EXPECT_EQ(got.key16, want.key16);
  EXPECT_EQ(got.at16, want.at16);
  EXPECT_EQ(got.split_begin, want.split_begin);
  EXPECT_EQ(got.splits, want.splits);
  EXPECT_EQ(got.value64, want.value64);
  EXPECT_EQ(got.value32, want.value32);
  EXPECT_EQ(got.leaf, want.leaf);
  ASSERT_EQ(got.category_splits.size(), want.category_splits.size());
  for (size_t i = 0; i < got.category_splits.size(); ++i) {
    const BitvectorCategorySplit &a = got.category_splits[i], &b = want.category_splits[i];
    ASSERT_TRUE(a.keep == b.keep && a.word == b.word && a.at == b.at) << "categorical split " << i;
  }
  EXPECT_EQ(got.category_begin, want.category_begin);
  EXPECT_EQ(got.category_low, want.category_low);
  EXPECT_EQ(got.category_high, want.category_high);
  EXPECT_EQ(got.category_keep, want.category_keep);
  EXPECT_EQ(got.category_at, want.category_at);
}

TEST(BitvectorWalk, CategoricalTablesBuiltAtLoadWhereBatchesTakeThemElseAtTheFirstSingleRow) {
  // A categorical model's bitvector tables (AVX-512): where its batches take them too
  // (sets of at most 128 bits, 16-bit keys), every call does, so they are built at load
  // and the linked or heap tables and the walk nodes' leaf and depth arrays released
  // (lgb_cat: 1.0 MiB of tables instead of about 2 of linked ones). Else they wait for
  // the first single row (batches never build them), are built once, whichever threads
  // ask. Either way they are the tables prepare_all_tables builds, and score as the
  // linked or heap walk does. Every categorical conformance model the walk can take
  // (forced: they are small, the heap walk's) is checked so.
  if (!avx512cd_allowed()) {
    // Batches only, with AVX2 (CategoricalBatchesTakeTheAvx2WalkWithoutAvx512).
    const Forest cat_forest = load_model(read_file(source_path("tests/vectors/models/lgb3_categorical.txt")), 0);
    setenv("POLYSCORE_BITVECTOR_WALK", "1", 1);
    const PreparedModel cat = prepare_model(cat_forest);
    unsetenv("POLYSCORE_BITVECTOR_WALK");
    EXPECT_FALSE(cat.bitvector_at_first_row || cat.bitvector.walks_rows());
    EXPECT_EQ(cat.batches_take_bitvector(), avx2_allowed());
    EXPECT_TRUE(cat.heap.usable || cat.linked.usable);
    GTEST_SKIP() << "no AVX-512: single rows do not take the bitvector walk";
  }
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int at_first_row = 0, vector_form = 0, at_load = 0;
  for (const std::string& name : models) {
    SCOPED_TRACE(name);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + name)), 0);
    setenv("POLYSCORE_BITVECTOR_WALK", "1", 1);
    const PreparedModel model = prepare_model(forest);
    const PreparedModel all = prepare_all_tables(forest);
    unsetenv("POLYSCORE_BITVECTOR_WALK");
    if (!all.bitvector.categorical) continue;
    ASSERT_TRUE(all.bitvector.walks_rows());
    PreparedModel reference = all;
    reference.bitvector = BitvectorTables();
    reference.tree_blocks = TreeBlockTables();  // the key walks
    const auto rows = rows_at_thresholds(forest, 300, 9);
    if (!model.bitvector_at_first_row) {
      // Built at load: batches take them, and nothing reads the heap or linked tables.
      ++at_load;
      ASSERT_TRUE(all.bitvector.usable);
      ASSERT_TRUE(model.bitvector.usable && model.bitvector.categorical && model.bitvector.walks_rows());
      EXPECT_FALSE(model.heap.usable || model.linked.usable);
      EXPECT_TRUE(model.heap.nodes.empty() && model.linked.nodes.empty() && model.linked.value64.empty() &&
                  model.linked.value32.empty());
      EXPECT_TRUE(model.walk.leaf.empty() && model.walk.depth.empty() && model.walk.nodes.empty());
      EXPECT_EQ(&model.single_row_bitvector(), &model.bitvector);
      expect_same_tables(model.bitvector, all.bitvector);
      expect_same_batches(reference, model, rows, "categorical tables built at load");
      if (HasFatalFailure()) return;
      continue;
    }
    ++at_first_row;
    EXPECT_FALSE(all.bitvector.usable);
    EXPECT_FALSE(model.bitvector.usable || model.bitvector.walks_rows());
    EXPECT_TRUE(model.bitvector.keep.empty() && model.bitvector.leaf.empty());
    // Batches of 16 rows and more do not build them, leaf output included, and score as
    // every table does.
    for (OutputKind kind : {OutputKind::kLeaf, OutputKind::kValue}) {
      PredictRequest request;
      request.kind = kind;
      const PredictPlan plan = plan_prediction(forest, request);
      std::vector<double> out(64 * plan.values_per_row), want(out.size());
      predict_dense(model, plan, rows.data(), 64, out.data());
      predict_dense(all, plan, rows.data(), 64, want.data());
      for (size_t i = 0; i < out.size(); ++i) ASSERT_TRUE(same(out[i], want[i])) << "kind " << int(kind) << " at " << i;
    }
    EXPECT_TRUE(model.row_bitvector.keep.empty() && model.row_bitvector.leaf.empty());
    EXPECT_FALSE(model.row_bitvector.walks_rows());
    std::vector<const BitvectorTables*> seen(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < seen.size(); ++i) {
      threads.emplace_back([&, i] { seen[i] = &model.single_row_bitvector(); });
    }
    for (std::thread& t : threads) t.join();
    for (const BitvectorTables* tables : seen) EXPECT_EQ(tables, &model.row_bitvector);
    const BitvectorTables& got = model.row_bitvector;
    ASSERT_TRUE(got.categorical && got.walks_rows());
    EXPECT_FALSE(got.usable);
    vector_form += got.category_vector;
    expect_same_tables(got, all.bitvector);
    // And single rows (and blocks of 5) score as the linked or heap walk does, values and leaves.
    expect_same_batches(reference, model, rows, "categorical row tables built at the first row");
    if (HasFatalFailure()) return;
  }
  std::printf("[ info ] %d categorical models built their bitvector tables at load, %d at the first row "
              "(%d of these in the vector form)\n",
              at_load, at_first_row, vector_form);
  EXPECT_GE(at_load, 5);
  EXPECT_GE(at_first_row, 5);
}

// A LightGBM-like model of 20 trees, each a chain of `splits` splits (every split's
// left child a leaf), so deeper than the heap walk takes: the linked walk's. Its splits
// test features 0, 1, 2 in turn, feature 0 as a category (sets of `words` words).
Forest chain_forest(uint32_t splits, uint32_t words) {
  Forest forest;
  forest.format = ModelFormat::kLightGBMText;
  forest.num_features = 3;
  forest.base_margin = {0.5};
  std::mt19937 rng(words);
  for (uint32_t t = 0; t < 20; ++t) {
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 2 * splits + 1, 0, 0, 1.0});
    forest.iteration_begin.push_back(t);
    forest.nodes.resize(root + 2 * splits + 1);
    uint32_t leaves = 0;
    auto leaf = [&](uint32_t i) {
      Node& node = forest.nodes[root + i];
      node.flags = kLeaf;
      node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
      forest.leaf_values.push_back(std::ldexp(1.0, -int(leaves)) + t);
      forest.leaf_ids.push_back(static_cast<int32_t>(leaves++));
    };
    // Split k at tree-local node 2k, its children at 2k + 1 (a leaf) and 2k + 2.
    for (uint32_t k = 0; k < splits; ++k) {
      Node& node = forest.nodes[root + 2 * k];
      node.feature = k % 3;
      node.child_or_leaf = 2 * k + 1;
      if (node.feature == 0) {
        node.flags = kCategorical | kCatInSetGoesLeft | kNanIsMissing;
        node.category = {static_cast<uint32_t>(forest.category_words.size()), words};
        for (uint32_t w = 0; w < words; ++w) forest.category_words.push_back(rng());
      } else {
        node.threshold = (double(k) - splits / 2.0) / 4.0;
        node.flags = kNanIsMissing | (k % 2 ? kDefaultLeft : 0);
      }
      leaf(2 * k + 1);
    }
    leaf(2 * splits);
  }
  forest.iteration_begin.push_back(20);
  return forest;
}

TEST(BitvectorWalk, CategoricalBatchesTakeTheAvx2WalkWithoutAvx512) {
  // Without AVX-512, a categorical model whose batches would take the bitvector walk with
  // AVX-512 (sets of at most 128 bits, 16-bit keys) takes its AVX2 form: batches only,
  // built at the first batch; single rows keep the heap walk, or the linked walk, whose tables
  // (with their category bitsets) wait for the first single row. Each is checked against
  // every table's walks: the categorical conformance models (forced: the heap walk's)
  // and a chain model deeper than the heap walk takes (the linked walk's).
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2";
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  ScopedEnv no_avx512("POLYSCORE_NO_AVX512", "1"), allowed("POLYSCORE_NO_AVX2", nullptr);
  int at_load = 0, linked = 0;
  auto check = [&](const Forest& forest, const std::vector<double>& rows) {
    PreparedModel all = prepare_all_tables(forest);
    if (!all.bitvector.categorical) return;
    const PreparedModel model = prepare_model(forest);
    ++at_load;
    ASSERT_TRUE(all.bitvector.usable && all.bitvector.avx2 && all.bitvector.category_vector);
    ASSERT_TRUE(model.bitvector_at_first_batch);
    EXPECT_TRUE(model.bitvector.keep.empty() && model.first_batch_bitvector.keep.empty());
    const BitvectorTables& batch = model.batch_bitvector();
    ASSERT_TRUE(batch.usable && batch.avx2 && batch.categorical);
    EXPECT_FALSE(batch.walks_rows() || model.bitvector_at_first_row);
    expect_same_tables(batch, all.bitvector);
    if (model.family == WalkFamily::kLinked) {
      ++linked;
      EXPECT_TRUE(model.linked_at_first_row);
      EXPECT_TRUE(model.linked.nodes.empty() && model.walk.leaf.empty());
    } else {
      EXPECT_TRUE(model.heap.usable);
    }
    PreparedModel reference = std::move(all);
    reference.bitvector = BitvectorTables();
    reference.tree_blocks = TreeBlockTables();  // the key walks
    expect_same_batches(reference, model, rows, "categorical batches with AVX2, as loaded");
  };
  for (const std::string& name : models) {
    SCOPED_TRACE(name);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + name)), 0);
    ScopedEnv forced("POLYSCORE_BITVECTOR_WALK", "1");
    check(forest, rows_at_thresholds(forest, 300, 12));
    if (HasFatalFailure()) return;
  }
  for (uint32_t words : {1u, 2u, 3u}) {
    SCOPED_TRACE(words);
    const Forest forest = chain_forest(40, words);
    validate(forest);
    check(forest, rows_at_thresholds(forest, 300, 13));
    if (HasFatalFailure()) return;
  }
  std::printf("[ info ] %d categorical models' batches took the AVX2 walk (%d of them the linked walk's)\n",
              at_load, linked);
  EXPECT_GE(at_load, 7 + 3);
  EXPECT_EQ(linked, 3);
}

TEST(BitvectorWalk, CategoricalRowTablesBuiltOnceWhileThreadsScoreRows) {
  // The first single rows of a categorical model whose tables wait for them (its keys
  // are an XGBoost model's float32 values, which batches do not take), scored by 4
  // threads at once while two of them score the 16 rows as one batch block (which keeps
  // its walk by keys), build its tables once and score as that walk does (light enough
  // for the TSan run of scripts/test.sh, which repeats it 100 times).
  if (!avx512cd_allowed()) GTEST_SKIP() << "no AVX-512: single rows do not take the bitvector walk";
  const Forest forest =
      load_model(read_file(source_path("tests/vectors/models/xgb3_categorical_multi_softprob.json")), 0);
  setenv("POLYSCORE_BITVECTOR_WALK", "1", 1);
  const PreparedModel model = prepare_model(forest);
  PreparedModel reference = prepare_all_tables(forest);
  unsetenv("POLYSCORE_BITVECTOR_WALK");
  ASSERT_TRUE(model.bitvector_at_first_row);
  reference.bitvector = BitvectorTables();
  reference.tree_blocks = TreeBlockTables();  // the key walks
  const PredictPlan plan = plan_prediction(forest, PredictRequest());
  const size_t nf = forest.num_features, n = 16;
  const auto rows = rows_at_thresholds(forest, n, 11);
  std::vector<double> want(n * plan.values_per_row);
  for (size_t r = 0; r < n; ++r) predict_row(reference, plan, rows.data() + r * nf, want.data() + r * plan.values_per_row);
  std::vector<std::vector<double>> got(4, std::vector<double>(want.size()));
  std::vector<const BitvectorTables*> seen(got.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      if (i % 2) {
        predict_dense(model, plan, rows.data(), n, got[i].data());
      } else {
        for (size_t r = 0; r < n; ++r) {
          predict_row(model, plan, rows.data() + r * nf, got[i].data() + r * plan.values_per_row);
        }
      }
      seen[i] = &model.single_row_bitvector();
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(model.row_bitvector.walks_rows());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(seen[i], &model.row_bitvector);
    for (size_t k = 0; k < want.size(); ++k) ASSERT_TRUE(same(want[k], got[i][k])) << "thread " << i << " at " << k;
  }
}

// Whether batches take the AVX2 bitvector walk here when the environment says no AVX-512.
bool avx2_batches_possible() {
  const char* no_avx2 = std::getenv("POLYSCORE_NO_AVX2");
  return cpu_has_avx2() && !(no_avx2 && *no_avx2);
}

// The tables a model's single rows built where the bitvector walk takes only its batches:
// the tree block tables with values of their own, in place of the linked tables, unless
// the environment turns them off (test_tree_block_walk.cc).
void expect_single_row_tables(const PreparedModel& model) {
  if (tree_blocks_allowed()) {
    EXPECT_TRUE(model.tree_blocks.usable && model.tree_blocks.slots == TreeBlockSlots::kOwn);
    EXPECT_TRUE(model.linked.nodes.empty() && model.walk.leaf.empty());
  } else {
    EXPECT_TRUE(model.linked.usable);
  }
}

TEST(BitvectorWalk, BatchTablesBuiltAtTheFirstBatchNotAtLoad) {
  // Without AVX-512 only batches read the bitvector tables, and single rows the tree
  // block tables (or, where the environment turns those off, the linked tables): a
  // loaded model holds none. Single rows and calls of fewer than 16 rows build theirs,
  // not these; a batch builds these, as prepare_all_tables does, and not the single
  // rows', even where its last block is short (64 + 6 rows: the 6 take the bitvector
  // walk too). Either way the model scores as every table's walks do.
  if (!avx2_batches_possible()) GTEST_SKIP() << "no AVX2: the bitvector walk is not chosen";
  const Forest forest = load_model(read_file(source_path("tests/vectors/models/lgb4_bigish_binary.txt")), 0);
  std::optional<PreparedModel> rows_first, batch_first, all;
  {
    ScopedEnv no_avx512("POLYSCORE_NO_AVX512", "1");
    rows_first.emplace(prepare_model(forest));
    batch_first.emplace(prepare_model(forest));
    all.emplace(prepare_all_tables(forest));
  }
  ASSERT_TRUE(all->bitvector.usable && all->bitvector.avx2 && !all->bitvector.walks_rows());
  for (const PreparedModel* model : {&*rows_first, &*batch_first}) {
    ASSERT_EQ(model->family, WalkFamily::kLinked);
    ASSERT_TRUE(model->bitvector_at_first_batch && model->bitvector_batches_only());
    EXPECT_TRUE(model->bitvector.keep.empty() && model->bitvector.leaf.empty() && !model->bitvector.usable);
    EXPECT_TRUE(model->first_batch_bitvector.keep.empty() && model->first_batch_bitvector.leaf.empty());
    EXPECT_TRUE(model->linked.nodes.empty() && model->walk.leaf.empty());
  }
  const auto rows = rows_at_thresholds(forest, 70, 14);
  for (OutputKind kind : {OutputKind::kLeaf, OutputKind::kValue}) {
    PredictRequest request;
    request.kind = kind;
    const PredictPlan plan = plan_prediction(forest, request);
    std::vector<double> out(70 * plan.values_per_row);
    predict_row(*rows_first, plan, rows.data(), out.data());
    predict_dense(*rows_first, plan, rows.data(), 5, out.data());
    predict_dense(*batch_first, plan, rows.data(), 70, out.data());
  }
  expect_single_row_tables(*rows_first);
  EXPECT_TRUE(rows_first->first_batch_bitvector.keep.empty() && rows_first->first_batch_bitvector.leaf.empty());
  EXPECT_TRUE(batch_first->linked.nodes.empty() && batch_first->walk.leaf.empty());
  EXPECT_FALSE(batch_first->tree_blocks.usable);
  ASSERT_TRUE(batch_first->first_batch_bitvector.usable && batch_first->first_batch_bitvector.avx2);
  EXPECT_EQ(&batch_first->batch_bitvector(), &batch_first->first_batch_bitvector);
  EXPECT_TRUE(batch_first->bitvector.keep.empty());
  expect_same_tables(batch_first->first_batch_bitvector, all->bitvector);
  PreparedModel reference = std::move(*all);
  reference.bitvector = BitvectorTables();
  reference.tree_blocks = TreeBlockTables();  // the key walks
  const auto more = rows_at_thresholds(forest, 300, 15);
  expect_same_batches(reference, *batch_first, more, "bitvector tables built at the first batch");
  expect_same_batches(reference, *rows_first, more, "bitvector tables built after the first single row");
}

TEST(BitvectorWalk, BatchTablesBuiltOnceWhileThreadsScoreBatches) {
  // The first calls of a model whose bitvector tables wait for its first batch (without
  // AVX-512), by 4 threads at once: two score 20 rows as one batch (one block: the
  // bitvector walk), two score them as single rows (the tree block walk, or the linked
  // walk, whose tables wait for the first single row). Each set of tables is built once and every thread gets
  // what every table's walks give (light enough for the TSan run of scripts/test.sh,
  // which repeats it 100 times).
  if (!avx2_batches_possible()) GTEST_SKIP() << "no AVX2: the bitvector walk is not chosen";
  const Forest forest = load_model(read_file(source_path("tests/vectors/models/lgb4_bigish_binary.txt")), 0);
  std::optional<PreparedModel> model;
  {
    ScopedEnv no_avx512("POLYSCORE_NO_AVX512", "1");
    model.emplace(prepare_model(forest));
  }
  ASSERT_TRUE(model->bitvector_at_first_batch);
  PreparedModel reference = prepare_all_tables(forest);
  reference.bitvector = BitvectorTables();
  reference.tree_blocks = TreeBlockTables();  // the key walks
  const PredictPlan plan = plan_prediction(forest, PredictRequest());
  const size_t nf = forest.num_features, n = 20;
  const auto rows = rows_at_thresholds(forest, n, 16);
  std::vector<double> want(n * plan.values_per_row);
  predict_dense(reference, plan, rows.data(), n, want.data());
  std::vector<std::vector<double>> got(4, std::vector<double>(want.size()));
  std::vector<const BitvectorTables*> seen(got.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      if (i % 2) {
        predict_dense(*model, plan, rows.data(), n, got[i].data());
      } else {
        for (size_t r = 0; r < n; ++r) {
          predict_row(*model, plan, rows.data() + r * nf, got[i].data() + r * plan.values_per_row);
        }
      }
      seen[i] = &model->batch_bitvector();
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(model->first_batch_bitvector.usable);
  expect_single_row_tables(*model);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(seen[i], &model->first_batch_bitvector);
    for (size_t k = 0; k < want.size(); ++k) ASSERT_TRUE(same(want[k], got[i][k])) << "thread " << i << " at " << k;
  }
}

}  // namespace
}  // namespace polyscore
