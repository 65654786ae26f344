// Tests of the XGBoost JSON / UBJSON loaders: hand-written minimal models checked field by
// field, error cases, and every XGBoost model in tests/vectors/manifest.json (metadata checked
// against the manifest; margins and leaf ids recomputed from the loaded Forest by a naive
// reference walk and compared with what XGBoost itself returned).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "model/error.h"
#include "model/forest.h"
#include "predict/output_transform.h"
#include "test_util.h"

namespace polyscore {
namespace {

using nlohmann::json;

// --- a minimal model, assembled from parts -------------------------------------------------

// XGBoost ids (not breadth-first on purpose):
//   0: f0 < 1.0, yes -> 2, no -> 1, missing -> right
//   1: leaf -0.25
//   2: f1 < 0.5, yes -> 3, no -> 4, missing -> left
//   3: leaf 0.5        4: leaf 0.75
const char* kTree = R"({
  "base_weights": [0, 0, 0, 0, 0],
  "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
  "default_left": [0, 0, 1, 0, 0],
  "id": 0,
  "left_children": [2, -1, 3, -1, -1],
  "loss_changes": [1, 0, 1, 0, 0],
  "parents": [2147483647, 0, 0, 2, 2],
  "right_children": [1, -1, 4, -1, -1],
  "split_conditions": [1.0, -0.25, 0.5, 0.5, 0.75],
  "split_indices": [0, 0, 1, 0, 0],
  "split_type": [0, 0, 0, 0, 0],
  "sum_hessian": [5, 2, 3, 1, 2],
  "tree_param": {"num_deleted": "0", "num_feature": "3", "num_nodes": "5", "size_leaf_vector": "1"}
})";

// A stump: root f2 < -1 (missing -> left), leaves 1.5 / -1.5.
std::string stump(int id, const std::string& extra = "") {
  return R"({"base_weights": [0, 0, 0], "default_left": [1, 0, 0], "id": )" + std::to_string(id) +
         R"(, "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2147483647, 0, 0],
      "split_conditions": [-1.0, 1.5, -1.5], "split_indices": [2, 0, 0], "split_type": [0, 0, 0],
      "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0],
      "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
      "tree_param": {"num_deleted": "0", "num_feature": "3", "num_nodes": "3", "size_leaf_vector": "1"})" +
         extra + "}";
}

struct ModelSpec {
  std::string objective = "reg:squarederror";
  std::string base_score = "\"5E-1\"";
  std::string num_class = "0";
  std::string num_target = "1";
  std::string num_feature = "3";
  std::string trees = kTree;
  std::string tree_info = "[0]";
  std::string indptr = "";  // e.g. "[0, 1]"; empty: no iteration_indptr (as 1.x)
  std::string gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "1"})";
  std::string booster;      // whole gradient_booster object; empty: gbtree from the above
  std::string feature_names = R"(["a", "b", "c"])";
  std::string version = "[2, 1, 3]";
};

std::string make_model(const ModelSpec& s) {
  std::string model = R"({"gbtree_model_param": )" + s.gbtree_param +
                      (s.indptr.empty() ? "" : R"(, "iteration_indptr": )" + s.indptr) +
                      R"(, "tree_info": )" + s.tree_info + R"(, "trees": [)" + s.trees + "]}";
  std::string gb = s.booster.empty() ? R"({"name": "gbtree", "model": )" + model + "}" : s.booster;
  return R"({"learner": {"attributes": {}, "feature_names": )" + s.feature_names +
         R"(, "feature_types": [], "gradient_booster": )" + gb +
         R"(, "learner_model_param": {"base_score": )" + s.base_score +
         R"(, "boost_from_average": "1", "num_class": ")" + s.num_class + R"(", "num_feature": ")" +
         s.num_feature + R"(", "num_target": ")" + s.num_target + R"("},
      "objective": {"name": ")" + s.objective + R"(", "reg_loss_param": {"scale_pos_weight": "1"}}},
    "version": )" + s.version + "}";
}

std::string to_ubjson(const std::string& text) {
  std::vector<uint8_t> bytes = json::to_ubjson(json::parse(text), true, true);
  return std::string(bytes.begin(), bytes.end());
}

float below(float f) { return std::nextafter(f, -std::numeric_limits<float>::infinity()); }

// --- hand-written models ------------------------------------------------------------------

TEST(XGBoostLoader, NodeLayoutThresholdsAndDefaults) {
  Forest f = load_xgboost_json(make_model({}));
  EXPECT_EQ(f.format, ModelFormat::kXGBoostJson);
  EXPECT_EQ(f.objective, "reg:squarederror");
  EXPECT_EQ(f.booster, "gbtree");
  EXPECT_EQ(f.library_version, "2.1.3");
  EXPECT_EQ(f.num_features, 3u);
  EXPECT_EQ(f.num_margin_outputs, 1u);
  EXPECT_EQ(f.feature_names.to_vector(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f.transform, Transform::kIdentity);
  EXPECT_TRUE(f.arithmetic.float32);
  ASSERT_EQ(f.base_margin, std::vector<double>{0.5});
  ASSERT_EQ(f.trees.size(), 1u);
  EXPECT_EQ(f.trees[0].node_begin, 0u);
  EXPECT_EQ(f.trees[0].num_nodes, 5u);
  EXPECT_EQ(f.trees[0].output, 0u);
  EXPECT_EQ(f.trees[0].weight, 1.0);
  ASSERT_EQ(f.nodes.size(), 5u);
  // Breadth-first: [x0, x2, x1, x3, x4].
  const Node& root = f.nodes[0];
  EXPECT_EQ(root.flags, kNanIsMissing);  // missing -> right
  EXPECT_EQ(root.feature, 0u);
  EXPECT_EQ(root.child_or_leaf, 1u);
  EXPECT_EQ(root.threshold, static_cast<double>(below(1.0f)));
  const Node& n1 = f.nodes[1];  // xgboost node 2
  EXPECT_EQ(n1.flags, kNanIsMissing | kDefaultLeft);
  EXPECT_EQ(n1.feature, 1u);
  EXPECT_EQ(n1.child_or_leaf, 3u);
  EXPECT_EQ(n1.threshold, static_cast<double>(below(0.5f)));
  for (int i : {2, 3, 4}) EXPECT_EQ(f.nodes[i].flags, kLeaf) << i;
  EXPECT_EQ(f.nodes[2].child_or_leaf, 0u);
  EXPECT_EQ(f.nodes[3].child_or_leaf, 1u);
  EXPECT_EQ(f.nodes[4].child_or_leaf, 2u);
  EXPECT_EQ(f.leaf_ids, (std::vector<int32_t>{1, 3, 4}));
  EXPECT_EQ(f.leaf_values, (std::vector<double>{-0.25, 0.5, 0.75}));
  EXPECT_EQ(f.leaf_size, 1u);
  EXPECT_EQ(f.iteration_begin, (std::vector<uint32_t>{0, 1}));
  EXPECT_FALSE(f.has_linear);
  // x < 1.0f in float32 is exactly x <= threshold.
  EXPECT_TRUE(0.99999994f <= root.threshold);
  EXPECT_FALSE(1.0f <= root.threshold);
}

TEST(XGBoostLoader, BaseScoreSpellings) {
  ModelSpec s;
  s.objective = "binary:logistic";
  for (const char* spelling : {"\"2.5E-1\"", "\"[2.5E-1]\"", "0.25", "\" 0.25 \""}) {
    s.base_score = spelling;
    Forest f = load_xgboost_json(make_model(s));
    ASSERT_EQ(f.base_margin.size(), 1u) << spelling;
    EXPECT_EQ(f.base_margin[0], static_cast<double>(-std::log(1.0f / 0.25f - 1.0f))) << spelling;
    EXPECT_EQ(f.transform, Transform::kSigmoid);
  }
  s.objective = "count:poisson";
  s.base_score = "\"2E0\"";
  Forest p = load_xgboost_json(make_model(s));
  EXPECT_EQ(p.base_margin[0], static_cast<double>(std::log(2.0f)));
  EXPECT_EQ(p.transform, Transform::kExp);

  // One value per class, identity link for multi:*.
  ModelSpec m;
  m.objective = "multi:softprob";
  m.num_class = "2";
  m.base_score = "\"[-1.5E0,2.5E-1]\"";
  m.trees = stump(0) + "," + stump(1);
  m.tree_info = "[0, 1]";
  m.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "2"})";
  Forest mc = load_xgboost_json(make_model(m));
  EXPECT_EQ(mc.num_margin_outputs, 2u);
  EXPECT_EQ(mc.base_margin, (std::vector<double>{-1.5, 0.25}));
  EXPECT_EQ(mc.transform, Transform::kSoftmax);
  EXPECT_EQ(mc.iteration_begin, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(mc.trees[1].output, 1u);
  m.objective = "multi:softmax";
  m.base_score = "\"5E-1\"";
  Forest am = load_xgboost_json(make_model(m));
  EXPECT_EQ(am.transform, Transform::kArgmax);
  EXPECT_EQ(am.base_margin, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(am.num_value_outputs(), 1u);

  // Logistic base_score outside (0, 1) is what XGBoost refuses to load.
  s.objective = "binary:logistic";
  s.base_score = "\"1.5E0\"";
  try {
    load_xgboost_json(make_model(s));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_NE(std::string(e.what()).find("base_score"), std::string::npos);
  }
}

TEST(XGBoostLoader, ObjectivesMapToTransforms) {
  struct Row {
    const char* objective;
    Transform t;
  } rows[] = {{"reg:logistic", Transform::kSigmoid},   {"binary:logitraw", Transform::kIdentity},
              {"binary:hinge", Transform::kHinge},     {"reg:gamma", Transform::kExp},
              {"reg:tweedie", Transform::kExp},        {"survival:cox", Transform::kExp},
              {"survival:aft", Transform::kExp},       {"rank:pairwise", Transform::kIdentity},
              {"rank:ndcg", Transform::kIdentity},     {"rank:map", Transform::kIdentity},
              {"reg:absoluteerror", Transform::kIdentity}, {"reg:pseudohubererror", Transform::kIdentity}};
  for (const Row& r : rows) {
    ModelSpec s;
    s.objective = r.objective;
    Forest f = load_xgboost_json(make_model(s));
    EXPECT_EQ(f.transform, r.t) << r.objective;
  }
}

TEST(XGBoostLoader, CategoricalBitsets) {
  ModelSpec s;
  s.trees = R"({"base_weights": [0, 0, 0], "default_left": [1, 0, 0], "id": 0,
      "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2147483647, 0, 0],
      "split_conditions": [1e-45, 1.0, 2.0], "split_indices": [1, 0, 0], "split_type": [1, 0, 0],
      "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0],
      "categories": [1, 5, 33], "categories_nodes": [0], "categories_segments": [0], "categories_sizes": [3],
      "tree_param": {"num_deleted": "0", "num_feature": "3", "num_nodes": "3", "size_leaf_vector": "1"}})";
  Forest f = load_xgboost_json(make_model(s));
  const Node& root = f.nodes[0];
  EXPECT_EQ(root.flags, kCategorical | kNanIsMissing | kDefaultLeft);  // in set -> right
  EXPECT_EQ(root.feature, 1u);
  EXPECT_EQ(root.category.word_begin, 0u);
  ASSERT_EQ(root.category.num_words, 2u);
  EXPECT_EQ(f.category_words, (std::vector<uint32_t>{(1u << 1) | (1u << 5), 1u << 1}));

  // A categorical node missing from categories_nodes.
  std::string bad = s.trees;
  bad.replace(bad.find("\"categories_nodes\": [0]"), 23, "\"categories_nodes\": [1]");
  s.trees = bad;
  try {
    load_xgboost_json(make_model(s));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_NE(std::string(e.what()).find("categories_nodes"), std::string::npos) << e.what();
  }
}

TEST(XGBoostLoader, DartWeightsAndRounds) {
  ModelSpec s;
  s.trees = stump(0) + "," + stump(1);
  s.tree_info = "[0, 0]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "2"})";
  std::string model = R"({"gbtree_model_param": )" + s.gbtree_param + R"(, "tree_info": [0, 0], "trees": [)" +
                      s.trees + "]}";
  s.booster = R"({"name": "dart", "gbtree": {"name": "gbtree", "model": )" + model +
              R"(}, "weight_drop": [0.5, 0.25]})";
  Forest f = load_xgboost_json(make_model(s));
  EXPECT_EQ(f.booster, "dart");
  ASSERT_EQ(f.trees.size(), 2u);
  EXPECT_EQ(f.trees[0].weight, 0.5);
  EXPECT_EQ(f.trees[1].weight, 0.25);
  EXPECT_EQ(f.trees[1].node_begin, 3u);
  EXPECT_EQ(f.iteration_begin, (std::vector<uint32_t>{0, 1, 2}));

  // weight_drop of the wrong length.
  s.booster = R"({"name": "dart", "gbtree": {"name": "gbtree", "model": )" + model + R"(}, "weight_drop": [0.5]})";
  EXPECT_THROW(load_xgboost_json(make_model(s)), Error);
}

// XGBoost 3.3+ saves DART as {"name": "gbtree", "model": {..., "weight_drop": [...]}}
// (GBTreeModel::SaveModel); without the weights every tree would count in full.
TEST(XGBoostLoader, DartWeightsInsideTheGbtreeModel) {
  ModelSpec s;
  s.trees = stump(0) + "," + stump(1);
  s.tree_info = "[0, 0]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "2"})";
  const std::string head = R"({"name": "gbtree", "model": {"gbtree_model_param": )" + s.gbtree_param +
                           R"(, "tree_info": [0, 0], "trees": [)" + s.trees + "]";
  s.booster = head + R"(, "weight_drop": [0.5, 0.25]}})";
  Forest f = load_xgboost_json(make_model(s));
  ASSERT_EQ(f.trees.size(), 2u);
  EXPECT_EQ(f.trees[0].weight, 0.5);
  EXPECT_EQ(f.trees[1].weight, 0.25);
  EXPECT_EQ(load_xgboost_ubjson(to_ubjson(make_model(s))).trees[1].weight, 0.25);

  s.booster = head + "}}";  // plain gbtree: weight 1
  EXPECT_EQ(load_xgboost_json(make_model(s)).trees[1].weight, 1.0);

  s.booster = head + R"(, "weight_drop": [0.5]}})";  // one weight for two trees
  try {
    load_xgboost_json(make_model(s));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_NE(std::string(e.what()).find("learner.gradient_booster.model.weight_drop' has 1 entries for 2 trees"),
              std::string::npos)
        << e.what();
  }
}

// reg:expectileerror (XGBoost 3.3+) with several expectiles: base_score holds the
// expectiles (output space); the margins are the first one and the inverse softplus of each
// gap less 1e-6 (ExpectileRegression::ProbToMargin, float32), and predict() adds them back
// up. One expectile is the identity both ways.
TEST(XGBoostLoader, ExpectileMarginsAndTransform) {
  ModelSpec s;
  s.objective = "reg:expectileerror";
  s.base_score = R"("[-7.596181E-1,-5.717334E-2,6.7540705E-1]")";
  s.num_target = "3";
  s.trees = stump(0) + "," + stump(1) + "," + stump(2);  // one tree per expectile
  s.tree_info = "[0, 1, 2]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "3"})";
  Forest f = load_xgboost_json(make_model(s));
  EXPECT_EQ(f.transform, Transform::kExpectileSteps);
  const float b[3] = {-7.596181e-1f, -5.717334e-2f, 6.7540705e-1f};
  ASSERT_EQ(f.base_margin.size(), 3u);
  EXPECT_EQ(f.base_margin[0], static_cast<double>(b[0]));
  for (int j = 1; j < 3; ++j) {
    const float gap = std::max(b[j] - b[j - 1] - 1e-6f, 1e-6f);
    EXPECT_EQ(f.base_margin[j], static_cast<double>(gap + std::log(-std::expm1(-gap)))) << j;
  }
  // The transform undoes the link to within float rounding.
  std::vector<float> m(f.base_margin.begin(), f.base_margin.end());
  std::vector<double> value(3);
  write_values(f, m.data(), value.data());
  EXPECT_NEAR(value[0], -7.596181e-1, 1e-7);
  EXPECT_NEAR(value[1], -5.717334e-2, 1e-6);
  EXPECT_NEAR(value[2], 6.7540705e-1, 1e-6);

  s = ModelSpec();
  s.objective = "reg:expectileerror";
  s.base_score = R"("[4.2774627E-1]")";
  Forest one = load_xgboost_json(make_model(s));
  EXPECT_EQ(one.base_margin, (std::vector<double>{static_cast<double>(4.2774627e-1f)}));
  float x = 0.25f;
  double v = 0;
  write_values(one, &x, &v);
  EXPECT_EQ(v, 0.25);
}

TEST(XGBoostLoader, RoundsFromIndptrOrParallelTrees) {
  ModelSpec s;
  s.trees = stump(0) + "," + stump(1) + "," + stump(2) + "," + stump(3);
  s.tree_info = "[0, 0, 0, 0]";
  s.gbtree_param = R"({"num_parallel_tree": "2", "num_trees": "4"})";
  EXPECT_EQ(load_xgboost_json(make_model(s)).iteration_begin, (std::vector<uint32_t>{0, 2, 4}));
  s.indptr = "[0, 1, 4]";
  EXPECT_EQ(load_xgboost_json(make_model(s)).iteration_begin, (std::vector<uint32_t>{0, 1, 4}));
  s.indptr = "[0, 3, 2, 4]";
  EXPECT_THROW(load_xgboost_json(make_model(s)), Error);
  s.indptr = "[0, 1, 3]";
  EXPECT_THROW(load_xgboost_json(make_model(s)), Error);
  // Trees are placed by id.
  s.indptr = "";
  s.trees = stump(1) + "," + stump(0, "") ;
  s.tree_info = "[0, 0]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "2"})";
  EXPECT_EQ(load_xgboost_json(make_model(s)).trees.size(), 2u);
  s.trees = stump(1) + "," + stump(1);
  EXPECT_THROW(load_xgboost_json(make_model(s)), Error);
}

TEST(XGBoostLoader, GbLinear) {
  ModelSpec s;
  s.num_class = "2";
  s.objective = "multi:softprob";
  s.booster = R"({"name": "gblinear", "model": {"boosted_rounds": 3,
      "weights": [1, 2, 3, 4, 5, 6, 7, 8]}})";
  Forest f = load_xgboost_json(make_model(s));
  EXPECT_TRUE(f.has_linear);
  EXPECT_EQ(f.linear.weights, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(f.linear.bias, (std::vector<double>{7, 8}));
  EXPECT_TRUE(f.trees.empty());
  s.booster = R"({"name": "gblinear", "model": {"weights": [1, 2, 3]}})";
  EXPECT_THROW(load_xgboost_json(make_model(s)), Error);
}

TEST(XGBoostLoader, MultiTargetVectorLeaves) {
  const char* tree_base_weights = R"({"base_weights": [0, 0, 1, 2, 3, 4], "default_left": [0, 0, 0], "id": 0,
      "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2147483647, 0, 0],
      "split_conditions": [0.5, 0, 0], "split_indices": [0, 0, 0],
      "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0],
      "tree_param": {"num_deleted": "0", "num_feature": "3", "num_nodes": "3", "size_leaf_vector": "2"}})";
  // 3.2+: leaf_weights rows indexed by right_children of the leaf.
  const char* tree_leaf_weights = R"({"base_weights": [0, 0], "leaf_weights": [3, 4, 1, 2], "default_left": [0, 0, 0],
      "id": 0, "left_children": [1, -1, -1], "right_children": [2, 1, 0], "parents": [2147483647, 0, 0],
      "split_conditions": [0.5, 1e-45, 1e-45], "split_indices": [0, 0, 0],
      "loss_changes": [0, 0, 0], "sum_hessian": [0, 0, 0],
      "tree_param": {"num_deleted": "0", "num_feature": "3", "num_nodes": "3", "size_leaf_vector": "2"}})";
  for (const char* tree : {tree_base_weights, tree_leaf_weights}) {
    ModelSpec s;
    s.num_target = "2";
    s.base_score = "\"[1E0,2E0]\"";
    s.trees = tree;
    s.indptr = "[0, 1]";
    Forest f = load_xgboost_json(make_model(s));
    EXPECT_EQ(f.num_margin_outputs, 2u);
    EXPECT_EQ(f.leaf_size, 2u);
    EXPECT_EQ(f.leaf_values, (std::vector<double>{1, 2, 3, 4}));
    EXPECT_EQ(f.leaf_ids, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(f.base_margin, (std::vector<double>{1, 2}));
    EXPECT_EQ(f.trees[0].output, 0u);
  }
}

TEST(XGBoostLoader, UbjsonMatchesJson) {
  ModelSpec s;
  s.objective = "binary:logistic";
  Forest a = load_xgboost_json(make_model(s));
  Forest b = load_xgboost_ubjson(to_ubjson(make_model(s)));
  EXPECT_EQ(b.format, ModelFormat::kXGBoostUbjson);
  EXPECT_EQ(a.base_margin, b.base_margin);
  EXPECT_EQ(a.leaf_values, b.leaf_values);
  EXPECT_EQ(a.leaf_ids, b.leaf_ids);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].flags, b.nodes[i].flags);
    EXPECT_EQ(a.nodes[i].child_or_leaf, b.nodes[i].child_or_leaf);
    if (!(a.nodes[i].flags & kLeaf)) {
      EXPECT_EQ(a.nodes[i].threshold, b.nodes[i].threshold);
    }
  }
}

// --- errors ---------------------------------------------------------------------------------

void expect_error(const std::string& bytes, ps_status code, const std::string& needle, bool ubj = false) {
  try {
    if (ubj) load_xgboost_ubjson(bytes);
    else load_xgboost_json(bytes);
    ADD_FAILURE() << "no error; expected one naming '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what();
  }
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

TEST(XGBoostLoaderErrors, EmptyTruncatedNotJson) {
  const std::string good = make_model({});
  expect_error("", PS_ERR_PARSE, "empty");
  for (size_t cut : {size_t{1}, size_t{10}, good.size() / 3, good.size() / 2, good.size() - 1})
    expect_error(good.substr(0, cut), PS_ERR_PARSE, "not valid JSON");
  expect_error("hello", PS_ERR_PARSE, "not valid JSON");
  expect_error("\x01\x02\x03", PS_ERR_PARSE, "not valid JSON");

  const std::string ubj = to_ubjson(good);
  expect_error("", PS_ERR_PARSE, "empty", true);
  for (size_t cut : {size_t{1}, size_t{10}, ubj.size() / 3, ubj.size() / 2, ubj.size() - 1})
    expect_error(ubj.substr(0, cut), PS_ERR_PARSE, "not valid UBJSON", true);
  expect_error("hello", PS_ERR_PARSE, "UBJSON", true);
  // An array that claims 2^40 float elements in a 20-byte file.
  expect_error(std::string("[$d#L\x00\x00\x01\x00\x00\x00\x00\x00", 13) + "abcd", PS_ERR_PARSE, "ubjson", true);
  // A well-formed UBJSON document of the wrong shape.
  expect_error(to_ubjson("[1, 2]"), PS_ERR_PARSE, "not a JSON object", true);
}

TEST(XGBoostLoaderErrors, WrongShape) {
  expect_error("[]", PS_ERR_PARSE, "not a JSON object");
  expect_error("{}", PS_ERR_PARSE, "'learner'");
  expect_error(R"({"learner": 5})", PS_ERR_PARSE, "'learner' is not an object");
  const std::string good = make_model({});
  expect_error(replace(good, "\"learner_model_param\"", "\"lmp\""), PS_ERR_PARSE, "learner.learner_model_param");
  expect_error(replace(good, R"("num_feature": "3", "num_target")", R"("num_feature": "x", "num_target")"),
               PS_ERR_PARSE, "num_feature");
  expect_error(replace(good, R"("num_class": "0")", R"("num_class": "-1")"), PS_ERR_PARSE, "num_class' is negative");
  expect_error(replace(good, R"("base_score": "5E-1")", R"("base_score": "abc")"), PS_ERR_PARSE, "base_score");
  expect_error(replace(good, R"("base_score": "5E-1")", R"("base_score": "[1,2,3]")"), PS_ERR_PARSE, "base_score");
  expect_error(replace(good, R"("num_trees": "1")", R"("num_trees": "2")"), PS_ERR_PARSE, "num_trees");
  expect_error(replace(good, R"("tree_info": [0])", R"("tree_info": [0, 0])"), PS_ERR_PARSE, "tree_info");
  expect_error(replace(good, R"("tree_info": [0])", R"("tree_info": [3])"), PS_ERR_PARSE, "tree_info");
  expect_error(replace(good, R"("name": "gbtree")", R"("name": "gbfoo")"), PS_ERR_UNSUPPORTED,
               "unsupported booster 'gbfoo'");
  expect_error(replace(good, "\"trees\": [", "\"trees\": [5], \"x\": ["), PS_ERR_PARSE, "trees[0]");
  expect_error(replace(good, R"("feature_names": ["a", "b", "c"])", R"("feature_names": ["a"])"), PS_ERR_PARSE,
               "feature_names");
}

TEST(XGBoostLoaderErrors, UnknownObjective) {
  ModelSpec s;
  s.objective = "reg:foo";
  expect_error(make_model(s), PS_ERR_UNSUPPORTED, "unsupported objective 'reg:foo'");
}

TEST(XGBoostLoaderErrors, BrokenTrees) {
  const std::string good = make_model({});
  expect_error(replace(good, R"("left_children": [2, -1, 3, -1, -1])", R"("left_children": [2, -1, 3, -1])"),
               PS_ERR_PARSE, "trees[0].left_children' has 4 entries, expected 5");
  expect_error(replace(good, R"("split_conditions": [1.0, -0.25, 0.5, 0.5, 0.75])", R"("split_conditions": [1.0])"),
               PS_ERR_PARSE, "split_conditions");
  expect_error(replace(good, R"("default_left": [0, 0, 1, 0, 0])", R"("default_left": [0, 0, 1, 0, 0, 1])"),
               PS_ERR_PARSE, "default_left");
  expect_error(replace(good, R"("left_children": [2, -1, 3, -1, -1])", R"("left_children": [7, -1, 3, -1, -1])"),
               PS_ERR_PARSE, "left_children[0]' is out of range");
  expect_error(replace(good, R"("right_children": [1, -1, 4, -1, -1])", R"("right_children": [1, -1, 9, -1, -1])"),
               PS_ERR_PARSE, "right_children[2]' is out of range");
  // Node 2's left child is the root: a cycle.
  expect_error(replace(good, R"("left_children": [2, -1, 3, -1, -1])", R"("left_children": [2, -1, 0, -1, -1])"),
               PS_ERR_PARSE, "cycle");
  expect_error(replace(good, R"("split_indices": [0, 0, 1, 0, 0])", R"("split_indices": [0, 0, 3, 0, 0])"),
               PS_ERR_PARSE, "split_indices[2]");
  expect_error(replace(good, R"("split_indices": [0, 0, 1, 0, 0])", R"("split_indices": [0, 0, -1, 0, 0])"),
               PS_ERR_PARSE, "split_indices[2]");
  expect_error(replace(good, R"("num_nodes": "5")", R"("num_nodes": "-5")"), PS_ERR_PARSE, "num_nodes' is negative");
  expect_error(replace(good, R"("split_conditions": [1.0,)", R"("split_conditions": ["x",)"), PS_ERR_PARSE,
               "split_conditions[0]' is not a number");
  expect_error(replace(good, R"("default_left": [0, 0, 1, 0, 0])", R"("default_left": [0, 0, 2, 0, 0])"),
               PS_ERR_PARSE, "default_left[2]");
}

// Damaged input: every truncation point (by a stride) and many single-byte corruptions of a
// JSON and a UBJSON model either load or throw polyscore::Error; nothing else, never a crash
// (run under -fsanitize=address to check reads out of bounds).
void load_damaged(const std::string& bytes, bool ubj) {
  try {
    Forest f = ubj ? load_xgboost_ubjson(bytes) : load_xgboost_json(bytes);
    (void)f;
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == PS_ERR_PARSE || e.code() == PS_ERR_UNSUPPORTED) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-polyscore exception: " << e.what();
  }
}

TEST(XGBoostLoaderErrors, DamagedInputNeverCrashes) {
  ModelSpec s;
  s.trees = std::string(kTree) + "," + stump(1);
  s.tree_info = "[0, 0]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": "2"})";
  s.indptr = "[0, 1, 2]";
  const std::string text = make_model(s);
  const std::string ubj = to_ubjson(text);
  for (bool is_ubj : {false, true}) {
    const std::string& good = is_ubj ? ubj : text;
    for (size_t cut = 0; cut < good.size(); cut += 3) load_damaged(good.substr(0, cut), is_ubj);
    uint64_t state = 12345;
    const char specials[] = {'-', '0', '9', '[', ']', '{', '}', '"', ',', 'L', 'd', 'U', '#', '$', '\x7f', '\xff'};
    for (int i = 0; i < 3000; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      std::string bad = good;
      const size_t pos = static_cast<size_t>(state >> 33) % bad.size();
      bad[pos] = specials[(state >> 20) % sizeof specials];
      load_damaged(bad, is_ubj);
    }
  }
}

// --- the conformance vectors ----------------------------------------------------------------

std::string vectors_dir() { return std::string(POLYSCORE_SOURCE_DIR) + "/tests/vectors/"; }

using polyscore_test::read_csv;

// A naive reference walk of one tree with XGBoost's float32 input; returns the leaf index.
uint32_t walk(const Forest& f, const Tree& t, const std::vector<double>& row) {
  uint32_t i = 0;
  while (true) {
    const Node& n = f.nodes[t.node_begin + i];
    if (n.flags & kLeaf) return n.child_or_leaf;
    const float x = static_cast<float>(row[n.feature]);
    bool left;
    if (std::isnan(x)) {
      left = n.flags & kDefaultLeft;
    } else if (n.flags & kCategorical) {
      bool in_set = false;
      if (x >= 0 && x < 2147483648.0f) {
        const uint32_t c = static_cast<uint32_t>(static_cast<int32_t>(x));
        if (c / 32 < n.category.num_words)
          in_set = (f.category_words[n.category.word_begin + c / 32] >> (c % 32)) & 1u;
      }
      left = (n.flags & kCatInSetGoesLeft) ? in_set : !in_set;
    } else {
      left = x <= n.threshold;
    }
    i = n.child_or_leaf + (left ? 0 : 1);
  }
}

TEST(XGBoostVectors, LoadEveryXGBoostModel) {
  std::string text;
  text = polyscore_test::read_file(vectors_dir() + "manifest.json");
  ASSERT_FALSE(text.empty()) << "tests/vectors/manifest.json is missing";
  json manifest = json::parse(text);
  int checked = 0;
  for (const json& c : manifest.at("cases")) {
    if (c.at("library") != "xgboost") continue;
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    std::string bytes;
    bytes = polyscore_test::read_file(vectors_dir() + c.at("model").get<std::string>());
    ASSERT_FALSE(bytes.empty());
    const bool ubj = c.at("format") == "xgboost-ubjson";
    Forest f;
    try {
      f = ubj ? load_xgboost_ubjson(bytes) : load_xgboost_json(bytes);
    } catch (const Error& e) {
      ADD_FAILURE() << "load failed: " << e.what();
      continue;
    }
    EXPECT_EQ(f.format, ubj ? ModelFormat::kXGBoostUbjson : ModelFormat::kXGBoostJson);
    EXPECT_EQ(f.num_features, c.at("num_features").get<uint32_t>());
    EXPECT_EQ(f.objective, c.at("objective").get<std::string>());
    EXPECT_EQ(f.library_version, c.at("library_version").get<std::string>());
    const json& outs = c.at("outputs");
    ASSERT_TRUE(outs.contains("margin"));
    const uint32_t margin_cols = outs.at("margin").at("shape")[1];
    EXPECT_EQ(f.num_margin_outputs, margin_cols);
    EXPECT_EQ(f.num_value_outputs(), outs.at("value").at("shape")[1].get<uint32_t>());

    uint32_t b = c.at("iteration_begin"), e = c.at("iteration_end");
    if (e == 0) e = f.num_iterations();
    ASSERT_LE(e, f.num_iterations());
    const uint32_t t0 = f.has_linear ? 0 : f.iteration_begin[b];
    const uint32_t t1 = f.has_linear ? 0 : f.iteration_begin[e];
    if (outs.contains("leaf")) {
      EXPECT_EQ(outs.at("leaf").at("shape")[1].get<uint32_t>(), t1 - t0);
    }

    // Recompute margins (and leaf ids) from the Forest and compare with XGBoost's.
    auto X = read_csv(vectors_dir() + c.at("input").get<std::string>());
    auto M = read_csv(vectors_dir() + outs.at("margin").at("file").get<std::string>());
    std::vector<std::vector<double>> L;
    if (outs.contains("leaf")) L = read_csv(vectors_dir() + outs.at("leaf").at("file").get<std::string>());
    ASSERT_EQ(X.size(), M.size());
    int bad = 0;
    for (size_t r = 0; r < X.size() && bad < 5; ++r) {
      ASSERT_EQ(X[r].size(), f.num_features);
      std::vector<float> m(f.num_margin_outputs);
      for (uint32_t g = 0; g < f.num_margin_outputs; ++g) m[g] = static_cast<float>(f.base_margin[g]);
      if (f.has_linear) {
        for (uint32_t g = 0; g < f.num_margin_outputs; ++g) {
          float s = 0;
          for (uint32_t j = 0; j < f.num_features; ++j) {
            const float x = static_cast<float>(X[r][j]);
            if (!std::isnan(x)) s += x * static_cast<float>(f.linear.weights[j * f.num_margin_outputs + g]);
          }
          m[g] += s + static_cast<float>(f.linear.bias[g]);
        }
      }
      for (uint32_t t = t0; t < t1; ++t) {
        const Tree& tree = f.trees[t];
        const uint32_t leaf = walk(f, tree, X[r]);
        for (uint32_t k = 0; k < f.leaf_size; ++k)
          m[tree.output + k] += static_cast<float>(tree.weight) *
                                static_cast<float>(f.leaf_values[size_t{leaf} * f.leaf_size + k]);
        if (!L.empty() && f.leaf_ids[leaf] != static_cast<int32_t>(L[r][t - t0])) {
          ADD_FAILURE() << "row " << r << " tree " << t << ": leaf id " << f.leaf_ids[leaf] << ", xgboost "
                        << L[r][t - t0];
          ++bad;
        }
      }
      for (uint32_t g = 0; g < f.num_margin_outputs; ++g) {
        const double want = M[r][g];
        if (std::isinf(want) && m[g] == want) continue;
        if (!(std::fabs(m[g] - want) <= 1e-5 * std::max(1.0, std::fabs(want)))) {
          ADD_FAILURE() << "row " << r << " output " << g << ": margin " << m[g] << ", xgboost " << want;
          ++bad;
        }
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// A 500-tree depth-8 model (~30 MB of JSON) must load well under XGBoost's few hundred ms.
TEST(XGBoostLoader, LoadsLargeModel) {
  const int kTrees = 500, kDepth = 8, kNodes = (1 << (kDepth + 1)) - 1;
  std::string trees;
  trees.reserve(size_t{64} << 20);
  char buf[64];
  for (int t = 0; t < kTrees; ++t) {
    std::string left, right, cond, idx, dl, zero, parents, st;
    for (int i = 0; i < kNodes; ++i) {
      const bool leaf = i >= (1 << kDepth) - 1;
      const char* sep = i ? "," : "";
      left += sep + std::to_string(leaf ? -1 : 2 * i + 1);
      right += sep + std::to_string(leaf ? -1 : 2 * i + 2);
      parents += sep + std::to_string(i == 0 ? 2147483647 : (i - 1) / 2);
      std::snprintf(buf, sizeof buf, "%s%.8E", sep, 0.123456789 * (i % 97) - 3.1);
      cond += buf;
      idx += sep + std::to_string(i % 20);
      dl += sep + std::to_string(i % 2);
      st += i ? ",0" : "0";
      std::snprintf(buf, sizeof buf, "%s%.8E", sep, 1.23456789e3 * (i % 13) + 0.5);
      zero += buf;
    }
    if (t) trees += ",";
    trees += R"({"base_weights": [)" + zero + R"(], "categories": [], "categories_nodes": [],
      "categories_segments": [], "categories_sizes": [], "default_left": [)" + dl + R"(], "id": )" +
             std::to_string(t) + R"(, "left_children": [)" + left + R"(], "loss_changes": [)" + zero +
             R"(], "parents": [)" + parents + R"(], "right_children": [)" + right +
             R"(], "split_conditions": [)" + cond + R"(], "split_indices": [)" + idx +
             R"(], "split_type": [)" + st + R"(], "sum_hessian": [)" + zero + R"(], "tree_param": {"num_deleted": "0", "num_feature": "20",
      "num_nodes": ")" + std::to_string(kNodes) + R"(", "size_leaf_vector": "1"}})";
  }
  ModelSpec s;
  s.num_feature = "20";
  s.feature_names = "[]";
  s.trees = trees;
  s.tree_info = "[0";
  for (int t = 1; t < kTrees; ++t) s.tree_info += ",0";
  s.tree_info += "]";
  s.gbtree_param = R"({"num_parallel_tree": "1", "num_trees": ")" + std::to_string(kTrees) + "\"}";
  const std::string text = make_model(s);
  ASSERT_GT(text.size(), size_t{15} << 20);
  // Load time is measured in bench/, beside XGBoost's own; here: the big model loads whole.
  const Forest f = load_xgboost_json(text);
  EXPECT_EQ(f.trees.size(), size_t{kTrees});
  EXPECT_EQ(f.nodes.size(), size_t{kTrees} * kNodes);
}

}  // namespace
}  // namespace polyscore
