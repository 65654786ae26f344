// Tests of load_lightgbm_text: a hand-written model checked field by field, the
// objective table, error cases (code, message, byte offset), robustness against
// truncated and corrupted bytes, load speed, and every LightGBM model among the
// conformance vectors (walked with a small reference evaluator written from forest.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <locale.h>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "model/error.h"
#include "model/forest.h"
#include "test_util.h"

namespace polyscore {
namespace {

// ---------------------------------------------------------------------------------------
// A hand-written LightGBM 4.x model.
//
// Tree 0 (5 leaves, LightGBM numbering):
//   split 0: f0 <= 0.5, decision_type 2 (default left, missing None)  left=leaf 0, right=split 1
//   split 1: f1 categorical, cat_idx 1, decision_type 1               left=split 2, right=leaf 3
//   split 2: f2 <= -1.25, decision_type 4 (missing Zero, default right) left=leaf 1, right=split 3
//   split 3: f0 <= 1e300, decision_type 10 (missing NaN, default left) left=leaf 2, right=leaf 4
// Breadth-first flat layout:
//   [0]=s0(c1) [1]=L0 [2]=s1(c3) [3]=s2(c5) [4]=L3 [5]=L1 [6]=s3(c7) [7]=L2 [8]=L4
// Tree 1: a single leaf.
const char* kModel = R"(tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=2
objective=binary sigmoid:0.5
feature_names=alpha beta gamma
feature_infos=[-1:1] 0:2:63 [-3:3]
tree_sizes=700 300

Tree=0
num_leaves=5
num_cat=2
split_feature=0 1 2 0
split_gain=10 5 3 1
threshold=0.5 1 -1.25 1.0000000000000001e+300
decision_type=2 1 4 10
left_child=-1 2 -2 -3
right_child=1 -4 3 -5
leaf_value=0.1234567890123456789 -0.20000000000000001 0.30000000000000004 -4e-320 5
leaf_weight=1 1 1 1 1
leaf_count=10 20 30 40 50
internal_value=0 0 0 0
internal_weight=0 0 0 0
internal_count=150 140 90 60
cat_boundaries=0 1 3
cat_threshold=7 5 2147483648
is_linear=0
shrinkage=1


Tree=1
num_leaves=1
num_cat=0
split_feature=
split_gain=
threshold=
decision_type=
left_child=
right_child=
leaf_value=-0.25
leaf_weight=
leaf_count=0
internal_value=
internal_weight=
internal_count=
is_linear=0
shrinkage=1


end of trees

feature_importances:
alpha=2
beta=1

parameters:
[boosting: gbdt]
[objective: binary]
end of parameters

pandas_categorical:null
)";

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "test bug: " << from << " not in the model";
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// Loads and expects an Error; returns it.
Error load_error(const std::string& text) {
  try {
    load_lightgbm_text(text);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "the model loaded, an error was expected";
  return Error(PS_OK, "");
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST(LightGBMLoader, HeaderFields) {
  const Forest f = load_lightgbm_text(kModel);
  validate(f);
  EXPECT_EQ(f.format, ModelFormat::kLightGBMText);
  EXPECT_EQ(f.objective, "binary");
  EXPECT_EQ(f.booster, "gbdt");
  EXPECT_EQ(f.library_version, "v4");
  EXPECT_EQ(f.num_features, 3u);
  EXPECT_EQ(f.num_margin_outputs, 1u);
  EXPECT_EQ(f.feature_names.to_vector(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(f.transform, Transform::kSigmoid);
  EXPECT_EQ(f.sigmoid_scale, 0.5);
  EXPECT_FALSE(f.arithmetic.float32);
  EXPECT_EQ(f.base_margin, std::vector<double>{0.0});
  EXPECT_FALSE(f.average_output);
  EXPECT_FALSE(f.has_linear);
  EXPECT_EQ(f.leaf_size, 1u);
  EXPECT_EQ(f.iteration_begin, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(f.num_iterations(), 2u);
  EXPECT_EQ(f.num_value_outputs(), 1u);
}

TEST(LightGBMLoader, CoversAreKeptAsFloatsOnlyWhenEveryOneIsExact) {
  // Counts below 2^24 are floats exactly: kept in half the bytes, read back the same.
  const Forest small = load_model(kModel, 0);
  EXPECT_TRUE(small.node_covers.empty());
  ASSERT_EQ(small.node_covers32.size(), small.nodes.size());
  EXPECT_EQ(small.node_cover(0), 150.0);  // the root: internal_count[0]
  // One count a float cannot hold (2^24 + 1): all stay doubles, exact.
  const Forest big = load_model(replace_once(kModel, "internal_count=150 140", "internal_count=16777217 140"), 0);
  EXPECT_TRUE(big.node_covers32.empty());
  ASSERT_EQ(big.node_covers.size(), big.nodes.size());
  EXPECT_EQ(big.node_cover(0), 16777217.0);
  EXPECT_EQ(big.node_cover(1), small.node_cover(1));
}

TEST(LightGBMLoader, TreeLayout) {
  const Forest f = load_lightgbm_text(kModel);
  ASSERT_EQ(f.trees.size(), 2u);
  EXPECT_EQ(f.trees[0].node_begin, 0u);
  EXPECT_EQ(f.trees[0].num_nodes, 9u);
  EXPECT_EQ(f.trees[0].output, 0u);
  EXPECT_EQ(f.trees[0].weight, 1.0);
  EXPECT_EQ(f.trees[1].node_begin, 9u);
  EXPECT_EQ(f.trees[1].num_nodes, 1u);
  EXPECT_EQ(f.trees[1].output, 0u);
  ASSERT_EQ(f.nodes.size(), 10u);

  // Leaves: leaf_values in LightGBM leaf order, one block per tree; leaf_id() the
  // LightGBM leaf index (what pred_leaf reports), from each tree's leaf_begin: no
  // leaf_ids table is kept for LightGBM.
  ASSERT_EQ(f.leaf_values.size(), 6u);
  EXPECT_EQ(f.leaf_values[0], std::strtod("0.1234567890123456789", nullptr));
  EXPECT_EQ(f.leaf_values[1], -0.2);
  EXPECT_EQ(f.leaf_values[2], 0.1 + 0.2);  // 0.30000000000000004 round-trips exactly
  EXPECT_EQ(f.leaf_values[3], std::strtod("-4e-320", nullptr));  // subnormal kept
  EXPECT_EQ(f.leaf_values[4], 5.0);
  EXPECT_EQ(f.leaf_values[5], -0.25);
  EXPECT_TRUE(f.leaf_ids.empty());
  EXPECT_EQ(f.trees[0].leaf_begin, 0u);
  EXPECT_EQ(f.trees[1].leaf_begin, 5u);
  EXPECT_EQ(f.leaf_id(0, 4), 4);
  EXPECT_EQ(f.leaf_id(1, 5), 0);

  const Node* n = f.nodes.data();
  // [0] split 0: numeric, default left, missing None.
  EXPECT_EQ(n[0].flags, kDefaultLeft | kNanAsZero);
  EXPECT_EQ(n[0].feature, 0u);
  EXPECT_EQ(n[0].threshold, 0.5);
  EXPECT_EQ(n[0].child_or_leaf, 1u);
  // [1] leaf 0.
  EXPECT_EQ(n[1].flags, kLeaf);
  EXPECT_EQ(n[1].child_or_leaf, 0u);
  // [2] split 1: categorical, set 1 = words [5, 0x80000000] (categories 0, 2, 63).
  EXPECT_EQ(n[2].flags, kCategorical | kCatInSetGoesLeft | kNanIsMissing);
  EXPECT_EQ(n[2].feature, 1u);
  EXPECT_EQ(n[2].child_or_leaf, 3u);
  EXPECT_EQ(n[2].category.word_begin, 1u);
  EXPECT_EQ(n[2].category.num_words, 2u);
  EXPECT_EQ(f.category_words, (std::vector<uint32_t>{7u, 5u, 2147483648u}));
  // [3] split 2: numeric, missing Zero, default right.
  EXPECT_EQ(n[3].flags, kNanAsZero | kZeroIsMissing);
  EXPECT_EQ(n[3].feature, 2u);
  EXPECT_EQ(n[3].threshold, -1.25);
  EXPECT_EQ(n[3].child_or_leaf, 5u);
  // [4] leaf 3.
  EXPECT_EQ(n[4].flags, kLeaf);
  EXPECT_EQ(n[4].child_or_leaf, 3u);
  // [5] leaf 1.
  EXPECT_EQ(n[5].flags, kLeaf);
  EXPECT_EQ(n[5].child_or_leaf, 1u);
  // [6] split 3: numeric, missing NaN, default left.
  EXPECT_EQ(n[6].flags, kDefaultLeft | kNanIsMissing);
  EXPECT_EQ(n[6].feature, 0u);
  EXPECT_EQ(n[6].threshold, 1e300);
  EXPECT_EQ(n[6].child_or_leaf, 7u);
  // [7] leaf 2, [8] leaf 4.
  EXPECT_EQ(n[7].flags, kLeaf);
  EXPECT_EQ(n[7].child_or_leaf, 2u);
  EXPECT_EQ(n[8].flags, kLeaf);
  EXPECT_EQ(n[8].child_or_leaf, 4u);
  // Tree 1: the single leaf, indexing the forest-wide leaf table.
  EXPECT_EQ(n[9].flags, kLeaf);
  EXPECT_EQ(n[9].child_or_leaf, 5u);
}

// Model files are written in the C locale, and a host process that set another one (a
// JVM, a Perl script) must read them the same. strtod, which the loaders take for the
// literals from_chars finds out of range, follows LC_NUMERIC: under de_DE it stops at
// the '.' of "1.5e999" and reads 1. This test makes a de_DE locale with localedef (Debian's
// "locales" package, which scripts/setup.sh installs) and switches LC_NUMERIC to it.
TEST(LightGBMLoader, NumbersReadTheSameUnderACommaDecimalLocale) {
  const std::string dir = ::testing::TempDir() + "polyscore_locales";
  const std::string make = "mkdir -p " + dir + " && localedef -i de_DE -f UTF-8 " + dir + "/de_DE.UTF-8 2>/dev/null";
  (void)std::system(make.c_str());  // exits 1 on its usual warnings; setlocale says whether it worked

  std::string text = replace_once(kModel, "-4e-320", "-4.5e-320");
  text = replace_once(text, "1.0000000000000001e+300", "1.5e999");  // split 3's threshold: +inf
  text = replace_once(text, "pandas_categorical:null", "pandas_categorical:[[1.5e999, 2.5e-999, 0.5]]");
  const Forest in_c = load_lightgbm_text(text);

  // setlocale, not newlocale + uselocale: glibc's newlocale leaks its copy of LOCPATH,
  // which LeakSanitizer reports. This test is the only thread reading numbers meanwhile.
  const std::string before = setlocale(LC_NUMERIC, nullptr);
  const char* old_locpath = std::getenv("LOCPATH");
  const std::string saved_locpath = old_locpath ? old_locpath : "";
  setenv("LOCPATH", dir.c_str(), 1);
  const bool switched = setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr;
  if (old_locpath) setenv("LOCPATH", saved_locpath.c_str(), 1); else unsetenv("LOCPATH");
  ASSERT_TRUE(switched) << "could not make a de_DE locale with localedef (apt install locales)";
  const double plain_strtod = std::strtod("1.5e999", nullptr);
  Forest in_de;
  try {
    in_de = load_lightgbm_text(text);
  } catch (...) {
    setlocale(LC_NUMERIC, before.c_str());
    throw;
  }
  setlocale(LC_NUMERIC, before.c_str());
  EXPECT_EQ(plain_strtod, 1.0) << "the locale did not take: the test proves nothing";
  EXPECT_EQ(in_c.leaf_values[3], std::strtod("-4.5e-320", nullptr));
  EXPECT_EQ(in_de.leaf_values, in_c.leaf_values);
  ASSERT_EQ(in_de.nodes.size(), in_c.nodes.size());
  EXPECT_EQ(in_c.nodes[6].threshold, std::numeric_limits<double>::infinity());
  for (size_t i : {0, 3, 6}) EXPECT_EQ(in_de.nodes[i].threshold, in_c.nodes[i].threshold) << "node " << i;
  ASSERT_EQ(in_de.training_categories.num_lists(), 1u);
  EXPECT_EQ(in_de.training_categories.text(0, 0), "Infinity");
  EXPECT_EQ(in_de.training_categories.text(0, 1), "0");
  EXPECT_EQ(in_de.training_categories.text(0, 2), "0.5");
}

TEST(LightGBMLoader, CrlfLineEndings) {
  std::string crlf;
  for (const char* p = kModel; *p; ++p) {
    if (*p == '\n') crlf += '\r';
    crlf += *p;
  }
  const Forest a = load_lightgbm_text(kModel);
  const Forest b = load_lightgbm_text(crlf);
  EXPECT_EQ(a.leaf_values, b.leaf_values);
  EXPECT_EQ(a.feature_names.to_vector(), b.feature_names.to_vector());
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].flags, b.nodes[i].flags);
    EXPECT_EQ(a.nodes[i].child_or_leaf, b.nodes[i].child_or_leaf);
  }
}

// A minimal model: `trees` single-leaf trees under the given objective line.
std::string tiny_model(const std::string& objective_line, int num_class, int trees,
                       const std::string& extra_header = "", const std::string& version = "v4") {
  std::ostringstream s;
  s << "tree\nversion=" << version << "\nnum_class=" << num_class
    << "\nnum_tree_per_iteration=" << num_class << "\nlabel_index=0\nmax_feature_idx=1\n";
  if (!objective_line.empty()) s << objective_line << "\n";
  s << extra_header << "feature_names=a b\nfeature_infos=none none\n\n";
  for (int t = 0; t < trees; ++t) {
    s << "Tree=" << t << "\nnum_leaves=1\nnum_cat=0\nsplit_feature=\nthreshold=\n"
      << "left_child=\nright_child=\nleaf_value=" << (t + 1) * 0.5
      << "\nleaf_count=0\nis_linear=0\nshrinkage=1\n\n\n";
  }
  s << "end of trees\n";
  return s.str();
}

struct ObjectiveCase {
  std::string line;
  int num_class;
  std::string objective;
  Transform transform;
  double sigmoid_scale;
};

TEST(LightGBMLoader, ObjectiveTable) {
  const std::vector<ObjectiveCase> cases = {
      {"objective=binary sigmoid:1", 1, "binary", Transform::kSigmoid, 1.0},
      {"objective=binary sigmoid:0.25", 1, "binary", Transform::kSigmoid, 0.25},
      {"objective=cross_entropy", 1, "cross_entropy", Transform::kSigmoid, 1.0},
      {"objective=xentropy", 1, "xentropy", Transform::kSigmoid, 1.0},
      {"objective=cross_entropy_lambda", 1, "cross_entropy_lambda", Transform::kLog1pExp, 1.0},
      {"objective=multiclass num_class:3", 3, "multiclass", Transform::kSoftmax, 1.0},
      {"objective=multiclassova num_class:3 sigmoid:2", 3, "multiclassova", Transform::kSigmoid, 2.0},
      {"objective=poisson", 1, "poisson", Transform::kExp, 1.0},
      {"objective=gamma", 1, "gamma", Transform::kExp, 1.0},
      {"objective=tweedie", 1, "tweedie", Transform::kExp, 1.0},
      {"objective=regression", 1, "regression", Transform::kIdentity, 1.0},
      {"objective=regression sqrt", 1, "regression", Transform::kSignedSquare, 1.0},
      {"objective=regression_l1", 1, "regression_l1", Transform::kIdentity, 1.0},
      {"objective=regression_l1 sqrt", 1, "regression_l1", Transform::kSignedSquare, 1.0},
      {"objective=huber", 1, "huber", Transform::kIdentity, 1.0},
      {"objective=huber sqrt", 1, "huber", Transform::kIdentity, 1.0},
      {"objective=fair", 1, "fair", Transform::kIdentity, 1.0},
      {"objective=quantile", 1, "quantile", Transform::kIdentity, 1.0},
      {"objective=mape", 1, "mape", Transform::kIdentity, 1.0},
      {"objective=lambdarank", 1, "lambdarank", Transform::kIdentity, 1.0},
      {"objective=rank_xendcg", 1, "rank_xendcg", Transform::kIdentity, 1.0},
      {"", 1, "custom", Transform::kIdentity, 1.0},
      {"", 3, "custom", Transform::kIdentity, 1.0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line.empty() ? "(no objective line)" : c.line);
    const Forest f = load_lightgbm_text(tiny_model(c.line, c.num_class, 2 * c.num_class));
    validate(f);
    EXPECT_EQ(f.objective, c.objective);
    EXPECT_EQ(f.transform, c.transform);
    EXPECT_EQ(f.sigmoid_scale, c.sigmoid_scale);
    EXPECT_EQ(f.num_margin_outputs, uint32_t(c.num_class));
    EXPECT_EQ(f.base_margin, std::vector<double>(c.num_class, 0.0));
  }
}

TEST(LightGBMLoader, ObjectiveErrors) {
  {
    const Error e = load_error(tiny_model("objective=binary_focal gamma:2", 1, 1));
    EXPECT_EQ(e.code(), PS_ERR_UNSUPPORTED);
    EXPECT_TRUE(contains(e.what(), "binary_focal")) << e.what();
  }
  {
    const Error e = load_error(tiny_model("objective=binary", 1, 1));
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_TRUE(contains(e.what(), "sigmoid")) << e.what();
  }
  {
    const Error e = load_error(tiny_model("objective=binary sigmoid:-1", 1, 1));
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_TRUE(contains(e.what(), "sigmoid")) << e.what();
  }
  {
    const Error e = load_error(tiny_model("objective=multiclass num_class:4", 3, 3));
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_TRUE(contains(e.what(), "num_class 4")) << e.what();
  }
  {
    const Error e = load_error(tiny_model("objective=binary sigmoid:1", 2, 2));
    EXPECT_EQ(e.code(), PS_ERR_PARSE);
    EXPECT_TRUE(contains(e.what(), "one output")) << e.what();
  }
}

TEST(LightGBMLoader, MulticlassOutputs) {
  const Forest f = load_lightgbm_text(tiny_model("objective=multiclass num_class:3", 3, 6));
  validate(f);
  ASSERT_EQ(f.trees.size(), 6u);
  for (uint32_t t = 0; t < 6; ++t) EXPECT_EQ(f.trees[t].output, t % 3) << "tree " << t;
  EXPECT_EQ(f.iteration_begin, (std::vector<uint32_t>{0, 3, 6}));
  EXPECT_EQ(f.num_value_outputs(), 3u);
  // 6 trees with num_tree_per_iteration 4 is not a whole number of rounds.
  std::string bad = tiny_model("", 3, 6);
  bad = replace_once(bad, "num_class=3\nnum_tree_per_iteration=3", "num_class=4\nnum_tree_per_iteration=4");
  const Error e = load_error(bad);
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_TRUE(contains(e.what(), "not a multiple of 4")) << e.what();
}

TEST(LightGBMLoader, RandomForest) {
  const Forest f = load_lightgbm_text(tiny_model("objective=regression", 1, 4, "average_output\n"));
  validate(f);
  EXPECT_EQ(f.booster, "rf");
  EXPECT_TRUE(f.average_output);
  EXPECT_EQ(f.num_iterations(), 4u);
}

TEST(LightGBMLoader, VersionsAndEmptyModel) {
  EXPECT_EQ(load_lightgbm_text(tiny_model("objective=regression", 1, 1, "", "v3")).library_version, "v3");
  const Error e = load_error(tiny_model("objective=regression", 1, 1, "", "v9"));
  EXPECT_EQ(e.code(), PS_ERR_UNSUPPORTED);
  EXPECT_TRUE(contains(e.what(), "v9")) << e.what();
  // A model with no trees (num_iteration=0 saved) loads with zero rounds.
  const Forest f = load_lightgbm_text(tiny_model("objective=regression", 1, 0));
  EXPECT_EQ(f.trees.size(), 0u);
  EXPECT_EQ(f.iteration_begin, std::vector<uint32_t>{0});
}

// LightGBM 2.0 and 2.1 (version=v2) write no "end of trees": the feature importances
// section follows the last tree. LightGBM 4.x loads such files; so does polyscore, only
// for v2, and the other checks still hold. This file has no tree_sizes (LightGBM then
// reads "Tree=" blocks up to the first other line); the real 2.0.12 files of the lgb20_*
// vectors have it.
TEST(LightGBMLoader, Version2WithoutEndOfTrees) {
  const std::string v4 = tiny_model("objective=regression", 1, 2);
  std::string v2 = replace_once(tiny_model("objective=regression", 1, 2, "", "v2"), "end of trees\n",
                                "\nfeature importances:\na=1\n\npandas_categorical:null\n");
  const Forest f = load_lightgbm_text(v2);
  EXPECT_EQ(f.library_version, "v2");
  EXPECT_EQ(f.trees.size(), 2u);
  EXPECT_EQ(f.leaf_values, load_lightgbm_text(v4).leaf_values);
  // A v2 model with no trees at all.
  EXPECT_EQ(load_lightgbm_text(replace_once(tiny_model("objective=regression", 1, 0, "", "v2"),
                                            "end of trees\n", "feature importances:\n"))
                .trees.size(),
            0u);

  // Still refused: v3/v4 files that end that way (those versions always write the line),
  Error e = load_error(replace_once(v2, "version=v2", "version=v3"));
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_TRUE(contains(e.what(), "feature importances:")) << e.what();
  // a v2 file cut after a tree block,
  e = load_error(v2.substr(0, v2.find("Tree=1")));
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_TRUE(contains(e.what(), "truncated")) << e.what();
  EXPECT_TRUE(contains(e.what(), "feature importances:")) << e.what();
  // or holding fewer trees than its tree_sizes line lists,
  e = load_error(replace_once(v2, "feature_names=", "tree_sizes=100 100 100\nfeature_names="));
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_TRUE(contains(e.what(), "tree_sizes lists 3 trees")) << e.what();
  // or with a stray line between trees.
  e = load_error(replace_once(v2, "Tree=1\n", "what is this\n\nTree=1\n"));
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_TRUE(contains(e.what(), "what is this")) << e.what();
}

// ---------------------------------------------------------------------------------------
// Errors: code, message (tree and key), byte offset of the offending line.

struct ErrorCase {
  const char* name;
  std::string text;
  ps_status code;
  std::vector<std::string> message_parts;
  std::string offset_line;  // the line whose start must be the error offset ("" = any)
};

TEST(LightGBMLoader, ErrorCases) {
  const std::string m = kModel;
  const std::string cut_in_leaf_value = m.substr(0, m.find("0.30000000000000004"));
  const std::string no_end = m.substr(0, m.find("end of trees"));
  const std::vector<ErrorCase> cases = {
      {"empty", "", PS_ERR_PARSE, {"empty"}, ""},
      {"blank lines only", "\n\n  \n", PS_ERR_PARSE, {"empty"}, ""},
      {"not lightgbm", "hello world\n", PS_ERR_PARSE, {"not a LightGBM text model", "hello world"}, "hello world"},
      {"header only", m.substr(0, m.find("Tree=0")), PS_ERR_PARSE, {"truncated", "header"}, ""},
      {"cut inside a tree", cut_in_leaf_value, PS_ERR_PARSE, {"truncated", "tree 0", "leaf_value"}, "leaf_value="},
      {"missing end of trees", no_end, PS_ERR_PARSE, {"truncated", "end of trees", "2 trees"}, ""},
      {"wrong leaf_value count", replace_once(m, "leaf_value=0.1234567890123456789 ", "leaf_value="),
       PS_ERR_PARSE, {"tree 0", "leaf_value", "expected 5", "found 4"}, "leaf_value="},
      {"wrong threshold count", replace_once(m, "threshold=0.5 1 ", "threshold=0.5 1 2 "),
       PS_ERR_PARSE, {"tree 0", "threshold", "expected 4", "found 5"}, "threshold=0.5"},
      {"garbage number", replace_once(m, "threshold=0.5 1", "threshold=0.5x 1"),
       PS_ERR_PARSE, {"tree 0", "threshold", "not a number", "\"0.5x\""}, "threshold=0.5"},
      {"garbage integer", replace_once(m, "left_child=-1 2", "left_child=-1 two"),
       PS_ERR_PARSE, {"tree 0", "left_child", "not an integer", "\"two\""}, "left_child="},
      {"child out of range", replace_once(m, "right_child=1 -4 3 -5", "right_child=1 -4 4 -5"),
       PS_ERR_PARSE, {"tree 0", "right_child", "out of range"}, "right_child=1"},
      {"leaf out of range", replace_once(m, "right_child=1 -4 3 -5", "right_child=1 -4 3 -6"),
       PS_ERR_PARSE, {"tree 0", "right_child", "out of range"}, "right_child=1"},
      {"root as a child (cycle)", replace_once(m, "right_child=1 -4 3 -5", "right_child=1 -4 0 -5"),
       PS_ERR_PARSE, {"tree 0", "the root"}, ""},
      {"leaf used twice", replace_once(m, "right_child=1 -4 3 -5", "right_child=1 -4 3 -3"),
       PS_ERR_PARSE, {"tree 0", "leaf 2", "more than one"}, ""},
      {"feature out of range", replace_once(m, "split_feature=0 1 2 0", "split_feature=0 1 3 0"),
       PS_ERR_PARSE, {"tree 0", "split_feature", "out of range"}, "split_feature=0"},
      {"category set out of range", replace_once(m, "threshold=0.5 1 ", "threshold=0.5 2 "),
       PS_ERR_PARSE, {"tree 0", "threshold", "category set 2"}, "threshold=0.5"},
      {"cat_threshold count", replace_once(m, "cat_threshold=7 5 2147483648", "cat_threshold=7 5"),
       PS_ERR_PARSE, {"tree 0", "cat_threshold", "expected 3", "found 2"}, "cat_threshold="},
      {"missing key", replace_once(m, "left_child=-1 2 -2 -3\n", ""),
       PS_ERR_PARSE, {"tree 0", "left_child", "missing"}, "Tree=0"},
      {"missing num_leaves in tree 1", replace_once(m, "num_leaves=1\n", ""),
       PS_ERR_PARSE, {"tree 1", "num_leaves", "missing"}, "Tree=1"},
      {"bad num_leaves", replace_once(m, "num_leaves=1\n", "num_leaves=0\n"),
       PS_ERR_PARSE, {"tree 1", "num_leaves", "out of range"}, "num_leaves=0"},
      {"missing max_feature_idx", replace_once(m, "max_feature_idx=2\n", ""),
       PS_ERR_PARSE, {"max_feature_idx"}, "Tree=0"},
      {"garbage num_class", replace_once(m, "num_class=1\n", "num_class=one\n"),
       PS_ERR_PARSE, {"num_class", "not an integer"}, "num_class=one"},
      {"huge num_class", replace_once(m, "num_class=1\nnum_tree_per_iteration=1\n",
                                      "num_class=2000000000\nnum_tree_per_iteration=2000000000\n"),
       PS_ERR_PARSE, {"num_class", "out of range"}, "num_class="},
      {"feature_names count", replace_once(m, "feature_names=alpha beta gamma", "feature_names=alpha beta"),
       PS_ERR_PARSE, {"feature_names", "2 names"}, "feature_names="},
      {"tree_sizes count", replace_once(m, "tree_sizes=700 300", "tree_sizes=700 300 200"),
       PS_ERR_PARSE, {"tree_sizes", "3 trees", "holds 2"}, "tree_sizes="},
      {"unknown missing type", replace_once(m, "decision_type=2 1 4 10", "decision_type=2 1 12 10"),
       PS_ERR_PARSE, {"tree 0", "decision_type", "missing type 3"}, "decision_type="},
      {"stray line between trees", replace_once(m, "Tree=1\n", "what is this\n\nTree=1\n"),
       PS_ERR_PARSE, {"Tree=", "what is this"}, "what is this"},
      {"linear tree without its leaf models", replace_once(m, "is_linear=0", "is_linear=1"),
       PS_ERR_PARSE, {"tree 0", "leaf_const", "missing"}, "Tree=0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Error e = load_error(c.text);
    EXPECT_EQ(e.code(), c.code) << e.what();
    for (const auto& part : c.message_parts) {
      EXPECT_TRUE(contains(e.what(), part)) << "message \"" << e.what() << "\" lacks \"" << part << "\"";
    }
    if (!c.offset_line.empty()) {
      const size_t line_start = c.text.find(c.offset_line);
      ASSERT_NE(line_start, std::string::npos);
      EXPECT_EQ(e.offset(), int64_t(line_start)) << e.what();
    }
    if (c.code == PS_ERR_PARSE) {
      EXPECT_GE(e.offset(), 0) << e.what();
    }
  }
}

// Every prefix of the model, and many corrupted copies, either load (and validate) or
// throw polyscore::Error. Run under -fsanitize=address this also proves no reads out
// of bounds.
TEST(LightGBMLoader, NeverCrashesOnDamagedInput) {
  const std::string m = kModel;
  auto try_load = [](const std::string& text) {
    try {
      const Forest f = load_lightgbm_text(text);
      validate(f);
    } catch (const Error&) {
    }
  };
  for (size_t len = 0; len <= m.size(); ++len) try_load(m.substr(0, len));
  std::mt19937 rng(12345);
  const std::string alphabet = "0123456789-+.eE \n=Tree:nan";
  for (int i = 0; i < 3000; ++i) {
    std::string s = m;
    const int edits = 1 + int(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(pos, 1 + rng() % 8); break;
        default: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      }
      if (s.empty()) s = "t";
    }
    try_load(s);
  }
}

// A 1000-tree, 63-leaf model in LightGBM's own layout loads well under a second.
TEST(LightGBMLoader, LoadsLargeModel) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3, 3);
  std::ostringstream s;
  s.precision(17);
  s << "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n"
       "max_feature_idx=49\nobjective=binary sigmoid:1\nfeature_names=";
  for (int i = 0; i < 50; ++i) s << (i ? " " : "") << "f" << i;
  s << "\n\n";
  const int kTrees = 1000, kLeaves = 63;
  for (int t = 0; t < kTrees; ++t) {
    // A LightGBM-style tree: split i turns leaf (i's parent leaf) into two; build a
    // chain-and-bush shape by always splitting leaf i % (i + 1).
    std::vector<int> left(kLeaves - 1), right(kLeaves - 1), leaf_parent(kLeaves, -1);
    std::vector<bool> parent_is_left(kLeaves, false);
    for (int i = 0; i < kLeaves - 1; ++i) {
      const int leaf = i == 0 ? 0 : int(rng() % (i + 1));
      const int parent = leaf_parent[leaf];
      if (parent >= 0) (parent_is_left[leaf] ? left[parent] : right[parent]) = i;
      left[i] = ~leaf;
      right[i] = ~(i + 1);
      leaf_parent[leaf] = i;
      parent_is_left[leaf] = true;
      leaf_parent[i + 1] = i;
      parent_is_left[i + 1] = false;
    }
    s << "Tree=" << t << "\nnum_leaves=" << kLeaves << "\nnum_cat=0\nsplit_feature=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << rng() % 50;
    s << "\nsplit_gain=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << 1.5;
    s << "\nthreshold=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << u(rng);
    s << "\ndecision_type=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << 2;
    s << "\nleft_child=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << left[i];
    s << "\nright_child=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << right[i];
    s << "\nleaf_value=";
    for (int i = 0; i < kLeaves; ++i) s << (i ? " " : "") << u(rng) * 0.01;
    s << "\nleaf_weight=";
    for (int i = 0; i < kLeaves; ++i) s << (i ? " " : "") << 3.25;
    s << "\nleaf_count=";
    for (int i = 0; i < kLeaves; ++i) s << (i ? " " : "") << 10;
    s << "\ninternal_value=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << u(rng);
    s << "\ninternal_weight=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << 100;
    s << "\ninternal_count=";
    for (int i = 0; i < kLeaves - 1; ++i) s << (i ? " " : "") << 100;
    s << "\nis_linear=0\nshrinkage=0.1\n\n\n";
  }
  s << "end of trees\n";
  const std::string text = s.str();
  // Load time is measured in bench/, not asserted here; this checks the big model loads whole.
  const Forest f = load_lightgbm_text(text);
  validate(f);
  EXPECT_EQ(f.trees.size(), size_t(kTrees));
  EXPECT_EQ(f.nodes.size(), size_t(kTrees) * (2 * kLeaves - 1));
}

// ---------------------------------------------------------------------------------------
// The conformance vectors: every LightGBM model in tests/vectors/manifest.json.

using polyscore_test::source_path;

// A reference walk written from forest.h alone (deliberately independent of the
// predictor): returns the flat node index of the leaf reached.
uint32_t walk(const Forest& f, const Tree& tree, const std::vector<double>& row) {
  const double kZeroThreshold = static_cast<double>(1e-35f);  // LightGBM's kZeroThreshold
  uint32_t i = 0;
  for (;;) {
    const Node& n = f.nodes[tree.node_begin + i];
    if (n.flags & kLeaf) return i;
    double x = row[n.feature];
    // LightGBM's dense row reader keeps only |x| > kZeroThreshold (or NaN), so values
    // this close to zero are read as 0.0 (the predictor does the same).
    if (std::fabs(x) <= kZeroThreshold) x = 0.0;
    const bool left_default = (n.flags & kDefaultLeft) != 0;
    bool go_left;
    bool decided = false;
    if ((n.flags & kNanIsMissing) && std::isnan(x)) { go_left = left_default; decided = true; }
    if (!decided && (n.flags & kNanAsZero) && std::isnan(x)) x = 0.0;
    if (!decided && (n.flags & kZeroIsMissing) && std::fabs(x) <= kZeroThreshold) {
      go_left = left_default;
      decided = true;
    }
    if (!decided) {
      if (n.flags & kCategorical) {
        bool in_set = false;
        if (x > -1.0 && x < 2147483648.0) {
          const int64_t c = static_cast<int64_t>(x);  // truncation
          if (c >= 0 && uint64_t(c) < uint64_t(n.category.num_words) * 32) {
            in_set = (f.category_words[n.category.word_begin + c / 32] >> (c % 32)) & 1;
          }
        }
        go_left = (n.flags & kCatInSetGoesLeft) ? in_set : !in_set;
      } else {
        go_left = x <= n.threshold;
      }
    }
    i = n.child_or_leaf + (go_left ? 0 : 1);
  }
}

// A leaf's output for a row: its value, or for a linear tree (forest.h, LinearLeaves)
// the leaf's constant plus its terms, or its value when one of their features is NaN.
double reference_leaf_output(const Forest& f, uint32_t leaf, const std::vector<double>& row) {
  const LinearLeaves& linear = f.linear_leaves;
  if (linear.empty()) return f.leaf_values[leaf];
  double out = linear.constant[leaf];
  for (uint32_t k = linear.term_begin[leaf]; k < linear.term_begin[leaf + 1]; ++k) {
    double x = row[linear.feature[k]];
    if (std::isnan(x)) return f.leaf_values[leaf];
    if (std::fabs(x) <= static_cast<double>(1e-35f)) x = 0.0;  // as LightGBM reads the row
    out += linear.coeff[k] * x;
  }
  return out;
}

void transform(const Forest& f, std::vector<double>* m) {
  switch (f.transform) {
    case Transform::kIdentity: break;
    case Transform::kSigmoid:
      for (double& v : *m) v = 1.0 / (1.0 + std::exp(-f.sigmoid_scale * v));
      break;
    case Transform::kExp:
      for (double& v : *m) v = std::exp(v);
      break;
    case Transform::kSoftmax: {
      double mx = -std::numeric_limits<double>::infinity(), sum = 0;
      for (double v : *m) mx = std::max(mx, v);
      for (double& v : *m) sum += (v = std::exp(v - mx));
      for (double& v : *m) v /= sum;
      break;
    }
    case Transform::kSignedSquare:
      for (double& v : *m) v = (v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0)) * v * v;
      break;
    case Transform::kLog1pExp:
      for (double& v : *m) v = std::log(1.0 + std::exp(v));
      break;
    default:
      FAIL() << "unexpected transform for LightGBM";
  }
}

bool close(double a, double b, double rel) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

TEST(LightGBMLoader, ConformanceVectorModels) {
  const std::string manifest_path = source_path("tests/vectors/manifest.json");
  std::ifstream in(manifest_path);
  if (!in) GTEST_SKIP() << "no " << manifest_path;
  const nlohmann::json manifest = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& c : manifest.at("cases")) {
    if (c.at("library") != "lightgbm") continue;
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    const std::string bytes = polyscore_test::read_file(source_path("tests/vectors/" + c.at("model").get<std::string>()));
    ASSERT_FALSE(bytes.empty());
    Forest f;
    try {
      f = load_lightgbm_text(bytes);
      validate(f);
    } catch (const Error& e) {
      ADD_FAILURE() << "load failed: " << e.what();
      continue;
    }
    EXPECT_EQ(f.num_features, c.at("num_features").get<uint32_t>());
    EXPECT_EQ(f.objective, c.at("objective").get<std::string>());
    const std::string lib = c.at("library_version");
    // LightGBM 2.0-2.2 write v2 (their cases are scored by LightGBM 4.x), 3.x v3, 4.x v4.
    EXPECT_EQ(f.library_version, lib[0] == '2' ? "v2" : lib[0] == '3' ? "v3" : "v4");
    const auto& outs = c.at("outputs");
    const uint32_t k = f.num_margin_outputs;
    EXPECT_EQ(outs.at("value").at("shape")[1].get<uint32_t>(), k);
    EXPECT_EQ(outs.at("margin").at("shape")[1].get<uint32_t>(), k);
    EXPECT_EQ(f.booster, contains(name, "_rf") ? "rf" : "gbdt");

    // Trees used by the case, and the leaf columns it records.
    const uint32_t it_begin = c.at("iteration_begin");
    uint32_t it_end = c.at("iteration_end");
    if (it_end == 0) it_end = f.num_iterations();
    ASSERT_LE(it_end, f.num_iterations());
    const uint32_t t_begin = f.iteration_begin[it_begin], t_end = f.iteration_begin[it_end];
    EXPECT_EQ(outs.at("leaf").at("shape")[1].get<uint32_t>(), t_end - t_begin);

    // Walk the trees: leaf ids, raw margins and values must match LightGBM's own.
    const auto X = polyscore_test::read_csv(source_path("tests/vectors/" + c.at("input").get<std::string>()));
    const auto leaf = polyscore_test::read_csv(source_path("tests/vectors/" + outs.at("leaf").at("file").get<std::string>()));
    const auto margin = polyscore_test::read_csv(source_path("tests/vectors/" + outs.at("margin").at("file").get<std::string>()));
    const auto value = polyscore_test::read_csv(source_path("tests/vectors/" + outs.at("value").at("file").get<std::string>()));
    ASSERT_EQ(X.size(), leaf.size());
    ASSERT_EQ(X.size(), margin.size());
    ASSERT_EQ(X.size(), value.size());
    int bad = 0;
    for (size_t r = 0; r < X.size() && bad < 5; ++r) {
      ASSERT_EQ(X[r].size(), f.num_features);
      std::vector<double> m(k, 0.0);
      for (uint32_t t = t_begin; t < t_end; ++t) {
        const Tree& tree = f.trees[t];
        const Node& n = f.nodes[tree.node_begin + walk(f, tree, X[r])];
        if (f.leaf_id(t, n.child_or_leaf) != int32_t(leaf[r][t - t_begin])) {
          ADD_FAILURE() << "row " << r << " tree " << t << ": leaf " << f.leaf_id(t, n.child_or_leaf)
                        << ", lightgbm says " << leaf[r][t - t_begin];
          ++bad;
        }
        m[tree.output] += reference_leaf_output(f, n.child_or_leaf, X[r]) * tree.weight;
      }
      for (uint32_t j = 0; j < k; ++j) {
        if (!close(m[j], margin[r][j], 1e-12)) {
          ADD_FAILURE() << "row " << r << " margin " << j << ": " << m[j] << " vs " << margin[r][j];
          ++bad;
        }
      }
      if (f.average_output) {
        for (double& v : m) v /= double(it_end - it_begin);
      }
      transform(f, &m);
      for (uint32_t j = 0; j < k; ++j) {
        if (!close(m[j], value[r][j], 1e-12)) {
          ADD_FAILURE() << "row " << r << " value " << j << ": " << m[j] << " vs " << value[r][j];
          ++bad;
        }
      }
    }
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "the manifest has no LightGBM cases yet";
  std::printf("[ info ] %d LightGBM conformance cases loaded and walked\n", checked);
}

TEST(LightGBMLoader, SplitFeaturesAboveTheNodeBoundAreATypedError) {
  // Forest::Node keeps a split's feature in 25 bits (forest.h): the loader refuses
  // feature 2^25 by name before it could be truncated to another feature (validate()
  // then refuses more than 2^24 features anyway).
  std::string text = replace_once(kModel, "max_feature_idx=2", "max_feature_idx=40000000");
  text = replace_once(text, "feature_names=alpha beta gamma\n", "");
  text = replace_once(text, "split_feature=0 1 2 0", "split_feature=0 1 2 33554432");
  const Error e = load_error(text);
  EXPECT_EQ(e.code(), PS_ERR_UNSUPPORTED);
  EXPECT_TRUE(contains(e.what(), "33554432")) << e.what();
  // The largest feature the bit-field holds is stored whole.
  const Forest f = load_lightgbm_text(replace_once(text, "split_feature=0 1 2 33554432", "split_feature=0 1 2 33554431"));
  EXPECT_EQ(f.nodes[6].feature, 33554431u);
}

TEST(LightGBMLoader, ArraysAreSizedExactlyWithoutGrowing) {
  // The loader reserves every per-node and per-leaf array at its final size from the
  // trees' num_leaves lines (a copy to shrink one leaves freed heap behind), and keeps
  // LightGBM's counts as float covers directly.
  const Forest f = load_lightgbm_text(kModel);
  EXPECT_EQ(f.nodes.capacity(), f.nodes.size());
  EXPECT_EQ(f.leaf_values.capacity(), f.leaf_values.size());
  EXPECT_EQ(f.trees.capacity(), f.trees.size());
  EXPECT_TRUE(f.node_covers.empty());
  ASSERT_EQ(f.node_covers32.size(), f.nodes.size());
  EXPECT_EQ(f.node_covers32.capacity(), f.nodes.size());
  EXPECT_EQ(f.node_covers32[0], 150.0f);
  // A count that is not a float exactly moves every cover to doubles.
  const Forest big = load_lightgbm_text(replace_once(kModel, "internal_count=150 140 90 60", "internal_count=16777217 140 90 60"));
  EXPECT_TRUE(big.node_covers32.empty());
  ASSERT_EQ(big.node_covers.size(), big.nodes.size());
  EXPECT_EQ(big.node_covers[0], 16777217.0);
  EXPECT_EQ(big.node_cover(1), 10.0);
}

}  // namespace
}  // namespace polyscore
