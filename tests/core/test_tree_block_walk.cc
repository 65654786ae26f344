// The tree block walk (predict/tree_block_walk.h) must give single rows exactly what the
// heap and linked walks give (test_key_walks.cc proves those equal to the general walk),
// values, margins and leaf ids, in all its forms (each block by the AVX-512 VBMI
// permute, by AVX2 shuffles, or level by level) and with either tables' values (the bitvector tables'
// slots, or its own): on every conformance model its tables take, on trees of every
// shape up to 64 leaves (chains 63 deep, single leaves, part blocks), on rows made to hit
// thresholds, signed zeros, NaN and infinities; and it takes exactly the models its
// tables allow, at their first single row, in place of the linked tables.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "loaders/loaders.h"
#include "predict/bitvector_tables.h"
#include "predict/cpu_features.h"
#include "predict/key_tables.h"
#include "predict/predictor.h"
#include "predict/tree_block_tables.h"
#include "test_rows.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_file;
using polyscore_test::expect_same_rows;
using polyscore_test::rows_at_thresholds;
using polyscore_test::same_value;
using polyscore_test::ScopedEnv;
using polyscore_test::source_path;

// The walk runs on every CPU, unless the environment turns it off.
bool walk_possible() { return tree_blocks_allowed(); }

// One way single rows take the walk: a form and where its values are.
struct TreeBlockModel {
  std::string name;
  PreparedModel model;
};

const char* slots_name(TreeBlockSlots slots) {
  switch (slots) {
    case TreeBlockSlots::kBitvector:
      return "bitvector slots";
    case TreeBlockSlots::kOwn:
      return "own values";
  }
  return "?";
}

// Every way the walk can take the forest's single rows here: with the bitvector tables'
// slots (built as if POLYSCORE_BITVECTOR_WALK=1, where they take single rows: AVX-512
// with CD), or with the tables' own values; each block by the VBMI permute and by AVX2
// shuffles (where the CPU has them) and level by level. Every table kept (prepare_model frees the walk nodes the tables are made from).
// None where the tables do not take the model.
std::vector<TreeBlockModel> with_tree_blocks(const Forest& forest) {
  std::vector<TreeBlockModel> ways;
  for (TreeBlockSlots slots : {TreeBlockSlots::kBitvector, TreeBlockSlots::kOwn}) {
    PreparedModel tested = prepare_all_tables(forest);
    tested.bitvector = BitvectorTables();
    if (slots == TreeBlockSlots::kBitvector) {
      ScopedEnv forced("POLYSCORE_BITVECTOR_WALK", "1");
      build_bitvector_tables(tested, true);
      if (!tested.bitvector.walks_rows() || !tested.bitvector.rows16) continue;
    }
    tested.tree_blocks = make_tree_block_tables(tested, slots);
    if (!tested.tree_blocks.usable) continue;
    // With their own values, batches take them too, as without AVX2.
    tested.tree_blocks_take_batches = slots == TreeBlockSlots::kOwn;
    EXPECT_EQ(tested.tree_blocks.slots, slots);
    for (TreeBlockStep step : {TreeBlockStep::kPermute, TreeBlockStep::kShuffles, TreeBlockStep::kLevels}) {
      if (step == TreeBlockStep::kPermute && !avx512vbmi_allowed()) continue;
      if (step == TreeBlockStep::kShuffles && !avx2_allowed()) continue;
      tested.tree_blocks.step = step;
      const char* name = step == TreeBlockStep::kPermute    ? "VBMI, "
                         : step == TreeBlockStep::kShuffles ? "AVX2, "
                                                            : "by levels, ";
      ways.push_back({std::string(name) + slots_name(slots), tested});
    }
  }
  return ways;
}

// Single rows by the heap or linked walk.
PreparedModel by_key_walks(const Forest& forest) {
  PreparedModel reference = prepare_all_tables(forest);
  reference.bitvector = BitvectorTables();
  reference.tree_blocks = TreeBlockTables();
  reference.tree_blocks_take_batches = false;
  return reference;
}

// Single rows by the general walk over the walk nodes (no tables by keys).
PreparedModel by_general_walk(const Forest& forest) {
  PreparedModel general = by_key_walks(forest);
  general.heap = HeapTables();
  general.linked = LinkedTables();
  general.family = choose_walk(general);
  return general;
}

TEST(TreeBlockWalk, MatchesTheKeyWalksOnEveryConformanceModel) {
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> models;
  for (const auto& c : manifest["cases"]) models.insert(c["model"].get<std::string>());
  int walked = 0, ways = 0;
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const Forest forest = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    const std::vector<TreeBlockModel> tested = with_tree_blocks(forest);
    walked += !tested.empty();
    const PreparedModel reference = by_key_walks(forest);
    const std::vector<double> rows = rows_at_thresholds(forest, 200, 5);
    for (const TreeBlockModel& way : tested) {
      SCOPED_TRACE(way.name);
      ++ways;
      expect_same_rows(reference, way.model, rows, 200);
      if (HasFatalFailure()) return;
    }
  }
  std::printf("[ info ] %d models checked on the tree block walk, %d ways in all\n", walked, ways);
  if (walk_possible()) {
    EXPECT_GT(walked, 40);
  } else {
    EXPECT_EQ(walked, 0);
  }
}

// A LightGBM-like model of `trees` trees (40 unless told) of every shape the walk takes: a single leaf, a
// stump, chains of 64 leaves 63 deep (to the left and to the right), balanced trees of
// 64 leaves, random ones of 5 to 64. Each split parts its leaves [lo, hi) at mid, with a
// threshold that grows with mid (so rows reach every depth), on one feature per 8
// levels; NaN missing, half the splits sending it left. At most 4 x 63 thresholds a
// feature, so every key fits a byte.
Forest shapes_forest(uint32_t trees = 40) {
  Forest forest;
  forest.format = ModelFormat::kLightGBMText;
  forest.num_features = 5;
  forest.base_margin = {0.25};
  std::mt19937 rng(17);
  const uint32_t kLeaves[] = {1, 2, 64, 64, 64, 5, 33, 64, 17, 64};
  for (uint32_t t = 0; t < trees; ++t) {
    const uint32_t leaves = kLeaves[t % 10];
    const uint32_t shape = t % 10;
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 0, 0, 0, 1.0});
    forest.iteration_begin.push_back(t);
    forest.nodes.push_back({});
    auto build = [&](auto& self, uint32_t i, uint32_t lo, uint32_t hi, uint32_t depth) -> void {
      Node& node = forest.nodes[root + i];
      if (hi - lo == 1) {
        node.flags = kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
        forest.leaf_values.push_back(std::ldexp(1.0, -int(lo % 40)) + t);
        forest.leaf_ids.push_back(static_cast<int32_t>(lo));
        return;
      }
      const uint32_t mid = shape == 2   ? lo + 1                                  // chain to the right
                           : shape == 3 ? hi - 1                                  // chain to the left
                           : shape == 4 ? (lo + hi) / 2                           // balanced
                                        : lo + 1 + rng() % (hi - lo - 1);         // random
      const uint32_t left = static_cast<uint32_t>(forest.nodes.size()) - root;
      node.feature = (t + depth / 8) % forest.num_features;
      node.threshold = (double(mid) - 32.0) / 8.0 + 0.01 * (t % 4);
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
  forest.iteration_begin.push_back(trees);
  return forest;
}

TEST(TreeBlockWalk, MatchesTheKeyWalksOnTreesOfEveryShape) {
  const Forest forest = shapes_forest();
  validate(forest);
  const std::vector<TreeBlockModel> tested = with_tree_blocks(forest);
  ASSERT_EQ(!tested.empty(), walk_possible());
  for (const TreeBlockModel& way : tested) {
    SCOPED_TRACE(way.name);
    // Blocks a tree: a single leaf and a stump 1, a chain 63 deep 16, a balanced tree of
    // 64 leaves (6 deep) 17 (its root block, and one below each of its 16 exits).
    const TreeBlockTables& tables = way.model.tree_blocks;
    const std::vector<uint32_t>& first = tables.first_block;
    EXPECT_EQ(first[1] - first[0], 1u);
    EXPECT_EQ(first[2] - first[1], 1u);
    EXPECT_EQ(first[3] - first[2], 16u);
    EXPECT_EQ(first[4] - first[3], 16u);
    EXPECT_EQ(first[5] - first[4], 17u);
    // Slots: the bitvector tables' 64 a tree, or the tables' own, one a leaf (1, 2, 64, ...).
    const std::vector<uint32_t>& slots = tables.first_slot;
    if (tables.slots == TreeBlockSlots::kOwn) {
      EXPECT_EQ(slots[1], 1u);
      EXPECT_EQ(slots[2], 3u);
      EXPECT_EQ(slots[3], 67u);
      EXPECT_EQ(tables.leaf.size(), 4 * (1 + 2 + 5 * 64 + 5 + 33 + 17u)) << "one slot a leaf";
    } else {
      EXPECT_EQ(slots[3], 3 * kBitvectorLeaves);
      EXPECT_TRUE(tables.leaf.empty() && tables.value64.empty());
    }
    expect_same_rows(by_key_walks(forest), way.model, rows_at_thresholds(forest, 1000, 3), 1000);
    if (HasFatalFailure()) return;
  }
}

TEST(TreeBlockWalk, MatchesTheGeneralWalkOnTreeRanges) {
  // A call walks up to kTreeChainCall (1,024) trees in 8 (or 12) chains, each taking its next
  // tree as it finishes one (tree_chains.h): ranges of fewer trees than chains, ranges
  // cut into calls, and chains whose trees are of very different depths (63 deep beside
  // stumps). The linked walk's single rows (the key walks here) take chains too.
  const Forest forest = shapes_forest(1100);
  const PreparedModel general = by_general_walk(forest);
  ASSERT_FALSE(general.walks_by_keys());
  const PreparedModel linked = by_key_walks(forest);
  ASSERT_EQ(linked.family, WalkFamily::kLinked);
  const std::vector<TreeBlockModel> tested = with_tree_blocks(forest);
  const std::vector<double> rows = rows_at_thresholds(forest, 100, 9);
  for (auto [begin, end] : {std::pair{0u, 1100u}, {1u, 1100u}, {3u, 19u}, {2u, 3u}, {0u, 1u}, {30u, 37u},
                            {1000u, 1100u}, {1u, 1026u}, {1024u, 1025u}}) {
    SCOPED_TRACE(testing::Message() << "trees [" << begin << ", " << end << ")");
    PredictRequest request;
    request.iteration_begin = begin;
    request.iteration_end = end;
    expect_same_rows(general, linked, rows, 100, request);
    for (const TreeBlockModel& way : tested) {
      SCOPED_TRACE(way.name);
      expect_same_rows(general, way.model, rows, 100, request);
    }
    if (HasFatalFailure()) return;
  }
}

// shapes_forest with every other split (736 of them) on feature 0 and the others on
// features 1-4, feature 0's thresholds taking `distinct` values in turn, so its keys
// (ranks) run to distinct - 1.
Forest thresholds_forest(uint32_t distinct) {
  Forest forest = shapes_forest();
  uint32_t split = 0, next = 0;
  for (Node& node : forest.nodes) {
    if (node.flags & kLeaf) continue;
    if (split++ % 2) {
      if (node.feature == 0) node.feature = 1;
      continue;
    }
    node.feature = 0;
    node.threshold = (double(next++ % distinct) - distinct / 2.0) / 8.0;
  }
  return forest;
}

// That the walk takes the forest where `taken` (and it runs here), and then that every
// way of it agrees with the key walks on rows at the thresholds.
void expect_taken_where_it_fits(const Forest& forest, bool taken) {
  validate(forest);
  const std::vector<TreeBlockModel> tested = with_tree_blocks(forest);
  EXPECT_EQ(!tested.empty(), walk_possible() && taken);
  for (const TreeBlockModel& way : tested) {
    SCOPED_TRACE(way.name);
    expect_same_rows(by_key_walks(forest), way.model, rows_at_thresholds(forest, 1000, 4), 1000);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(TreeBlockWalk, TakesKeysUpTo254) {
  // A row's byte key is its rank cut to 255, above every split's key only while those
  // are at most 254: 255 thresholds a feature fit, 256 keep the bitvector or linked walk.
  for (uint32_t distinct : {255u, 256u}) {
    SCOPED_TRACE(testing::Message() << distinct << " thresholds");
    expect_taken_where_it_fits(thresholds_forest(distinct), distinct <= 255);
    if (HasFatalFailure()) return;
  }
}

// shapes_forest over `features` features, its splits on each in turn, so that every one
// is used.
Forest features_forest(uint32_t features) {
  Forest forest = shapes_forest();
  forest.num_features = features;
  uint32_t split = 0;
  for (Node& node : forest.nodes) {
    if (!(node.flags & kLeaf)) node.feature = split++ % features;
  }
  return forest;
}

TEST(TreeBlockWalk, TakesUpTo64UsedFeatures) {
  // A row's byte keys are two a used feature (its key with NaN sent left, and right): 64
  // features fill all 128 bytes (the VBMI permute's second register, the level walk's
  // last byte); 65 do not fit, and keep the bitvector or linked walk.
  for (uint32_t features : {64u, 65u}) {
    SCOPED_TRACE(testing::Message() << features << " features");
    const Forest forest = features_forest(features);
    EXPECT_EQ(prepare_all_tables(forest).num_used_features(), features);
    expect_taken_where_it_fits(forest, features <= 64);
    if (HasFatalFailure()) return;
  }
}

TEST(TreeBlockWalk, BuiltAtTheFirstSingleRowOrAtLoadWithoutAvx2) {
  // A deep model (the linked walk's, whose single rows the bitvector walk takes with
  // AVX-512, and whose batches only with AVX2) scored only in batches never holds them;
  // the first single row builds them once, whichever threads ask, as prepare_all_tables
  // does. Without AVX-512 they have values of their own, and the linked tables single
  // rows would read are never built. Without AVX2 either, the linked walk would take the
  // batches: the tables take them instead, row by row, built at load, and the linked
  // tables are freed. Loaded as the environment says, and with AVX-512 (and AVX2) off.
  const Forest forest = shapes_forest();
  const std::vector<std::vector<const char*>> switches = {{}, {"POLYSCORE_NO_AVX512"},
                                                          {"POLYSCORE_NO_AVX512", "POLYSCORE_NO_AVX2"}};
  for (const std::vector<const char*>& off : switches) {
    SCOPED_TRACE(testing::Message() << off.size() << " switches at load");
    std::optional<PreparedModel> loaded, all;
    bool avx512 = false, avx2 = false;
    TreeBlockStep step = TreeBlockStep::kLevels;
    {
      std::vector<std::unique_ptr<ScopedEnv>> env;
      for (const char* name : off) env.push_back(std::make_unique<ScopedEnv>(name, "1"));
      loaded.emplace(prepare_model(forest));
      all.emplace(prepare_all_tables(forest));
      avx512 = avx512cd_allowed();
      avx2 = avx2_allowed();
      // Each block by the fastest step the CPU (as the switches leave it) has.
      step = avx512vbmi_allowed() ? TreeBlockStep::kPermute
             : avx2               ? TreeBlockStep::kShuffles
                                  : TreeBlockStep::kLevels;
    }
    const PreparedModel& model = *loaded;
    const TreeBlockSlots slots = avx512 ? TreeBlockSlots::kBitvector : TreeBlockSlots::kOwn;
    const bool at_load = walk_possible() && !avx2;
    EXPECT_EQ(model.tree_blocks.usable, at_load);
    EXPECT_EQ(model.tree_blocks_take_batches, at_load);
    EXPECT_EQ(all->tree_blocks_take_batches, at_load);
    std::vector<double> batch(16), rows = rows_at_thresholds(forest, 16, 2);
    const PredictPlan plan = plan_prediction(forest, PredictRequest{});
    predict_dense(model, plan, rows.data(), 16, batch.data());
    EXPECT_EQ(model.tree_blocks.usable, at_load);
    if (at_load) {
      // Batches and single rows alike read them: the linked tables are gone.
      EXPECT_TRUE(model.linked.nodes.empty() && model.walk.leaf.empty());
    }
    std::vector<const TreeBlockTables*> seen(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = &model.single_row_tree_blocks(); });
    for (std::thread& t : threads) t.join();
    for (const TreeBlockTables* tables : seen) EXPECT_EQ(tables, &model.tree_blocks);
    EXPECT_EQ(model.tree_blocks.usable, walk_possible());
    EXPECT_EQ(all->tree_blocks.usable, walk_possible());
    if (walk_possible()) {
      EXPECT_EQ(model.tree_blocks.slots, slots);
      EXPECT_EQ(all->tree_blocks.slots, slots);
      // `all` built its tables under the switches; `model` only where it built them at load.
      EXPECT_EQ(all->tree_blocks.step, step);
      if (at_load) {
        EXPECT_EQ(model.tree_blocks.step, step);
      }
    }
    EXPECT_TRUE(model.tree_blocks.blocks == all->tree_blocks.blocks);
    EXPECT_EQ(model.tree_blocks.first_block, all->tree_blocks.first_block);
    EXPECT_EQ(model.tree_blocks.first_slot, all->tree_blocks.first_slot);
    EXPECT_EQ(model.tree_blocks.leaf, all->tree_blocks.leaf);
    EXPECT_EQ(model.tree_blocks.sink, all->tree_blocks.sink);
    // The loaded model's single rows, leaf output included, give the batch's values.
    for (size_t r = 0; r < 16; ++r) {
      double got = 0;
      predict_row(model, plan, rows.data() + r * forest.num_features, &got);
      EXPECT_TRUE(same_value(batch[r], got)) << "row " << r;
    }
    expect_same_rows(by_key_walks(forest), model, rows_at_thresholds(forest, 300, 6), 300);
    // Where the tables have their own values, single rows never built the linked tables.
    if (walk_possible() && slots == TreeBlockSlots::kOwn) {
      EXPECT_TRUE(model.linked.nodes.empty() && model.walk.leaf.empty());
    }
  }
}

}  // namespace
}  // namespace polyscore
