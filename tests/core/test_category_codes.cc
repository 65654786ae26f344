// Category values by their text coded by a model's training categories
// (src/feature_columns/category_codes.h: the server's, the worker's and the CLI's one
// copy), on the frame models tests/gen/make_frame_vectors.py trained with the real
// libraries, and on the XGBoost one with its integer categories saved as reals.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "category_codes.h"
#include "polyscore/polyscore.h"
#include "test_util.h"

namespace {

using polyscore::feature_columns::CategoryCodes;
using polyscore_test::read_file;
using polyscore_test::source_path;

struct Loaded {
  ps_model* model = nullptr;
  explicit Loaded(const std::string& bytes) {
    EXPECT_EQ(ps_model_load_buffer(&model, bytes.data(), bytes.size(), nullptr, nullptr), PS_OK);
  }
  ~Loaded() { ps_model_free(model); }
};

std::string frame(const std::string& name) { return read_file(source_path("tests/vectors/frames/" + name)); }

// The code of `text` for feature `column`, or NaN with *why set.
double code_of(const CategoryCodes& codes, size_t column, const std::string& text, std::string* why) {
  double code = std::nan("");
  *why = codes.code(column, "f" + std::to_string(column), text, &code);
  return code;
}

TEST(CategoryCodes, XGBoostListsCodeByPosition) {
  Loaded m(frame("xgb3_frame_binary.json"));
  const CategoryCodes codes(m.model, 6);
  std::string why;
  EXPECT_EQ(code_of(codes, 1, "games", &why), 2);  // merchant
  EXPECT_EQ(why, "");
  EXPECT_EQ(code_of(codes, 1, "hotel", &why), 7);
  EXPECT_EQ(code_of(codes, 3, "JP", &why), 4);  // country
  EXPECT_EQ(code_of(codes, 4, "8", &why), 3);   // channel: integers 1, 2, 4, 8
  EXPECT_EQ(code_of(codes, 4, "008", &why), 3);
  EXPECT_EQ(code_of(codes, 4, "1", &why), 0);
  EXPECT_EQ(why, "");
  for (const char* not_integer : {"8.0", "+8", "-", "", " 8", "0x8"}) {
    SCOPED_TRACE(not_integer);
    EXPECT_TRUE(std::isnan(code_of(codes, 4, not_integer, &why)));
    EXPECT_NE(why.find("is not a category the model was trained with (\"1\", \"2\", \"4\", \"8\")"), std::string::npos)
        << why;
  }
  EXPECT_TRUE(std::isnan(code_of(codes, 1, "Games", &why)));  // bytes, not case-folded
  EXPECT_EQ(why, "feature \"f1\": \"Games\" is not a category the model was trained with (\"grocery\", \"travel\", "
                 "\"games\", \"fuel\", \"pharmacy\", \"jewelry\", \"cash\", \"hotel\")");
  EXPECT_TRUE(std::isnan(code_of(codes, 0, "12.5", &why)));
  EXPECT_EQ(why, "feature \"f0\" is numeric: \"12.5\" is not a number");
  ASSERT_NE(codes.values_of(3), nullptr);
  EXPECT_EQ(codes.values_of(3)->size(), 5u);
  EXPECT_EQ(codes.values_of(0), nullptr);
  EXPECT_TRUE(codes.saved());
  EXPECT_EQ(codes.unpaired(), 0u);
}

TEST(CategoryCodes, MessagesAreValidUtf8) {
  // A BYTES tensor or a CSV cell need not be UTF-8; the message goes into JSON and gRPC.
  Loaded m(frame("xgb3_frame_binary.json"));
  const CategoryCodes codes(m.model, 6);
  std::string why;
  EXPECT_TRUE(std::isnan(code_of(codes, 1, std::string("gro\xff\xc3(\xed\xa0\x80\xe2\x82\xac", 12), &why)));
  EXPECT_EQ(why.substr(0, 38), "feature \"f1\": \"gro\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xe2\x82\xac\"")
      << why;  // 0xff, a cut 2-byte form, a surrogate's 3 bytes replaced; the euro sign kept
}

TEST(CategoryCodes, RealCategoriesMatchByTheirDouble) {
  // channel's categories saved as float64 (XGBoost's typed array kind 8) 1.5, 2.5, 4, 8
  std::string json = frame("xgb3_frame_binary.json");
  const std::string ints = "{\"type\":15,\"values\":[1,2,4,8]}";
  size_t at = json.find(ints);
  if (at == std::string::npos) {  // spaced as Python's json.dump writes it
    const std::string spaced = "{\"type\": 15, \"values\": [1, 2, 4, 8]}";
    at = json.find(spaced);
    ASSERT_NE(at, std::string::npos);
    json.replace(at, spaced.size(), "{\"type\": 8, \"values\": [1.5, 2.5, 4, 8]}");
  } else {
    json.replace(at, ints.size(), "{\"type\":8,\"values\":[1.5,2.5,4,8]}");
  }
  Loaded m(json);
  ASSERT_NE(m.model, nullptr);
  const CategoryCodes codes(m.model, 6);
  std::string why;
  EXPECT_EQ(code_of(codes, 4, "2.5", &why), 1);
  EXPECT_EQ(code_of(codes, 4, "2.50", &why), 1);
  EXPECT_EQ(code_of(codes, 4, "25e-1", &why), 1);
  EXPECT_EQ(code_of(codes, 4, "4", &why), 2);
  EXPECT_EQ(code_of(codes, 4, "8.0", &why), 3);
  EXPECT_EQ(why, "");
  for (const char* no : {"NaN", "2.5x", "Infinity", "2.4999"}) {
    SCOPED_TRACE(no);
    EXPECT_TRUE(std::isnan(code_of(codes, 4, no, &why)));
    EXPECT_NE(why.find("is not a category the model was trained with"), std::string::npos) << why;
  }
}

TEST(CategoryCodes, ListsWithoutAFeatureOrNoListsRefuseTexts) {
  Loaded lgb(frame("lgb4_frame_binary.txt"));
  const CategoryCodes unpaired(lgb.model, 6);
  EXPECT_EQ(unpaired.unpaired(), 3u);
  EXPECT_EQ(unpaired.values_of(1), nullptr);
  std::string why;
  EXPECT_TRUE(std::isnan(code_of(unpaired, 1, "grocery", &why)));
  EXPECT_NE(why.find("LightGBM's pandas_categorical, which do not say which feature each codes"), std::string::npos)
      << why;

  Loaded xgb1(frame("xgb1_frame_binary.json"));
  const CategoryCodes none(xgb1.model, 6);
  EXPECT_FALSE(none.saved());
  EXPECT_TRUE(std::isnan(code_of(none, 1, "grocery", &why)));
  EXPECT_EQ(why, "feature \"f1\" takes a number, not \"grocery\": the model file saved no training categories to "
                 "code a category value by (send its code)");
}

// Each list's kinds are what the training frame's categories were
// (tests/gen/make_category_kind_vectors.py: shop str, level int64, rate float64, flag bool),
// and a string spelled as a missing value is a string like any other.
TEST(CategoryCodes, KindsAreTheTrainingFrameDtypes) {
  Loaded lgb(frame("lgb4_kinds_binary.txt"));
  const CategoryCodes paired(lgb.model, 5, {1, 2, 3, 4});  // shop, level, rate, flag
  Loaded xgb(frame("xgb3_kinds_binary.json"));
  const CategoryCodes saved(xgb.model, 3);
  using Kinds = std::vector<ps_category_kind>;
  auto all = [](size_t n, ps_category_kind kind) { return Kinds(n, kind); };
  for (const CategoryCodes* codes : {&paired, &saved}) {
    EXPECT_EQ(codes->kinds_of(0), nullptr);  // amount
    ASSERT_NE(codes->kinds_of(1), nullptr);
    EXPECT_EQ(*codes->kinds_of(1), all(7, PS_CATEGORY_STRING));
    ASSERT_NE(codes->kinds_of(2), nullptr);
    EXPECT_EQ(*codes->kinds_of(2), all(4, PS_CATEGORY_INTEGER));
    std::string why;
    EXPECT_EQ(code_of(*codes, 1, "NA", &why), 0);
    EXPECT_EQ(code_of(*codes, 1, "", &why), 4);
    EXPECT_EQ(code_of(*codes, 1, "NaN", &why), 3);
    EXPECT_EQ(why, "");
  }
  ASSERT_NE(paired.kinds_of(3), nullptr);
  EXPECT_EQ(*paired.kinds_of(3), all(4, PS_CATEGORY_REAL));
  EXPECT_EQ(*paired.values_of(3), (std::vector<std::string>{"0.5", "1", "2.5", "-3"}));
  ASSERT_NE(paired.kinds_of(4), nullptr);
  EXPECT_EQ(*paired.kinds_of(4), all(2, PS_CATEGORY_BOOLEAN));
  EXPECT_EQ(paired.kinds_of(5), nullptr);  // past the features
}

}  // namespace
