// Replays the model inputs under tests/fuzz/regressions/LOADER/, each of which once made
// a fuzz target fail: loaded with that loader's format forced, each must load and score
// or fail with a parse/unsupported status. The fuzz smoke run replays them with clang;
// here they also run under the test command's GCC ASan+UBSan build.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using polyscore_test::read_file;
using polyscore_test::source_path;

struct Loaded {
  ps_status status;
  std::string message;
};

// Loads `bytes` with `format` forced and, if it loads, scores one row of NaNs and zeros.
Loaded load_and_score(const std::string& bytes, ps_format format) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_load_options load = PS_LOAD_OPTIONS_INIT;
  load.format = format;
  ps_model* model = nullptr;
  Loaded result{ps_model_load_buffer(&model, bytes.data(), bytes.size(), &load, err), ps_error_message(err)};
  if (result.status == PS_OK) {
    ps_model_info info = PS_MODEL_INFO_INIT;
    EXPECT_EQ(ps_model_info_get(&info, model, err), PS_OK);
    std::vector<double> row(info.num_features);
    for (size_t i = 0; i < row.size(); ++i) row[i] = i % 2 ? 0.0 : NAN;
    std::vector<double> out(info.num_outputs);
    EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), model, row.data(), row.size(), nullptr, err), PS_OK)
        << ps_error_message(err);
    ps_model_free(model);
  } else {
    EXPECT_EQ(model, nullptr);
  }
  ps_error_free(err);
  return result;
}

TEST(FuzzRegressions, EveryInputLoadsOrFailsWithAParseOrUnsupportedStatus) {
  const struct {
    const char* dir;
    ps_format format;
  } loaders[] = {{"xgboost_json", PS_FORMAT_XGBOOST_JSON},
                 {"xgboost_ubjson", PS_FORMAT_XGBOOST_UBJSON},
                 {"lightgbm_text", PS_FORMAT_LIGHTGBM_TEXT}};
  size_t replayed = 0;
  for (const auto& loader : loaders) {
    const std::filesystem::path dir = source_path(std::string("tests/fuzz/regressions/") + loader.dir);
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      const Loaded loaded = load_and_score(read_file(entry.path().string()), loader.format);
      EXPECT_TRUE(loaded.status == PS_OK || loaded.status == PS_ERR_PARSE || loaded.status == PS_ERR_UNSUPPORTED)
          << ps_status_name(loaded.status) << ": " << loaded.message;
      ++replayed;
    }
  }
  EXPECT_GE(replayed, 1u) << "no input under tests/fuzz/regressions/";
}

// Found by the xgboost_ubjson target with the loader's split_indices check (and the
// validator's feature check) removed: the predictor read past the end of the row.
TEST(FuzzRegressions, SplitIndexPastNumFeatureIsAParseError) {
  const Loaded loaded = load_and_score(
      read_file(source_path("tests/fuzz/regressions/xgboost_ubjson/split_index_past_num_feature.ubj")),
      PS_FORMAT_XGBOOST_UBJSON);
  EXPECT_EQ(loaded.status, PS_ERR_PARSE);
  EXPECT_NE(loaded.message.find("split_indices[3]' (50) is not below num_feature 5"), std::string::npos)
      << loaded.message;
}

// Written by hand with the linear-tree loader (not found by a fuzzing run): a linear
// leaf's term on feature 7 of a 3-feature model. Without the loader's range check and
// validate()'s, the walks would read the row's eighth value.
TEST(FuzzRegressions, LinearLeafFeaturePastMaxFeatureIdxIsAParseError) {
  const Loaded loaded = load_and_score(
      read_file(source_path("tests/fuzz/regressions/lightgbm_text/linear_leaf_feature_past_max_feature_idx.txt")),
      PS_FORMAT_LIGHTGBM_TEXT);
  EXPECT_EQ(loaded.status, PS_ERR_PARSE);
  EXPECT_NE(loaded.message.find("key 'leaf_features': value 1 = 7 is out of range [0, 2]"), std::string::npos)
      << loaded.message;
}

// Written by hand with the training-category readers (not found by a fuzzing run): a
// LightGBM pandas_categorical line cut inside a string and an XGBoost UBJSON model whose
// string categories' last offset points one byte past their bytes.
TEST(FuzzRegressions, MalformedTrainingCategoriesAreAParseError) {
  const struct {
    const char* file;
    ps_format format;
    const char* message;
  } cases[] = {
      {"lightgbm_text/pandas_categorical_unclosed_string.txt", PS_FORMAT_LIGHTGBM_TEXT,
       "line 462: pandas_categorical column 0, category 1: the string is not closed"},
      {"xgboost_ubjson/cats_offsets_past_values.ubj", PS_FORMAT_XGBOOST_UBJSON,
       "cats.enc[3].offsets[5]' is out of range (11)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const Loaded loaded = load_and_score(read_file(source_path(std::string("tests/fuzz/regressions/") + c.file)),
                                         c.format);
    EXPECT_EQ(loaded.status, PS_ERR_PARSE);
    EXPECT_NE(loaded.message.find(c.message), std::string::npos) << loaded.message;
  }
}

}  // namespace
