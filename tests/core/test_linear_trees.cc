// LightGBM linear trees (linear_tree=true): a hand-written model whose outputs are worked
// out by hand (and agree with LightGBM 4.7's predict on the same text), the loader's
// errors for malformed linear leaves, contributions refused as LightGBM refuses them,
// and every linear conformance vector bit for bit through the dense, CSR and single-row
// paths (tests/core/test_conformance.cc checks them within its tolerance).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "model/error.h"
#include "model/forest.h"
#include "test_util.h"

namespace {

using polyscore_test::read_csv;
using polyscore_test::read_file;
using polyscore_test::source_path;

// Tree 0: f0 <= 0.5 (NaN read as 0, so it goes left) to leaf 0, else leaf 1.
//   leaf 0: 0.25 + 0.5 * f1 - 2 * f2      (leaf_value 1.5 when f1 or f2 is NaN)
//   leaf 1: -1 + 3 * f0                    (leaf_value -2.5 when f0 is NaN)
// Tree 1: one leaf, 0.5 + 0.125 * f1      (leaf_value 0.75 when f1 is NaN)
const char* kLinearModel = R"(tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=2
objective=regression
feature_names=a b c
feature_infos=[-1:1] [-1:1] [-1:1]

Tree=0
num_leaves=2
num_cat=0
split_feature=0
split_gain=1
threshold=0.5
decision_type=2
left_child=-1
right_child=-2
leaf_value=1.5 -2.5
leaf_weight=1 1
leaf_count=10 10
internal_value=0
internal_weight=0
internal_count=20
is_linear=1
leaf_const=0.25 -1
num_features=2 1
leaf_features=1 2  0  
leaf_coeff=0.5 -2  3  
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
leaf_value=0.75
leaf_weight=1
leaf_count=0
internal_value=
internal_weight=
internal_count=
is_linear=1
leaf_const=0.5
num_features=1
leaf_features=1  
leaf_coeff=0.125  
shrinkage=1


end of trees
)";

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "test bug: " << from << " not in the model";
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// A model loaded from text through the C API, freed at scope exit.
struct Model {
  ps_error* err = nullptr;
  ps_model* model = nullptr;
  explicit Model(const std::string& text) {
    ps_error_create(&err);
    ps_load_options opts = PS_LOAD_OPTIONS_INIT;
    EXPECT_EQ(ps_model_load_buffer(&model, text.data(), text.size(), &opts, err), PS_OK) << ps_error_message(err);
  }
  ~Model() {
    ps_model_free(model);
    ps_error_free(err);
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(LinearTrees, HandWrittenModelScoresAsLightGBM) {
  Model m(kLinearModel);
  ASSERT_NE(m.model, nullptr);
  struct Case {
    std::vector<double> row;
    double margin;
  };
  // Every margin was also checked with lightgbm 4.7.0: Booster(model_str=kLinearModel).predict(rows).
  const Case cases[] = {
      {{0.0, 2.0, 1.0}, (0.25 + 0.5 * 2.0 + -2.0 * 1.0) + (0.5 + 0.125 * 2.0)},
      {{1.0, 2.0, kNaN}, (-1.0 + 3.0 * 1.0) + (0.5 + 0.125 * 2.0)},  // leaf 1 does not read f2
      {{0.0, 2.0, kNaN}, 1.5 + (0.5 + 0.125 * 2.0)},                  // leaf 0 reads f2: leaf_value
      {{kNaN, 4.0, 1.0}, (0.25 + 0.5 * 4.0 + -2.0 * 1.0) + (0.5 + 0.125 * 4.0)},  // NaN split as 0
      {{kNaN, kNaN, kNaN}, 1.5 + 0.75},
      {{3.0, kNaN, -1.0}, (-1.0 + 3.0 * 3.0) + 0.75},
      {{1e-36, 8.0, 0.0}, (0.25 + 0.5 * 8.0 + -2.0 * 0.0) + (0.5 + 0.125 * 8.0)},  // |x| <= 1e-35 is 0
  };
  for (const Case& c : cases) {
    double out = 0;
    ASSERT_EQ(ps_model_predict_row(&out, 1, m.model, c.row.data(), 3, nullptr, m.err), PS_OK)
        << ps_error_message(m.err);
    EXPECT_EQ(out, c.margin) << "row " << c.row[0] << "," << c.row[1] << "," << c.row[2];
  }
}

TEST(LinearTrees, LoaderBuildsTheSideTable) {
  const polyscore::Forest f = polyscore::load_lightgbm_text(kLinearModel);
  const polyscore::LinearLeaves& linear = f.linear_leaves;
  EXPECT_EQ(linear.constant, (std::vector<double>{0.25, -1.0, 0.5}));
  EXPECT_EQ(linear.term_begin, (std::vector<uint32_t>{0, 2, 3, 4}));
  EXPECT_EQ(linear.feature, (std::vector<uint32_t>{1, 2, 0, 1}));
  EXPECT_EQ(linear.coeff, (std::vector<double>{0.5, -2.0, 3.0, 0.125}));
  EXPECT_EQ(f.leaf_values, (std::vector<double>{1.5, -2.5, 0.75}));
  // A tree that is not linear before a linear one: its leaves output their values.
  const polyscore::Forest mixed =
      polyscore::load_lightgbm_text(replace_once(kLinearModel, "is_linear=1", "is_linear=0"));
  EXPECT_EQ(mixed.linear_leaves.constant, (std::vector<double>{1.5, -2.5, 0.5}));
  EXPECT_EQ(mixed.linear_leaves.term_begin, (std::vector<uint32_t>{0, 0, 0, 1}));
  EXPECT_EQ(mixed.linear_leaves.feature, (std::vector<uint32_t>{1}));
  // A model without linear trees carries no table.
  const std::string plain = replace_once(replace_once(kLinearModel, "is_linear=1", "is_linear=0"),
                                         "is_linear=1", "is_linear=0");
  EXPECT_TRUE(polyscore::load_lightgbm_text(plain).linear_leaves.empty());
}

TEST(LinearTrees, MalformedLinearLeavesAreParseErrors) {
  const std::string m = kLinearModel;
  const struct {
    const char* name;
    std::string text;
    std::vector<std::string> parts;
    const char* line;  // the line the error's offset points at
  } cases[] = {
      {"num_features count", replace_once(m, "num_features=2 1", "num_features=2"),
       {"tree 0", "num_features", "expected 2", "found 1"}, "num_features=2"},
      {"leaf_features fewer than the terms", replace_once(m, "leaf_features=1 2  0  ", "leaf_features=1 2  "),
       {"tree 0", "leaf_features", "expected 3", "sum of num_features", "found 2"}, "leaf_features=1 2"},
      {"leaf_coeff more than the terms", replace_once(m, "leaf_coeff=0.5 -2  3  ", "leaf_coeff=0.5 -2  3 4"),
       {"tree 0", "leaf_coeff", "expected 3", "found 4"}, "leaf_coeff=0.5"},
      {"feature index past max_feature_idx", replace_once(m, "leaf_features=1 2  0  ", "leaf_features=1 3  0  "),
       {"tree 0", "leaf_features", "value 1 = 3", "out of range [0, 2]"}, "leaf_features=1 3"},
      {"negative feature index", replace_once(m, "leaf_features=1  ", "leaf_features=-1  "),
       {"tree 1", "leaf_features", "out of range"}, "leaf_features=-1"},
      {"more terms than features", replace_once(m, "num_features=2 1", "num_features=2 4"),
       {"tree 0", "num_features", "out of range [0, 3]"}, "num_features=2 4"},
      {"missing leaf_const", replace_once(m, "leaf_const=0.25 -1\n", ""),
       {"tree 0", "leaf_const", "missing"}, "Tree=0"},
      {"missing leaf_coeff", replace_once(m, "leaf_coeff=0.125  \n", ""),
       {"tree 1", "leaf_coeff", "missing"}, "Tree=1"},
      {"garbage coefficient", replace_once(m, "leaf_coeff=0.5 -2", "leaf_coeff=0.5 -2x"),
       {"tree 0", "leaf_coeff", "not a number", "\"-2x\""}, "leaf_coeff=0.5"},
      {"is_linear not 0 or 1", replace_once(m, "is_linear=1", "is_linear=2"),
       {"tree 0", "is_linear", "out of range"}, "is_linear=2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      polyscore::load_lightgbm_text(c.text);
      ADD_FAILURE() << "loaded";
    } catch (const polyscore::Error& e) {
      EXPECT_EQ(e.code(), PS_ERR_PARSE) << e.what();
      for (const auto& part : c.parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what() << " lacks " << part;
      }
      EXPECT_EQ(e.offset(), int64_t(c.text.find(c.line))) << e.what();
    }
  }
}

TEST(LinearTrees, ContributionsAreRefusedAsLightGBMRefusesThem) {
  Model m(kLinearModel);
  ASSERT_NE(m.model, nullptr);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_CONTRIB;
  const double row[3] = {0.0, 1.0, 2.0};
  double out[4] = {};
  EXPECT_EQ(ps_model_predict_row(out, 4, m.model, row, 3, &opts, m.err), PS_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(ps_error_message(m.err)).find("linear trees"), std::string::npos)
      << ps_error_message(m.err);
}

// ---- the conformance vectors of linear models, bit for bit -----------------------------

bool is_linear_case(const nlohmann::json& c) {
  return c["library"] == "lightgbm" &&
         read_file(source_path("tests/vectors/" + c["model"].get<std::string>())).find("is_linear=1") !=
             std::string::npos;
}

bool same_bits(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

TEST(LinearTrees, ConformanceVectorsBitForBit) {
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  size_t checked = 0;
  for (const auto& c : manifest["cases"]) {
    if (!is_linear_case(c)) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    polyscore_test::Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const size_t n = rows.size(), nf = rows[0].size();
    const bool f32 = c["dtype"] == "float32";
    const auto x64 = polyscore_test::flatten(rows);
    const std::vector<float> x32(x64.begin(), x64.end());
    // The same rows as CSR, without the zeros LightGBM treats as absent.
    std::vector<int64_t> indptr{0};
    std::vector<int32_t> indices;
    std::vector<double> values;
    for (const auto& row : rows) {
      for (size_t j = 0; j < nf; ++j) {
        if (row[j] == 0.0) continue;
        indices.push_back(static_cast<int32_t>(j));
        values.push_back(row[j]);
      }
      indptr.push_back(static_cast<int64_t>(indices.size()));
    }
    for (const auto& [kind, name] : {std::pair{PS_OUTPUT_VALUE, "value"}, std::pair{PS_OUTPUT_MARGIN, "margin"},
                                     std::pair{PS_OUTPUT_LEAF, "leaf"}}) {
      ASSERT_TRUE(c["outputs"].contains(name)) << name;
      SCOPED_TRACE(name);
      const auto want = polyscore_test::flatten(
          read_csv(source_path("tests/vectors/" + c["outputs"][name]["file"].get<std::string>())));
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.output = kind;
      opts.iteration_begin = c["iteration_begin"];
      opts.iteration_end = c["iteration_end"];
      std::vector<double> got(want.size()), csr(want.size());
      ASSERT_EQ(ps_model_predict_dense(got.data(), got.size(), m.model,
                                       f32 ? static_cast<const void*>(x32.data()) : x64.data(),
                                       f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_FLOAT64, n, nf, &opts, m.err),
                PS_OK)
          << m.message();
      const size_t per_row = want.size() / n;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_TRUE(same_bits(want[i], got[i]))
            << "row " << i / per_row << " column " << i % per_row << ": lightgbm " << want[i] << ", polyscore "
            << got[i] << " (differ by " << got[i] - want[i] << ")";
      }
      if (f32) continue;  // the CSR and row paths take float64 rows
      ASSERT_EQ(ps_model_predict_csr(csr.data(), csr.size(), m.model, indptr.data(), indices.data(),
                                     values.data(), PS_DTYPE_FLOAT64, n, nf, &opts, m.err),
                PS_OK)
          << m.message();
      std::vector<double> one(per_row);
      for (size_t r = 0; r < n; ++r) {
        ASSERT_EQ(ps_model_predict_row(one.data(), per_row, m.model, rows[r].data(), nf, &opts, m.err), PS_OK);
        for (size_t k = 0; k < per_row; ++k) {
          ASSERT_TRUE(same_bits(got[r * per_row + k], one[k])) << "single row " << r;
          ASSERT_TRUE(same_bits(got[r * per_row + k], csr[r * per_row + k])) << "CSR row " << r;
        }
      }
    }
    // LightGBM refuses pred_contrib on these models; so do we.
    EXPECT_FALSE(c["outputs"].contains("contrib"));
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    std::vector<double> contrib(size_t(nf + 1) * 3);
    EXPECT_EQ(ps_model_predict_row(contrib.data(), contrib.size(), m.model, rows[0].data(), nf, &opts, m.err),
              PS_ERR_UNSUPPORTED);
    ++checked;
  }
  // binary (+ f32 and a range), regression with missing values, multiclass, linear_lambda:
  // LightGBM 4.x and 3.3.x each.
  EXPECT_GE(checked, 12u);
}

}  // namespace
