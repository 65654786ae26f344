// ps_model_feature_categorical (ABI 6): for every conformance model file, the features
// it reports as categorical are exactly those some split of the file tests as a category,
// read here straight from the file (XGBoost JSON split_type 1; LightGBM text
// decision_type bit 0), not through the loaders; and its errors.
#include <gtest/gtest.h>

#include <dirent.h>

#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::source_path;

namespace {

// The conformance models and the pandas frame cases' models (their .case.json files are
// not models).
std::vector<std::string> model_files(const std::string& suffix) {
  std::vector<std::string> out;
  for (const std::string& dir : {source_path("tests/vectors/models"), source_path("tests/vectors/frames")}) {
    DIR* d = opendir(dir.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      const bool ends = name.size() > suffix.size() &&
                        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
      if (ends && name.find(".case.") == std::string::npos) out.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  return out;
}

// XGBoost writes non-finite split conditions as bare NaN / Infinity, which JSON lacks:
// as values (after '[', ',' or ':') they become 0 here; only the split types matter.
std::string finite_json(std::string text) {
  for (const std::string token : {"-Infinity", "Infinity", "NaN"}) {
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + 1)) {
      if (at > 0 && (text[at - 1] == '[' || text[at - 1] == ',' || text[at - 1] == ':')) {
        text.replace(at, token.size(), std::string(token.size(), ' ')).replace(at, 1, "0");
      }
    }
  }
  return text;
}

std::set<uint32_t> xgboost_categorical_splits(const std::string& path) {
  const auto model = nlohmann::json::parse(finite_json(polyscore_test::read_file(path)));
  const auto& booster = model["learner"]["gradient_booster"];
  std::set<uint32_t> out;
  if (booster["name"] == "gblinear") return out;
  const auto& trees = booster["name"] == "dart" ? booster["gbtree"]["model"]["trees"] : booster["model"]["trees"];
  for (const auto& tree : trees) {
    const auto& left = tree["left_children"];
    for (size_t i = 0; i < left.size(); ++i) {
      if (left[i].get<int64_t>() != -1 && tree["split_type"][i].get<int>() == 1) {
        out.insert(tree["split_indices"][i].get<uint32_t>());
      }
    }
  }
  return out;
}

std::vector<int64_t> numbers_after(const std::string& line, const std::string& key) {
  std::vector<int64_t> out;
  std::stringstream fields(line.substr(key.size()));
  for (int64_t v; fields >> v;) out.push_back(v);
  return out;
}

std::set<uint32_t> lightgbm_categorical_splits(const std::string& path) {
  std::stringstream lines(polyscore_test::read_file(path));
  std::set<uint32_t> out;
  std::vector<int64_t> features;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("split_feature=", 0) == 0) features = numbers_after(line, "split_feature=");
    if (line.rfind("decision_type=", 0) != 0) continue;
    const std::vector<int64_t> types = numbers_after(line, "decision_type=");
    EXPECT_EQ(types.size(), features.size()) << path;
    for (size_t i = 0; i < types.size() && i < features.size(); ++i) {
      if (types[i] & 1) out.insert(static_cast<uint32_t>(features[i]));
    }
  }
  return out;
}

std::set<uint32_t> reported(const Loaded& m) {
  ps_model_info info = PS_MODEL_INFO_INIT;
  EXPECT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  std::set<uint32_t> out;
  for (uint32_t j = 0; j < info.num_features; ++j) {
    int32_t categorical = -1;
    EXPECT_EQ(ps_model_feature_categorical(&categorical, m.model, j, m.err), PS_OK) << m.message();
    EXPECT_TRUE(categorical == 0 || categorical == 1) << categorical;
    if (categorical == 1) out.insert(j);
  }
  return out;
}

TEST(FeatureCategorical, EveryModelFileReportsTheFeaturesItsSplitsTestAsCategories) {
  size_t models = 0, with_categories = 0;
  for (const auto& [suffix, splits] : {std::make_pair(std::string(".json"), &xgboost_categorical_splits),
                                       std::make_pair(std::string(".txt"), &lightgbm_categorical_splits)}) {
    for (const std::string& path : model_files(suffix)) {
      SCOPED_TRACE(path);
      Loaded m(path);
      ASSERT_EQ(m.status, PS_OK) << m.message();
      const std::set<uint32_t> expected = splits(path);
      EXPECT_EQ(reported(m), expected);
      ++models;
      if (!expected.empty()) ++with_categories;
    }
  }
  EXPECT_GE(models, 200u);
  EXPECT_GE(with_categories, 20u);  // xgb*_categorical_*, lgb*_categorical*, the frames' ones
}

TEST(FeatureCategorical, Errors) {
  Loaded m(source_path("tests/vectors/models/lgb4_categorical.txt"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  int32_t categorical = 7;
  EXPECT_EQ(ps_model_feature_categorical(&categorical, m.model, info.num_features, m.err), PS_ERR_SHAPE);
  EXPECT_NE(m.message().find("feature index " + std::to_string(info.num_features) + " is out of range"),
            std::string::npos)
      << m.message();
  EXPECT_EQ(categorical, 7);  // not written
  EXPECT_EQ(ps_model_feature_categorical(nullptr, m.model, 0, m.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.message().find("categorical"), std::string::npos) << m.message();
  EXPECT_EQ(ps_model_feature_categorical(&categorical, nullptr, 0, m.err), PS_ERR_INVALID_HANDLE);
}

}  // namespace
