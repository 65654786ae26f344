// Feature names come back as the model file gives them, and LightGBM's names of unnamed
// features (Column_<index>) take no memory, however many features a model declares.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "model/feature_names.h"
#include "test_util.h"

namespace polyscore {
namespace {

FeatureNames names_of(const std::vector<std::string>& list) {
  FeatureNames names;
  for (const std::string& name : list) names.add(name);
  return names;
}

TEST(FeatureNames, ComeBackAsGiven) {
  for (const std::vector<std::string>& list : std::vector<std::vector<std::string>>{
           {}, {"Column_0", "Column_1", "Column_2"}, {"Column_0", "Column_1", "x", "Column_3"},
           {"Column_1", "Column_0"}, {"a", "", "Column_2"}, {"Column_0", "Column_01"}}) {
    const FeatureNames names = names_of(list);
    EXPECT_EQ(names.size(), list.size());
    EXPECT_EQ(names.to_vector(), list);
  }
  EXPECT_EQ(names_of({"Column_0", "Column_1"}).stored_bytes(), 0u);
  EXPECT_GT(names_of({"Column_0", "b"}).stored_bytes(), 0u);
}

TEST(FeatureNames, LightGBMDefaultNamesOfAWideModelTakeNoMemory) {
  const Forest forest = load_model(polyscore_test::read_file(polyscore_test::source_path(
                                       "tests/vectors/sparse/models/lgb4_sparse_hashed_binary.txt")),
                                   0);
  ASSERT_EQ(forest.feature_names.size(), forest.num_features);
  EXPECT_EQ(forest.feature_names[forest.num_features - 1], "Column_" + std::to_string(forest.num_features - 1));
  EXPECT_EQ(forest.feature_names.stored_bytes(), 0u);
}

}  // namespace
}  // namespace polyscore
