// The training categories a model file saves (XGBoost 3.1+ "cats", LightGBM's
// "pandas_categorical:" line): what the loaders keep, what the C ABI gives
// (ps_model_category_list_count, ps_model_category_list, ps_model_category), and the
// typed errors for malformed lists and bad indices. The frame models are the ones
// tests/gen/make_frame_vectors.py trained on DataFrames with the real libraries.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "model/error.h"
#include "model/forest.h"
#include "polyscore/polyscore.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_file;
using polyscore_test::source_path;

const std::vector<std::string> kMerchants = {"grocery", "travel", "games", "fuel",
                                             "pharmacy", "jewelry", "cash", "hotel"};
const std::vector<std::string> kCountries = {"FR", "DE", "US", "BR", "JP"};
const std::vector<std::string> kChannels = {"1", "2", "4", "8"};

std::string frame_model(const std::string& name) {
  return read_file(source_path("tests/vectors/frames/" + name));
}

struct List {
  int64_t feature;
  std::vector<std::string> texts;
  std::vector<ps_category_kind> kinds;
};

// Everything the C ABI says about a model's category lists.
std::vector<List> lists_of(const std::string& bytes) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  EXPECT_EQ(ps_model_load_buffer(&model, bytes.data(), bytes.size(), nullptr, err), PS_OK) << ps_error_message(err);
  uint32_t count = 0;
  EXPECT_EQ(ps_model_category_list_count(&count, nullptr, model, err), PS_OK);  // saved may be NULL
  std::vector<List> lists(count);
  for (uint32_t l = 0; l < count; ++l) {
    uint32_t n = 0;
    EXPECT_EQ(ps_model_category_list(&lists[l].feature, &n, model, l, err), PS_OK);
    for (uint32_t k = 0; k < n; ++k) {
      size_t len = 0;
      ps_category_kind kind = 0;
      EXPECT_EQ(ps_model_category(nullptr, 0, &len, &kind, model, l, k, err), PS_ERR_BUFFER_TOO_SMALL);
      std::string text(len + 1, '?');
      EXPECT_EQ(ps_model_category(text.data(), text.size(), &len, &kind, model, l, k, err), PS_OK);
      EXPECT_EQ(text[len], '\0');
      text.resize(len);
      lists[l].texts.push_back(text);
      lists[l].kinds.push_back(kind);
    }
  }
  ps_model_free(model);
  ps_error_free(err);
  return lists;
}

void expect_kinds(const List& list, ps_category_kind kind) {
  for (const ps_category_kind k : list.kinds) EXPECT_EQ(k, kind);
}

TEST(TrainingCategories, LightGBMPandasCategoricalThroughTheCApi) {
  for (const char* file : {"lgb4_frame_binary.txt", "lgb3_frame_binary.txt"}) {
    SCOPED_TRACE(file);
    const auto lists = lists_of(frame_model(file));
    ASSERT_EQ(lists.size(), 3u);
    for (const List& l : lists) EXPECT_EQ(l.feature, PS_CATEGORY_FEATURE_UNKNOWN);
    EXPECT_EQ(lists[0].texts, kMerchants);
    EXPECT_EQ(lists[1].texts, kCountries);
    EXPECT_EQ(lists[2].texts, kChannels);
    expect_kinds(lists[0], PS_CATEGORY_STRING);
    expect_kinds(lists[2], PS_CATEGORY_INTEGER);
  }
}

TEST(TrainingCategories, XGBoostSavedCategoriesThroughTheCApi) {
  for (const char* file : {"xgb3_frame_binary.json", "xgb3_frame_binary.ubj"}) {
    SCOPED_TRACE(file);
    const auto lists = lists_of(frame_model(file));
    ASSERT_EQ(lists.size(), 3u);
    EXPECT_EQ(lists[0].feature, 1);
    EXPECT_EQ(lists[1].feature, 3);
    EXPECT_EQ(lists[2].feature, 4);
    EXPECT_EQ(lists[0].texts, kMerchants);
    EXPECT_EQ(lists[1].texts, kCountries);
    EXPECT_EQ(lists[2].texts, kChannels);
    expect_kinds(lists[1], PS_CATEGORY_STRING);
    expect_kinds(lists[2], PS_CATEGORY_INTEGER);
  }
  // XGBoost 1.x saved none; a 3.x model trained on arrays has an empty "cats".
  EXPECT_TRUE(lists_of(frame_model("xgb1_frame_binary.json")).empty());
  EXPECT_TRUE(lists_of(frame_model("xgb1_frame_binary.ubj")).empty());
  EXPECT_TRUE(lists_of(read_file(source_path("tests/vectors/models/xgb3_categorical_partition.json"))).empty());
  EXPECT_TRUE(lists_of(read_file(source_path("tests/vectors/models/lgb4_categorical.txt"))).empty());
}

// "Saved" tells a file that holds the lists (even none) from one that holds none.
struct Saved {
  uint32_t count;
  int32_t saved;
};

Saved saved_of(const std::string& bytes) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  EXPECT_EQ(ps_model_load_buffer(&model, bytes.data(), bytes.size(), nullptr, err), PS_OK) << ps_error_message(err);
  Saved s{99, -1};
  EXPECT_EQ(ps_model_category_list_count(&s.count, &s.saved, model, err), PS_OK);
  ps_model_free(model);
  ps_error_free(err);
  return s;
}

// The lgb4 frame model with its pandas_categorical line replaced (or removed: "").
std::string lgb4_frame_with_last_line(const std::string& line) {
  std::string bytes = frame_model("lgb4_frame_binary.txt");
  return bytes.substr(0, bytes.rfind("pandas_categorical:")) + line;
}

TEST(TrainingCategories, SavedTellsAnEmptySetOfListsFromNone) {
  // LightGBM: [] (a DataFrame with no categorical column) is saved; null (arrays) and a
  // file without the line (other writers, the C++ CLI) are not.
  const Saved lgb_lists = saved_of(frame_model("lgb4_frame_binary.txt"));
  EXPECT_EQ(lgb_lists.count, 3u);
  EXPECT_EQ(lgb_lists.saved, 1);
  const Saved lgb_empty = saved_of(lgb4_frame_with_last_line("pandas_categorical:[]\n"));
  EXPECT_EQ(lgb_empty.count, 0u);
  EXPECT_EQ(lgb_empty.saved, 1);
  const Saved lgb_spaced_empty = saved_of(lgb4_frame_with_last_line("pandas_categorical: [ ]\n"));
  EXPECT_EQ(lgb_spaced_empty.saved, 1);
  const Saved lgb_null = saved_of(lgb4_frame_with_last_line("pandas_categorical:null\n"));
  EXPECT_EQ(lgb_null.count, 0u);
  EXPECT_EQ(lgb_null.saved, 0);
  const Saved lgb_no_line = saved_of(lgb4_frame_with_last_line(""));
  EXPECT_EQ(lgb_no_line.count, 0u);
  EXPECT_EQ(lgb_no_line.saved, 0);
  EXPECT_EQ(saved_of(read_file(source_path("tests/vectors/models/lgb4_categorical.txt"))).saved, 0);  // null

  // XGBoost: a 3.x file has "cats", with lists or (trained on arrays) without; 1.x has none.
  for (const char* file : {"xgb3_frame_binary.json", "xgb3_frame_binary.ubj"}) {
    SCOPED_TRACE(file);
    const Saved s = saved_of(frame_model(file));
    EXPECT_EQ(s.count, 3u);
    EXPECT_EQ(s.saved, 1);
  }
  const Saved xgb3_arrays = saved_of(read_file(source_path("tests/vectors/models/xgb3_categorical_partition.json")));
  EXPECT_EQ(xgb3_arrays.count, 0u);
  EXPECT_EQ(xgb3_arrays.saved, 1);
  for (const char* file : {"xgb1_frame_binary.json", "xgb1_frame_binary.ubj"}) {
    SCOPED_TRACE(file);
    const Saved s = saved_of(frame_model(file));
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.saved, 0);
  }
}

TEST(TrainingCategories, CApiErrors) {
  const std::string bytes = frame_model("lgb4_frame_binary.txt");
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  ASSERT_EQ(ps_model_load_buffer(&model, bytes.data(), bytes.size(), nullptr, err), PS_OK);
  int64_t feature = 0;
  uint32_t n = 0;
  size_t len = 0;
  ps_category_kind kind = 0;
  char buf[16];
  EXPECT_EQ(ps_model_category_list(&feature, &n, model, 3, err), PS_ERR_SHAPE);
  EXPECT_STREQ(ps_error_message(err), "category list 3 is out of range: the model has 3 category lists");
  EXPECT_EQ(ps_model_category(buf, sizeof buf, &len, &kind, model, 3, 0, err), PS_ERR_SHAPE);
  EXPECT_EQ(ps_model_category(buf, sizeof buf, &len, &kind, model, 1, 5, err), PS_ERR_SHAPE);
  EXPECT_STREQ(ps_error_message(err), "category 5 of list 1 is out of range: the list has 5 categories");
  // "pharmacy" needs 9 bytes: 8 is too small, and nothing is written
  std::fill(buf, buf + sizeof buf, 'x');
  EXPECT_EQ(ps_model_category(buf, 8, &len, &kind, model, 0, 4, err), PS_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 8u);
  EXPECT_EQ(kind, PS_CATEGORY_STRING);
  EXPECT_EQ(buf[0], 'x');
  EXPECT_EQ(ps_model_category(buf, 9, &len, nullptr, model, 0, 4, err), PS_OK);  // kind may be NULL
  EXPECT_STREQ(buf, "pharmacy");
  EXPECT_EQ(ps_model_category(buf, sizeof buf, nullptr, &kind, model, 0, 0, err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_category(nullptr, 4, &len, &kind, model, 0, 0, err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_category_list(nullptr, &n, model, 0, err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_category_list(&feature, nullptr, model, 0, err), PS_ERR_INVALID_ARGUMENT);
  int32_t saved = 0;
  EXPECT_EQ(ps_model_category_list_count(nullptr, &saved, model, err), PS_ERR_INVALID_ARGUMENT);
  ps_model_free(model);
  uint32_t count = 0;
  EXPECT_EQ(ps_model_category_list_count(&count, &saved, model, err), PS_ERR_INVALID_HANDLE);
  EXPECT_EQ(ps_model_category_list(&feature, &n, model, 0, err), PS_ERR_INVALID_HANDLE);
  EXPECT_EQ(ps_model_category(buf, sizeof buf, &len, &kind, model, 0, 0, err), PS_ERR_INVALID_HANDLE);
  ps_error_free(err);
}

// ---- LightGBM: the pandas_categorical line --------------------------------------------------

// The lgb4 frame model with its last line replaced.
std::string with_pandas_line(const std::string& line) {
  std::string bytes = frame_model("lgb4_frame_binary.txt");
  const size_t at = bytes.rfind("pandas_categorical:");
  return bytes.substr(0, at) + line + "\n";
}

TEST(TrainingCategories, PandasCategoricalValues) {
  const Forest f = load_lightgbm_text(with_pandas_line(
      R"(pandas_categorical:[["caf\u00e9", "\ud83d\ude00", "a\"b\\c\n", ""], [1.5, -0.0, 1e999, NaN, -Infinity, 0.1], [true, false, -12345678901234567890123]])"));
  const TrainingCategories& c = f.training_categories;
  ASSERT_EQ(c.num_lists(), 3u);
  EXPECT_EQ(c.text(0, 0), "caf\xc3\xa9");
  EXPECT_EQ(c.text(0, 1), "\xf0\x9f\x98\x80");
  EXPECT_EQ(c.text(0, 2), "a\"b\\c\n");
  EXPECT_EQ(c.text(0, 3), "");
  const char* reals[] = {"1.5", "-0", "Infinity", "NaN", "-Infinity", "0.1"};
  for (size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(c.text(1, k), reals[k]);
    EXPECT_EQ(c.kind(1, k), CategoryKind::kReal);
  }
  EXPECT_EQ(c.kind(2, 0), CategoryKind::kBoolean);
  EXPECT_EQ(c.text(2, 1), "false");
  EXPECT_EQ(c.kind(2, 2), CategoryKind::kInteger);
  EXPECT_EQ(c.text(2, 2), "-12345678901234567890123");  // kept as written: no bound on a JSON integer

  EXPECT_TRUE(load_lightgbm_text(with_pandas_line("pandas_categorical:null")).training_categories.empty());
  EXPECT_TRUE(load_lightgbm_text(with_pandas_line("pandas_categorical:[]")).training_categories.empty());
  // Only the last line counts (as lightgbm.basic reads it), and trailing blank lines do not.
  EXPECT_TRUE(load_lightgbm_text(with_pandas_line("pandas_categorical:[[1]]\nsomething else")).training_categories.empty());
  EXPECT_EQ(load_lightgbm_text(with_pandas_line("pandas_categorical:[[1]]\n\n  \r\n")).training_categories.num_lists(), 1u);
}

// json.loads takes lone surrogates (Python's surrogateescape makes U+DC80..U+DCFF of
// non-UTF-8 bytes), and LightGBM loads such a model; so does polyscore, keeping the bytes.
TEST(TrainingCategories, LoneSurrogatesKeepTheirBytes) {
  const Forest f = load_lightgbm_text(with_pandas_line(
      R"(pandas_categorical:[["\udc80x\udcff", "\ud83d", "\ud83dA", "\ude00", "\ud83d\u0041", "\ud83d\ud83d\ude00"]])"));
  const TrainingCategories& c = f.training_categories;
  ASSERT_EQ(c.num_lists(), 1u);
  EXPECT_EQ(c.text(0, 0), "\x80x\xff");                    // surrogateescape's bytes
  EXPECT_EQ(c.text(0, 1), "\xed\xa0\xbd");                 // a lone high surrogate, 3 bytes
  EXPECT_EQ(c.text(0, 2), "\xed\xa0\xbd" "A");
  EXPECT_EQ(c.text(0, 3), "\xed\xb8\x80");                 // a lone low one past U+DCFF
  EXPECT_EQ(c.text(0, 4), "\xed\xa0\xbd" "A");             // the next escape read on its own
  EXPECT_EQ(c.text(0, 5), "\xed\xa0\xbd" "\xf0\x9f\x98\x80");  // then a pair
}

// The length limit holds after escapes, which add up to 4 bytes past the last check.
TEST(TrainingCategories, TextLimitCountsEscapedBytes) {
  const size_t limit = 65536;
  EXPECT_EQ(load_lightgbm_text(with_pandas_line("pandas_categorical:[[\"" + std::string(limit - 3, 'a') +
                                                "\\u20ac\"]]"))
                .training_categories.text(0, 0)
                .size(),
            limit);
  try {
    load_lightgbm_text(with_pandas_line("pandas_categorical:[[\"" + std::string(limit - 1, 'a') + "\\u20ac\"]]"));
    FAIL() << "a text of " << limit + 2 << " bytes loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is longer than 65536 bytes"), std::string::npos) << e.what();
  }
}

TEST(TrainingCategories, MalformedPandasCategoricalIsAParseErrorNamingIt) {
  const struct {
    const char* json;
    const char* message;
  } cases[] = {
      {R"([["a", null]])", "column 0, category 1 is null"},
      {R"([["a", "b"])", "expected ',' or ']' after column 0"},
      {R"([["a)", "column 0, category 0: the string is not closed"},
      {R"([["a\q"]])", "unknown escape"},
      {R"([["\u12"]])", "\\u is not followed by 4 hex digits"},
      {R"([[01]])", "column 0, category 0 is not a JSON number"},
      {R"([[1.]])", "is not a JSON number"},
      {R"([[[1]]])", "is not a JSON string, number or boolean"},
      {R"([{"a": 1}])", "column 0's list of categories"},
      {R"({"a": 1})", "a list of lists (or null)"},
      {R"([[1]] x)", "has text after its JSON value"},
      {R"([[1], [2], [3], [4], [5], [6], [7]])", "lists more categorical columns than the model's 6 features"},
      {"[[\"a\tb\"]]", "a control character in a string must be escaped"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const std::string bytes = with_pandas_line(std::string("pandas_categorical:") + c.json);
    try {
      load_lightgbm_text(bytes);
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), PS_ERR_PARSE);
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("LightGBM text model, line "), std::string::npos) << e.what();
      EXPECT_GE(e.offset(), static_cast<int64_t>(bytes.rfind("pandas_categorical:")));
    }
  }
  // The bounds: a string longer than 65,536 bytes.
  try {
    load_lightgbm_text(with_pandas_line("pandas_categorical:[[\"" + std::string(70000, 'a') + "\"]]"));
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is longer than 65536 bytes"), std::string::npos) << e.what();
  }
}

// ---- XGBoost: model.cats ---------------------------------------------------------------------

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(TrainingCategories, MalformedXGBoostCategoriesAreAParseErrorNamingThem) {
  const std::string json = frame_model("xgb3_frame_binary.json");
  const std::string countries = R"({"offsets":[0,2,4,6,8,10],"values":[70,82,68,69,85,83,66,82,74,80]})";
  const struct {
    std::string from, to;
    const char* message;
  } cases[] = {
      {countries, R"({"offsets":[0,2,4,6,8,9],"values":[70,82,68,69,85,83,66,82,74,80]})",
       "cats.enc[3].offsets' does not span the 10 bytes"},
      {countries, R"({"offsets":[0,2,4,8,6,10],"values":[70,82,68,69,85,83,66,82,74,80]})",
       "cats.enc[3].offsets' decreases at entry 4"},
      {countries, R"({"offsets":[0,2,4,6,8,10],"values":[70,82,68,69,85,83,66,82,74,256]})",
       "cats.enc[3].values[9]' is out of range (256)"},
      {countries, R"({"values":[70,82]})", "cats.enc[3]' has values but neither 'offsets'"},
      {R"({"type":15,"values":[1,2,4,8]})", R"({"type":3,"values":[1,2,4,8]})",
       "cats.enc[4].type' is 3, not a typed array of numbers"},
      {R"({"type":15,"values":[1,2,4,8]})", R"({"type":15,"values":[1,2,"4",8]})",
       "cats.enc[4].values[2]' is not an integer"},
      {R"(,{"offsets":[],"values":[]}],"feature_segments")", R"(],"feature_segments")",
       "cats.enc' has 5 entries for num_feature 6"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    try {
      load_xgboost_json(replaced(json, c.from, c.to));
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), PS_ERR_PARSE);
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
  // Bytes written as int8 (XGBoost's JSON does for UTF-8 past ASCII) are the same bytes.
  const Forest f = load_xgboost_json(replaced(json, countries,
      R"({"offsets":[0,2,4,6,8,10],"values":[-61,-87,68,69,85,83,66,82,74,80]})"));
  EXPECT_EQ(f.training_categories.text(1, 0), "\xc3\xa9");
}

}  // namespace
}  // namespace polyscore
