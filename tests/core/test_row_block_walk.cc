// The row block walk (predict/row_block_walk.h) must give single rows exactly what the
// heap walk gives (test_key_walks.cc proves that equal to the general walk), values and
// leaf ids, on every conformance model it takes, on rows made to hit thresholds, signed
// zeros, NaN and infinities; and it takes exactly the models its tables allow.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "loaders/loaders.h"
#include "predict/cpu_features.h"
#include "predict/key_tables.h"
#include "predict/predictor.h"
#include "test_rows.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_file;
using polyscore_test::expect_same_rows;
using polyscore_test::rows_at_thresholds;
using polyscore_test::same_value;
using polyscore_test::source_path;

TEST(RowBlockWalk, MatchesTheHeapWalkOnEveryConformanceModel) {
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int walked = 0, float32 = 0, deep = 0, bytes = 0;
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    const PreparedModel tested = prepare_model(forest);
    if (!tested.single_row_blocks().usable) continue;
    ASSERT_EQ(tested.family, WalkFamily::kHeap);
    PreparedModel reference = prepare_model(forest);
    reference.row_blocks_at_first_row = false;  // single rows take the heap walk
    ++walked;
    float32 += forest.arithmetic.float32;
    deep += *std::max_element(tested.heap.depth.begin(), tested.heap.depth.end()) > kRowBlockLevels;
    bytes += tested.single_row_blocks().bytes;
    expect_same_rows(reference, tested, rows_at_thresholds(forest, 200, 11), 200);
    if (HasFatalFailure()) return;
  }
  std::printf("[ info ] %d models checked on the row block walk (%d float32, %d deeper than 4, %d in bytes)\n",
              walked, float32, deep, bytes);
  EXPECT_GT(walked, 100);
  // The byte walk takes most models where the CPU has VBMI (those of at most 255
  // thresholds a feature and 64 used features), none elsewhere.
  if (avx512vbmi_allowed() && !set_in_environment("POLYSCORE_NO_ROW_BYTES")) {
    EXPECT_GT(bytes, walked / 2);
  } else {
    EXPECT_EQ(bytes, 0);
  }
  EXPECT_GT(float32, 30);
  EXPECT_GE(deep, 2);
}

// A LightGBM-like model of 20 trees of `leaves` leaves, each split halving its leaves
// (so 2^k leaves make complete trees of depth k, others unbalanced ones), the splits
// testing features 0, 1, ..., features - 1 in turn, NaN missing, half the splits
// sending it left.
Forest halving_forest(uint32_t leaves, uint32_t features) {
  Forest forest;
  forest.format = ModelFormat::kLightGBMText;
  forest.num_features = features;
  forest.base_margin = {0.5};
  uint32_t splits = 0;
  for (uint32_t t = 0; t < 20; ++t) {
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 0, 0, 0, 1.0});
    forest.iteration_begin.push_back(t);
    forest.nodes.push_back({});
    auto build = [&](auto& self, uint32_t i, uint32_t lo, uint32_t hi) -> void {
      Node& node = forest.nodes[root + i];
      if (hi - lo == 1) {
        node.flags = kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
        forest.leaf_values.push_back(std::ldexp(1.0, -int(lo % 40)) + t);
        forest.leaf_ids.push_back(static_cast<int32_t>(lo));
        return;
      }
      const uint32_t mid = (lo + hi) / 2, left = static_cast<uint32_t>(forest.nodes.size()) - root;
      node.feature = splits++ % features;
      node.threshold = (double(mid) - leaves / 2.0) / 16.0 + 0.01 * t;
      node.flags = kNanIsMissing | (i % 2 ? kDefaultLeft : 0);
      node.child_or_leaf = left;
      forest.nodes.push_back({});
      forest.nodes.push_back({});
      self(self, left, lo, mid);
      self(self, left + 1, mid, hi);
    };
    build(build, 0, 0, leaves);
    forest.trees.back().num_nodes = static_cast<uint32_t>(forest.nodes.size()) - root;
  }
  forest.iteration_begin.push_back(20);
  return forest;
}

TEST(RowBlockWalk, MatchesTheHeapWalkAtEveryDepth) {
  // Depths 1 to 8: top blocks only (at most 4 levels), then 1 to 4 levels below them.
  int bytes = 0;
  for (uint32_t leaves : {2u, 5u, 16u, 17u, 32u, 100u, 128u, 200u, 256u}) {
    for (uint32_t features : {3u, 50u}) {
      SCOPED_TRACE(testing::Message() << leaves << " leaves, " << features << " features");
      const Forest forest = halving_forest(leaves, features);
      validate(forest);
      const PreparedModel tested = prepare_model(forest);
      ASSERT_TRUE(tested.single_row_blocks().usable);
      EXPECT_TRUE(tested.single_row_blocks().keys_are_ranks);
      PreparedModel reference = prepare_model(forest);
      reference.row_blocks_at_first_row = false;  // single rows take the heap walk
      expect_same_rows(reference, tested, rows_at_thresholds(forest, 300, 5), 300);
      if (HasFatalFailure()) return;
      bytes += tested.single_row_blocks().bytes;
    }
  }
  // 50 features spread the thresholds (at most 102 a feature): in bytes at every depth.
  if (avx512vbmi_allowed() && !set_in_environment("POLYSCORE_NO_ROW_BYTES")) {
    EXPECT_GE(bytes, 9);
  }
}

// 20 complete trees of depth 8 over two features, split i of tree t testing feature
// i % 2 against one of `distinct` thresholds of feature 0 (all of them, spread over
// the trees; the roots the highest three) or 64 of feature 1, NaN missing, half the
// splits of each sending it left.
Forest thresholds_forest(uint32_t distinct) {
  Forest forest;
  forest.format = ModelFormat::kLightGBMText;
  forest.num_features = 2;
  forest.base_margin = {0.0};
  uint32_t next = 0;
  for (uint32_t t = 0; t < 20; ++t) {
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 511, 0, 0, 1.0});
    forest.iteration_begin.push_back(t);
    for (uint32_t i = 0; i < 511; ++i) {
      Node node;
      if (i >= 255) {
        node.flags = kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
        forest.leaf_values.push_back(std::ldexp(1.0, -int(i % 40)) + t);
        forest.leaf_ids.push_back(static_cast<int32_t>(i - 255));
      } else {
        node.feature = i % 2;
        // The roots test the three highest thresholds, which every row reaches.
        const uint32_t k = i == 0 ? distinct - 1 - t % 3 : node.feature == 0 ? next++ % distinct : (i * 7 + t) % 64;
        node.threshold = (double(k) - distinct / 2.0) / 8.0;
        node.flags = kNanIsMissing | ((i / 2) % 2 ? kDefaultLeft : 0);
        node.child_or_leaf = 2 * i + 1;
      }
      forest.nodes.push_back(node);
    }
  }
  forest.iteration_begin.push_back(20);
  return forest;
}

TEST(RowBlockWalk, TheByteWalkTakesFeaturesOf256ThresholdsNot257) {
  // Byte keys hold ranks up to 255: 255 thresholds fit as they are; a node of the 256th
  // (XGBoost's 256 bins) reads a byte of its own, whether the row is above 255; 257
  // thresholds keep the 16-bit walk. Each gives the heap walk's values and leaves.
  for (uint32_t distinct : {255u, 256u, 257u}) {
    SCOPED_TRACE(testing::Message() << distinct << " thresholds");
    const Forest forest = thresholds_forest(distinct);
    validate(forest);
    const PreparedModel tested = prepare_model(forest);
    const RowBlockTables& blocks = tested.single_row_blocks();
    ASSERT_TRUE(blocks.usable);
    const bool vbmi = avx512vbmi_allowed() && !set_in_environment("POLYSCORE_NO_ROW_BYTES");
    EXPECT_EQ(blocks.bytes, vbmi && distinct <= 256);
    if (vbmi && distinct == 256) {
      EXPECT_GE(blocks.byte_extra_at.size(), 1u);  // feature 0's (one per copy its nodes read)
    } else {
      EXPECT_TRUE(blocks.byte_extra_at.empty());
    }
    PreparedModel reference = prepare_model(forest);
    reference.row_blocks_at_first_row = false;  // single rows take the heap walk
    expect_same_rows(reference, tested, rows_at_thresholds(forest, 400, 3), 400);
    if (HasFatalFailure()) return;
  }
}

TEST(RowBlockWalk, TheByteWalkReleasesTheFourByteNodes) {
  // Once the bytes are made, the 4-byte nodes are never read again: their memory goes
  // (0.55 MiB for 500 trees of depth 8), not only their size.
  const Forest forest = halving_forest(256, 50);
  const PreparedModel model = prepare_model(forest);
  const RowBlockTables& blocks = model.single_row_blocks();
  ASSERT_TRUE(blocks.usable);
  if (!blocks.bytes) GTEST_SKIP() << "no AVX-512 VBMI here: the 16-bit walk reads the nodes";
  EXPECT_EQ(blocks.top.capacity(), 0u);
  EXPECT_EQ(blocks.bottom.capacity(), 0u);
  EXPECT_FALSE(blocks.top_bytes.empty());
  EXPECT_FALSE(blocks.bottom_bytes.empty());
}

TEST(RowBlockWalk, MatchesTheHeapWalkOnTreeRangesThatCutGroups) {
  // The row block walk takes a group of 16 trees (one depth) at a time, a range's first
  // and last part groups as runs of fewer lanes: ranges starting and ending inside, at
  // and across the groups of 20 trees, and one short of 16 trees (the general walk
  // then), must give the heap walk's values, summed in its order.
  const Forest forest = halving_forest(256, 50);
  const PreparedModel tested = prepare_model(forest);
  ASSERT_TRUE(tested.single_row_blocks().usable);
  // In bytes where the CPU has VBMI: ranges starting inside a group of 4 top blocks.
  EXPECT_EQ(tested.single_row_blocks().bytes, avx512vbmi_allowed() && !set_in_environment("POLYSCORE_NO_ROW_BYTES"));
  PreparedModel reference = prepare_model(forest);
  reference.row_blocks_at_first_row = false;  // single rows take the heap walk
  const std::vector<double> rows = rows_at_thresholds(forest, 100, 9);
  const size_t nf = forest.num_features;
  int compared = 0;
  for (auto [begin, end] : {std::pair{0u, 20u}, {0u, 16u}, {1u, 20u}, {3u, 19u}, {16u, 20u}, {2u, 18u}, {4u, 5u}}) {
    for (OutputKind kind : {OutputKind::kValue, OutputKind::kMargin}) {
      SCOPED_TRACE(testing::Message() << "trees [" << begin << ", " << end << ")");
      PredictRequest request;
      request.kind = kind;
      request.iteration_begin = begin;
      request.iteration_end = end;
      const PredictPlan plan = plan_prediction(forest, request);
      ASSERT_EQ(plan.tree_end - plan.tree_begin, end - begin);
      for (size_t r = 0; r < 100; ++r) {
        double want = 0, got = 0;
        predict_row(reference, plan, rows.data() + r * nf, &want);
        predict_row(tested, plan, rows.data() + r * nf, &got);
        ASSERT_TRUE(same_value(want, got)) << "row " << r << ": " << want << " != " << got;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 7 * 2 * 100);
}

TEST(RowBlockWalk, TakesHeapModelsAtMost8Deep) {
  // XGBoost depth 6 (float32 keys ranked to 16 bits); LightGBM 255-leaf trees of depth
  // 8 (double: the ranks as they are); trees deeper than 8 and categorical splits keep
  // the heap walk; POLYSCORE_NO_ROW_BLOCKS turns it off.
  const Forest xgb = load_model(read_file(source_path("tests/vectors/models/xgb3_reg_squarederror.json")), 0);
  const PreparedModel xgb_model = prepare_model(xgb);
  ASSERT_TRUE(xgb_model.heap.usable);
  EXPECT_TRUE(xgb_model.single_row_blocks().usable);
  EXPECT_FALSE(xgb_model.single_row_blocks().keys_are_ranks);
  const Forest cat = load_model(read_file(source_path("tests/vectors/models/xgb1_categorical_multi_softprob.json")), 0);
  const PreparedModel cat_model = prepare_model(cat);
  EXPECT_FALSE(cat_model.single_row_blocks().usable);
  // The switch is read at load, not at the first single row.
  setenv("POLYSCORE_NO_ROW_BLOCKS", "1", 1);
  const PreparedModel switched_off = prepare_model(xgb);
  unsetenv("POLYSCORE_NO_ROW_BLOCKS");
  EXPECT_FALSE(switched_off.single_row_blocks().usable);
  // Depths 9 and 10 (the heap walk's deepest) are refused; 8 is taken.
  PreparedModel deeper = prepare_model(xgb);
  deeper.heap.depth[0] = kRowBlockMaxDepth + 1;
  build_row_block_tables(deeper);
  EXPECT_FALSE(deeper.row_blocks.usable);
}

TEST(RowBlockWalk, BuiltAtTheFirstSingleRowNotAtLoad) {
  // A model scored only in batches never holds the tables (0.55 MiB for 500 trees of
  // depth 8); the first single row builds them, once, whichever threads ask. So with the
  // heap slots' leaves and the first leaf output.
  const Forest xgb = load_model(read_file(source_path("tests/vectors/models/xgb3_reg_squarederror.json")), 0);
  const PreparedModel model = prepare_model(xgb);
  EXPECT_FALSE(model.row_blocks.usable);
  EXPECT_TRUE(model.row_blocks.top.empty());
  EXPECT_TRUE(model.heap_leaf.empty());  // the heap slots' leaves wait for leaf output
  std::vector<const RowBlockTables*> seen(4);
  std::vector<const uint32_t*> leaves(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      seen[i] = &model.single_row_blocks();
      leaves[i] = model.heap_leaves();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(model.row_blocks.usable);
  for (const RowBlockTables* tables : seen) EXPECT_EQ(tables, &model.row_blocks);
  ASSERT_FALSE(model.heap_leaf.empty());
  for (const uint32_t* leaf : leaves) EXPECT_EQ(leaf, model.heap_leaf.data());
  EXPECT_EQ(model.heap_leaf, key_walk::heap_leaf_slots(model));
  EXPECT_TRUE(prepare_all_tables(xgb).row_blocks.usable);  // tests' models: at once
}

}  // namespace
}  // namespace polyscore
