// The contributions of one row with a leaf's unwound sums and ExtendPath in vector lanes
// (src/explain/one_row_sums.h) against the one-sum-at-a-time walk they replace: the same
// bits on every conformance model, and the lanes against XGBoost's UnwoundPathSum and
// ExtendPath written out on paths of every depth up to 80 (several vectors, several
// passes). ctest
// runs these again with POLYSCORE_NO_AVX512 (the AVX2 lanes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "explain/one_row_sums.h"
#include "explain/tree_shap.h"
#include "model/forest.h"
#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

// Sets an environment variable for the scope, restoring its absence after.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) { setenv(name, "1", 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

bool cpu_has_lanes() {
#if defined(__x86_64__) && !defined(POLYSCORE_PORTABLE)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && !std::getenv("POLYSCORE_NO_AVX2");
#else
  return false;
#endif
}

// The lanes are taken where the CPU has them, and the switch turns them off (else the
// comparison below would compare the scalar walk with itself).
TEST(OneRowContributions, LanesTakenWhereTheCpuHasThemAndSwitchedOff) {
  ASSERT_EQ(std::getenv("POLYSCORE_CONTRIB_ONE_ROW_SCALAR"), nullptr);
  EXPECT_EQ(static_cast<bool>(polyscore::one_row_unwound_sums<float>()), cpu_has_lanes());
  EXPECT_EQ(static_cast<bool>(polyscore::one_row_unwound_sums<double>()), cpu_has_lanes());
  ScopedEnv scalar("POLYSCORE_CONTRIB_ONE_ROW_SCALAR");
  EXPECT_FALSE(polyscore::one_row_unwound_sums<float>());
  EXPECT_FALSE(polyscore::one_row_unwound_sums<double>());
}

// XGBoost's UnwoundPathSum (src/tree/tree_model.cc), branches and all; LightGBM's is
// the same in double. zero[k], one[k]: element k + 1; pweight[j]: element j.
template <typename F>
F library_unwound_sum(const F* zero, const F* one, const F* pweight, uint32_t depth, uint32_t index) {
  const F one_fraction = one[index - 1], zero_fraction = zero[index - 1];
  F next_one_portion = pweight[depth];
  F total = 0;
  for (int i = static_cast<int>(depth) - 1; i >= 0; --i) {
    if (one_fraction != 0) {
      const F tmp = next_one_portion * static_cast<F>(depth + 1) / static_cast<F>((i + 1) * one_fraction);
      total += tmp;
      next_one_portion = pweight[i] - tmp * zero_fraction * ((depth - i) / static_cast<F>(depth + 1));
    } else if (zero_fraction != 0) {
      total += (pweight[i] / zero_fraction) / ((depth - i) / static_cast<F>(depth + 1));
    }
  }
  return total;
}

template <typename F>
void check_lanes_against_library(uint32_t max_depth) {
  const polyscore::UnwoundSums<F> sums = polyscore::one_row_unwound_sums<F>().one_leaf;
  if (!sums) GTEST_SKIP() << "no vector lanes on this CPU or build";
  std::mt19937 random(15);
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  size_t compared = 0;
  for (uint32_t depth = 1; depth <= max_depth; ++depth) {
    for (int trial = 0; trial < 20; ++trial) {
      const size_t padded = polyscore::one_row_sums_padded(depth);
      std::vector<F> zero(padded, F(1)), one(padded, F(1)), pweight(depth + 1), total(padded);
      for (uint32_t k = 0; k < depth; ++k) {
        // Cover ratios, some 0 (a child without cover); one fractions 0 or 1 for a row.
        zero[k] = fraction(random) < 0.1 ? F(0) : static_cast<F>(fraction(random));
        one[k] = fraction(random) < 0.5 ? F(0) : F(1);
      }
      for (uint32_t j = 0; j <= depth; ++j) pweight[j] = static_cast<F>(fraction(random));
      sums(zero.data(), one.data(), pweight.data(), depth, total.data());
      for (uint32_t index = 1; index <= depth; ++index, ++compared) {
        const F expected = library_unwound_sum(zero.data(), one.data(), pweight.data(), depth, index);
        ASSERT_EQ(0, std::memcmp(&expected, &total[index - 1], sizeof(F)))
            << "depth " << depth << " element " << index << ": " << expected << " vs " << total[index - 1];
      }
    }
  }
  EXPECT_GT(compared, 60000u);
}

TEST(OneRowContributions, FloatLanesAreXGBoostsUnwoundSums) { check_lanes_against_library<float>(80); }
TEST(OneRowContributions, DoubleLanesAreLightGBMsUnwoundSums) { check_lanes_against_library<double>(80); }

// Up to four leaves of one depth at once, each its own path, against the library's
// sums of each; every depth the shared lanes take, every leaf count.
template <typename F>
void check_leaves_against_library() {
  const polyscore::OneRowSums<F> lanes = polyscore::one_row_unwound_sums<F>();
  if (!lanes) GTEST_SKIP() << "no vector lanes on this CPU or build";
  constexpr uint32_t S = polyscore::kOneRowLeafStride;
  std::mt19937 random(15);
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  size_t compared = 0;
  for (uint32_t depth = 1; depth <= lanes.leaf_lanes; ++depth) {
    for (uint32_t leaves = 1; leaves <= polyscore::kOneRowMaxLeaves; ++leaves) {
      for (int trial = 0; trial < 50; ++trial) {
        std::vector<F> zero(leaves * S, F(1)), one(leaves * S, F(1)), pweight(leaves * S), total(leaves * S);
        for (uint32_t s = 0; s < leaves; ++s) {
          for (uint32_t k = 0; k < depth; ++k) {
            zero[s * S + k] = fraction(random) < 0.1 ? F(0) : static_cast<F>(fraction(random));
            one[s * S + k] = fraction(random) < 0.5 ? F(0) : F(1);
          }
          for (uint32_t j = 0; j <= depth; ++j) pweight[s * S + j] = static_cast<F>(fraction(random));
        }
        lanes.leaves(zero.data(), one.data(), pweight.data(), depth, leaves, total.data());
        for (uint32_t s = 0; s < leaves; ++s) {
          for (uint32_t index = 1; index <= depth; ++index, ++compared) {
            const F expected =
                library_unwound_sum(&zero[s * S], &one[s * S], &pweight[s * S], depth, index);
            ASSERT_EQ(0, std::memcmp(&expected, &total[s * S + index - 1], sizeof(F)))
                << "depth " << depth << " leaf " << s << " of " << leaves << " element " << index;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 4000u * lanes.leaf_lanes / 4);
}

TEST(OneRowContributions, FloatLeavesTogetherAreXGBoostsUnwoundSums) { check_leaves_against_library<float>(); }
TEST(OneRowContributions, DoubleLeavesTogetherAreLightGBMsUnwoundSums) { check_leaves_against_library<double>(); }

// XGBoost's ExtendPath (src/tree/tree_model.cc) on the path weights alone; LightGBM's is
// the same in double. pweight holds depth + 1 values, the last one the new element's.
template <typename F>
void library_extend(F* pweight, uint32_t depth, F zero_fraction, F one_fraction) {
  pweight[depth] = static_cast<F>(depth == 0 ? 1 : 0);
  for (int i = static_cast<int>(depth) - 1; i >= 0; i--) {
    pweight[i + 1] += one_fraction * pweight[i] * (i + 1) / static_cast<F>(depth + 1);
    pweight[i] = zero_fraction * pweight[i] * (depth - i) / static_cast<F>(depth + 1);
  }
}

// ExtendPath in lanes against the library's, paths of every depth up to 80 (several
// vectors), hot and cold children, some zero fractions and weights 0.
template <typename F>
void check_extend_against_library() {
  const polyscore::ExtendPathLanes<F> extend = polyscore::one_row_unwound_sums<F>().extend;
  if (!extend) GTEST_SKIP() << "no vector lanes on this CPU or build";
  std::mt19937 random(15);
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  size_t compared = 0;
  for (uint32_t depth = 1; depth <= 80; ++depth) {
    for (int trial = 0; trial < 40; ++trial) {
      const size_t padded = polyscore::one_row_sums_padded(depth);
      std::vector<F> old(padded), lanes(padded, F(7)), expected(depth + 1);
      for (uint32_t j = 0; j < depth; ++j) old[j] = fraction(random) < 0.05 ? F(0) : static_cast<F>(fraction(random));
      for (uint32_t j = depth; j < padded; ++j) old[j] = static_cast<F>(fraction(random));  // past the path
      const F zero_fraction = fraction(random) < 0.1 ? F(0) : static_cast<F>(fraction(random));
      const F one_fraction = trial % 2 ? F(1) : F(0);
      std::copy(old.begin(), old.begin() + depth, expected.begin());
      library_extend(expected.data(), depth, zero_fraction, one_fraction);
      extend(old.data(), lanes.data(), depth, zero_fraction, one_fraction);
      for (uint32_t j = 0; j <= depth; ++j, ++compared) {
        ASSERT_EQ(0, std::memcmp(&expected[j], &lanes[j], sizeof(F)))
            << "depth " << depth << " weight " << j << " one_fraction " << one_fraction << ": " << expected[j]
            << " vs " << lanes[j];
      }
      // Past the path: zeros to the end of the last vector written, then untouched.
      for (size_t j = depth + 1; j < padded; ++j) ASSERT_TRUE(lanes[j] == F(0) || lanes[j] == F(7)) << j;
    }
  }
  EXPECT_GT(compared, 130000u);
}

TEST(OneRowContributions, FloatExtendIsXGBoostsExtendPath) { check_extend_against_library<float>(); }
TEST(OneRowContributions, DoubleExtendIsLightGBMsExtendPath) { check_extend_against_library<double>(); }

// Calls check(m, opts, row, n_features, per_row, r) for every row of every conformance
// model with a margin, with its iteration range and PS_OUTPUT_CONTRIB; returns how many
// models were checked (those refusing contributions, e.g. vector leaves, are skipped).
template <typename Check>
size_t for_each_contrib_row(Check&& check) {
  const auto manifest =
      nlohmann::json::parse(polyscore_test::read_file(source_path("tests/vectors/manifest.json")));
  size_t checked = 0;
  for (const auto& c : manifest["cases"]) {
    if (!c["outputs"].contains("margin")) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    EXPECT_EQ(m.status, PS_OK) << m.message();
    if (m.status != PS_OK) return checked;
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    opts.iteration_begin = c["iteration_begin"];
    opts.iteration_end = c["iteration_end"];
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const size_t n_features = c["num_features"];
    size_t per_row = 0;
    if (ps_model_output_size(&per_row, m.model, 1, &opts, m.err) != PS_OK) continue;
    for (size_t r = 0; r < rows.size(); ++r) {
      check(m, opts, rows[r].data(), n_features, per_row, r);
      if (::testing::Test::HasFailure()) return checked;
    }
    ++checked;
  }
  return checked;
}

// Every conformance model through ps_model_predict_row: the lanes give the bits of the
// scalar walk.
TEST(OneRowContributions, SameBitsAsTheScalarWalkOnEveryModel) {
  const size_t checked = for_each_contrib_row([](Loaded& m, ps_predict_options& opts, const double* row,
                                                 size_t n_features, size_t per_row, size_t r) {
    std::vector<double> lanes(per_row), scalar(per_row);
    ASSERT_EQ(ps_model_predict_row(lanes.data(), per_row, m.model, row, n_features, &opts, m.err), PS_OK)
        << m.message();
    {
      ScopedEnv one_at_a_time("POLYSCORE_CONTRIB_ONE_ROW_SCALAR");
      ASSERT_EQ(ps_model_predict_row(scalar.data(), per_row, m.model, row, n_features, &opts, m.err), PS_OK)
          << m.message();
    }
    ASSERT_EQ(0, std::memcmp(lanes.data(), scalar.data(), per_row * sizeof(double))) << "row " << r;
  });
  EXPECT_GT(checked, 150u);
}

// One row with num_threads = 2 splits the trees between two threads and adds the second
// half's kept terms after the first (tree_shap.cc, one_row_two_threads): the same bits
// as on one thread, on every conformance model, its iteration range and every row.
TEST(OneRowContributions, TwoThreadsGiveTheBitsOfOne) {
  const size_t checked = for_each_contrib_row([](Loaded& m, ps_predict_options& opts, const double* row,
                                                 size_t n_features, size_t per_row, size_t r) {
    std::vector<double> one(per_row), two(per_row);
    opts.num_threads = 1;
    ASSERT_EQ(ps_model_predict_dense(one.data(), per_row, m.model, row, PS_DTYPE_FLOAT64, 1, n_features, &opts, m.err),
              PS_OK)
        << m.message();
    opts.num_threads = 2;
    ASSERT_EQ(ps_model_predict_dense(two.data(), per_row, m.model, row, PS_DTYPE_FLOAT64, 1, n_features, &opts, m.err),
              PS_OK)
        << m.message();
    ASSERT_EQ(0, std::memcmp(one.data(), two.data(), per_row * sizeof(double))) << "row " << r;
  });
  EXPECT_GT(checked, 150u);
}

}  // namespace

namespace deep {

// A forest of `trees` trees (3 margin outputs, a round of 3 trees) with leaves from depth
// 1 to `spine`: each tree has a spine of splits `spine` deep and random subtrees off it,
// laid out breadth first. Splits test features of a pool of `pool` (repeats on a path:
// UnwindPath), covers are random (a leaf's sometimes 0: a zero fraction of 0).
polyscore::Forest deep_forest(bool lightgbm, uint32_t trees, uint32_t spine, uint32_t pool, uint32_t seed) {
  using polyscore::Node;
  polyscore::Forest forest;
  forest.format = lightgbm ? polyscore::ModelFormat::kLightGBMText : polyscore::ModelFormat::kXGBoostJson;
  forest.arithmetic.float32 = !lightgbm;
  forest.num_features = pool;
  forest.num_margin_outputs = 3;
  forest.base_margin = {0.25, -0.5, 0.0};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  struct Slot {
    uint32_t index, depth, side_depth;
    bool spine;
  };
  for (uint32_t t = 0; t < trees; ++t) {
    if (t % 3 == 0) forest.iteration_begin.push_back(t);
    const uint32_t root = static_cast<uint32_t>(forest.nodes.size());
    forest.trees.push_back({root, 0, t % 3, static_cast<uint32_t>(forest.leaf_values.size()), 1.0});
    std::vector<Slot> queue{{0, 0, 0, true}};
    std::vector<Node> nodes(1);
    std::vector<double> covers(1);
    for (size_t head = 0; head < queue.size(); ++head) {
      const Slot s = queue[head];
      Node& node = nodes[s.index];
      const bool split = s.spine ? s.depth < spine : s.side_depth < 4 && unit(rng) < 0.6;
      if (!split) {
        node.flags = polyscore::kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest.leaf_values.size());
        forest.leaf_values.push_back(unit(rng) * 2.0 - 1.0);
        covers[s.index] = unit(rng) < 0.1 ? 0.0 : std::floor(unit(rng) * 50.0);
        continue;
      }
      const uint32_t left = static_cast<uint32_t>(nodes.size());
      node.feature = t % 2 ? s.depth % pool : static_cast<uint32_t>(rng() % pool);
      node.threshold = unit(rng) * 2.0 - 1.0;
      node.flags = polyscore::kNanIsMissing | (rng() % 2 ? polyscore::kDefaultLeft : 0);
      node.child_or_leaf = left;
      covers[s.index] = 1.0 + std::floor(unit(rng) * 100.0);
      const bool spine_left = rng() % 2;
      queue.push_back({left, s.depth + 1, s.spine ? 0 : s.side_depth + 1, s.spine && spine_left});
      queue.push_back({left + 1, s.depth + 1, s.spine ? 0 : s.side_depth + 1, s.spine && !spine_left});
      nodes.resize(nodes.size() + 2);
      covers.resize(covers.size() + 2);
    }
    forest.trees.back().num_nodes = static_cast<uint32_t>(nodes.size());
    forest.nodes.insert(forest.nodes.end(), nodes.begin(), nodes.end());
    forest.node_covers.insert(forest.node_covers.end(), covers.begin(), covers.end());
  }
  forest.iteration_begin.push_back(trees);
  polyscore::validate(forest);
  return forest;
}

// One row's contributions over trees [begin, end) on 1 or 2 threads.
std::vector<double> explain(const polyscore::Forest& forest, const polyscore::ContribTables& tables,
                            uint32_t begin, uint32_t end, const std::vector<double>& row, unsigned threads) {
  std::vector<double> out(polyscore::contrib_values_per_row(forest));
  polyscore::contributions_dense(forest, tables, begin, end, row.data(), 1, out.data(), threads);
  return out;
}

// Trees far deeper than the conformance models' (leaves 1 to 60 deep, unique paths past
// one vector and past the queued depths, features repeated on a path, zero fractions of
// 0): one row in lanes gives the scalar walk's bits, on one thread and on two, over
// every tree and over a range of rounds.
void check_deep_trees(bool lightgbm) {
  if (!cpu_has_lanes()) GTEST_SKIP() << "no vector lanes on this CPU or build";
  size_t compared = 0;
  for (uint32_t pool : {5u, 40u, 70u}) {
    SCOPED_TRACE(pool);
    const polyscore::Forest forest = deep_forest(lightgbm, 12, 60, pool, pool);
    const polyscore::ContribTables tables = polyscore::prepare_contributions(forest);
    ASSERT_TRUE(tables.usable) << tables.unsupported;
    ASSERT_GE(tables.max_depth, 60u);
    std::mt19937 rng(pool + 1);
    std::uniform_real_distribution<double> value(-1.2, 1.2);
    for (int r = 0; r < 30; ++r) {
      std::vector<double> row(pool);
      for (double& v : row) v = rng() % 10 == 0 ? std::nan("") : value(rng);
      for (auto [begin, end] : {std::pair<uint32_t, uint32_t>{0, 12}, {3, 9}}) {
        const std::vector<double> lanes = explain(forest, tables, begin, end, row, 1);
        const std::vector<double> two = explain(forest, tables, begin, end, row, 2);
        std::vector<double> scalar;
        {
          ScopedEnv one_at_a_time("POLYSCORE_CONTRIB_ONE_ROW_SCALAR");
          scalar = explain(forest, tables, begin, end, row, 1);
        }
        ASSERT_EQ(0, std::memcmp(lanes.data(), scalar.data(), lanes.size() * sizeof(double))) << "row " << r;
        ASSERT_EQ(0, std::memcmp(two.data(), scalar.data(), two.size() * sizeof(double))) << "row " << r;
        compared += lanes.size();
      }
    }
  }
  EXPECT_GT(compared, 10000u);
}

}  // namespace deep

TEST(OneRowContributions, DeepTreesFloatSameBitsAsTheScalarWalk) { deep::check_deep_trees(false); }
TEST(OneRowContributions, DeepTreesDoubleSameBitsAsTheScalarWalk) { deep::check_deep_trees(true); }
