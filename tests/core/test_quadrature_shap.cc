// QuadratureTreeSHAP (src/explain/quadrature_tree_shap.h): its values are checked against
// XGBoost 3.4.1 bit for bit in test_conformance.cc (the xgb34_ cases, vector leaves
// included); here, which files get it, and its quadrature rule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "explain/quadrature_tree_shap.h"
#include "explain/tree_shap.h"
#include "explain/tree_shap_interactions.h"
#include "loaders/loaders.h"
#include "test_util.h"

using polyscore_test::source_path;

namespace {

polyscore::Forest load(const std::string& model) {
  return polyscore::load_model(polyscore_test::read_file(source_path("tests/vectors/models/" + model)), 0);
}

TEST(QuadratureShap, ArithmeticFollowsTheXGBoostVersionThatWroteTheFile) {
  using polyscore::ShapArithmetic;
  EXPECT_EQ(polyscore::default_shap_arithmetic(load("xgb34_binary_logistic.json")),
            ShapArithmetic::kQuadratureTreeShap);
  EXPECT_EQ(polyscore::default_shap_arithmetic(load("xgb34_binary_logistic.ubj")),
            ShapArithmetic::kQuadratureTreeShap);
  EXPECT_EQ(polyscore::default_shap_arithmetic(load("xgb3_binary_logistic.json")), ShapArithmetic::kExactTreeShap);
  EXPECT_EQ(polyscore::default_shap_arithmetic(load("xgb1_binary_logistic.json")), ShapArithmetic::kExactTreeShap);
  EXPECT_EQ(polyscore::default_shap_arithmetic(load("lgb4_binary.txt")), ShapArithmetic::kExactTreeShap);
  polyscore::Forest f = load("xgb3_binary_logistic.json");
  for (const char* v : {"3.3.0", "3.10.2", "4.0.0"}) {
    f.library_version = v;
    EXPECT_EQ(polyscore::default_shap_arithmetic(f), ShapArithmetic::kQuadratureTreeShap) << v;
  }
  for (const char* v : {"3.2.9", "2.1.4", "", "x"}) {
    f.library_version = v;
    EXPECT_EQ(polyscore::default_shap_arithmetic(f), ShapArithmetic::kExactTreeShap) << v;
  }
}

// Vector leaves: defined by the quadrature (XGBoost 3.3+), refused by exact TreeSHAP.
TEST(QuadratureShap, VectorLeavesOnlyWithTheQuadrature) {
  const polyscore::Forest f = load("xgb34_multi_target_multi_output_tree.json");
  ASSERT_GT(f.leaf_size, 1u);
  EXPECT_TRUE(polyscore::prepare_contributions(f).usable);
  const auto exact = polyscore::prepare_contributions(f, polyscore::ShapArithmetic::kExactTreeShap);
  EXPECT_FALSE(exact.usable);
  EXPECT_NE(exact.unsupported.find("multi-target"), std::string::npos) << exact.unsupported;
  const auto lightgbm =
      polyscore::prepare_contributions(load("lgb4_binary.txt"), polyscore::ShapArithmetic::kQuadratureTreeShap);
  EXPECT_FALSE(lightgbm.usable);
}

// sum_k weight_k * node_k^j = integral over [0, 1] of t^j dt = 1 / (j + 1): the 8-point
// Gauss-Legendre rule in s (t = s^2) is exact for these degrees, up to float rounding.
TEST(QuadratureShap, RuleIntegratesPowersOnTheUnitInterval) {
  const polyscore::QuadratureRule& rule = polyscore::quadrature_rule();
  for (size_t k = 0; k < polyscore::kQuadraturePoints; ++k) {
    EXPECT_GT(rule.nodes[k], 0.0f);
    EXPECT_LT(rule.nodes[k], 1.0f);
    if (k > 0) {
      EXPECT_GT(rule.nodes[k], rule.nodes[k - 1]);  // ascending, as XGBoost stores them
    }
  }
  for (int j = 0; j <= 7; ++j) {
    double sum = 0.0;
    for (size_t k = 0; k < polyscore::kQuadraturePoints; ++k) sum += rule.weights[k] * std::pow(rule.nodes[k], j);
    EXPECT_NEAR(sum, 1.0 / (j + 1), 1e-6) << "degree " << j;
  }
}

// A split with zero cover: XGBoost 3.3+ gives each child 1/2 of the path (root means and
// branch weights) instead of refusing, as exact TreeSHAP does.
TEST(QuadratureShap, ZeroCoverSplitsAreExplained) {
  polyscore::Forest f = load("xgb34_binary_logistic.json");
  ASSERT_FALSE(f.node_covers32.empty());
  const polyscore::Tree& tree = f.trees[0];
  ASSERT_GT(tree.num_nodes, 3u);
  const uint32_t left = f.nodes[tree.node_begin].child_or_leaf;
  f.node_covers32[tree.node_begin + left] = 0.0f;
  f.node_covers32[tree.node_begin + left + 1] = 0.0f;
  f.node_covers32[tree.node_begin] = 0.0f;
  EXPECT_FALSE(polyscore::prepare_contributions(f, polyscore::ShapArithmetic::kExactTreeShap).usable);
  const auto tables = polyscore::prepare_contributions(f);
  ASSERT_TRUE(tables.usable) << tables.unsupported;
  std::vector<double> row(f.num_features, 0.5), out(polyscore::contrib_values_per_row(f));
  polyscore::contributions_dense(f, tables, 0, static_cast<uint32_t>(f.trees.size()), row.data(), 1, out.data(), 1);
  for (double v : out) EXPECT_TRUE(std::isfinite(v));
  f.node_covers32[tree.node_begin + left] = -1.0f;  // XGBoost: "undefined for trees with negative child cover"
  const auto negative = polyscore::prepare_contributions(f);
  EXPECT_FALSE(negative.usable);
  EXPECT_NE(negative.unsupported.find("negative"), std::string::npos) << negative.unsupported;
}

// Every batch size from 1 to 40 rows (full blocks of 8 or 16 rows, short padded blocks
// and rows left to the one-row walk, under every lane width ctest selects with
// POLYSCORE_NO_AVX512 / POLYSCORE_NO_AVX2): each row's contributions and interaction
// values in the batch are the bits of that row alone. Rows with missing values; a
// vector-leaf model too.
TEST(QuadratureShap, BatchesOfEverySizeGiveEachRowItsOwnBits) {
  for (const char* model : {"xgb34_binary_logistic.json", "xgb34_multi_target_multi_output_tree.json"}) {
    const polyscore::Forest f = load(model);
    const auto tables = polyscore::prepare_contributions(f);
    ASSERT_TRUE(tables.usable) << model;
    const uint32_t trees = static_cast<uint32_t>(f.trees.size());
    const size_t n = f.num_features, per_contrib = polyscore::contrib_values_per_row(f),
                 per_inter = polyscore::interaction_values_per_row(f);
    constexpr size_t kRows = 40;
    std::vector<double> rows(kRows * n);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = (i % 11 == 3) ? NAN : std::sin(0.37 * double(i)) * 3.0;
    std::vector<double> alone_c(kRows * per_contrib), alone_i(kRows * per_inter);
    for (size_t r = 0; r < kRows; ++r) {
      polyscore::contributions_dense(f, tables, 0, trees, &rows[r * n], 1, &alone_c[r * per_contrib], 1);
      polyscore::interactions_dense(f, tables, 0, trees, &rows[r * n], 1, &alone_i[r * per_inter], 1);
    }
    for (size_t batch = 2; batch <= kRows; ++batch) {
      std::vector<double> c(batch * per_contrib), inter(batch * per_inter);
      polyscore::contributions_dense(f, tables, 0, trees, rows.data(), batch, c.data(), 1);
      polyscore::interactions_dense(f, tables, 0, trees, rows.data(), batch, inter.data(), 1);
      EXPECT_EQ(0, std::memcmp(c.data(), alone_c.data(), c.size() * sizeof(double))) << model << ", " << batch;
      EXPECT_EQ(0, std::memcmp(inter.data(), alone_i.data(), inter.size() * sizeof(double))) << model << ", " << batch;
    }
  }
}

}  // namespace
