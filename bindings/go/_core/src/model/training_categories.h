// The category values a model was trained with, as its file records them, so that a
// caller can code a column of strings (a pandas categorical) exactly as the training
// library does: the code of a value is its position in its list.
//
// Each list is one categorical column's categories in training order. XGBoost 3.1+
// saves one per categorical feature (gradient_booster.model.cats), so the list knows its
// feature; LightGBM's Python package saves one per pandas categorical column of the
// training DataFrame, in column order ("pandas_categorical:" line), and the file does not
// say which feature each belongs to (a categorical column need not be a categorical
// feature), so the list's feature is kUnknownFeature and the caller pairs list i with the
// i-th categorical column, as LightGBM does.
//
// Each value is a kind and a text, the same text in every binding and on every platform:
// a string as its bytes; an integer as decimal digits as the file wrote them; a real as
// the shortest decimal that reads back as the same double (a float32 widened first), or
// Infinity / -Infinity / NaN (JSON's and Python's spelling, which Go, Java and JavaScript
// parse too); a boolean as true / false. A typed value would need a union per language;
// the text keeps what the file holds (integers of any size, strings as bytes) and costs
// one parse in the caller.
//
// Whether the file saved lists at all is kept apart from how many: LightGBM writes
// "pandas_categorical:null" for a model trained on arrays and "pandas_categorical:[]" for
// one trained on a DataFrame without categorical columns, and refuses to predict on a
// DataFrame with categorical columns for the second but not the first; XGBoost 3.1+
// saves "cats" (maybe with no lists) where older versions save nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polyscore {

enum class CategoryKind : uint8_t {
  kString = 1,   // ps_category_kind values (polyscore/model.h)
  kInteger = 2,
  kReal = 3,
  kBoolean = 4,
};

class TrainingCategories {
 public:
  static constexpr int64_t kUnknownFeature = -1;

  // The file holds the lists (even none); begin_list() implies it.
  void mark_saved() { saved_ = true; }

  // Starts a new (empty) list; add() appends to the latest one.
  void begin_list(int64_t feature) {
    saved_ = true;
    list_feature_.push_back(feature);
    list_begin_.push_back(kinds_.size());
  }
  void add(CategoryKind kind, std::string_view text) {
    kinds_.push_back(kind);
    chars_.append(text);
    text_end_.push_back(chars_.size());
  }

  // True when the file saved category lists, even an empty set of them.
  bool saved() const { return saved_; }
  size_t num_lists() const { return list_feature_.size(); }
  bool empty() const { return list_feature_.empty(); }
  int64_t feature(size_t list) const { return list_feature_[list]; }
  size_t list_size(size_t list) const { return list_end(list) - list_begin_[list]; }
  size_t num_values() const { return kinds_.size(); }
  CategoryKind kind(size_t list, size_t k) const { return kinds_[list_begin_[list] + k]; }
  std::string_view text(size_t list, size_t k) const {
    const size_t v = list_begin_[list] + k;
    const size_t begin = v == 0 ? 0 : text_end_[v - 1];
    return std::string_view(chars_).substr(begin, text_end_[v] - begin);
  }
  size_t text_bytes() const { return chars_.size(); }

  void shrink_to_fit() {
    list_feature_.shrink_to_fit();
    list_begin_.shrink_to_fit();
    kinds_.shrink_to_fit();
    text_end_.shrink_to_fit();
    chars_.shrink_to_fit();
  }

 private:
  size_t list_end(size_t list) const {
    return list + 1 < list_begin_.size() ? list_begin_[list + 1] : kinds_.size();
  }

  std::vector<int64_t> list_feature_;  // per list: its feature, or kUnknownFeature
  std::vector<size_t> list_begin_;     // per list: its first value
  std::vector<CategoryKind> kinds_;    // per value
  std::vector<size_t> text_end_;       // per value: where its text ends in chars_
  std::string chars_;                  // the values' texts one after another
  bool saved_ = false;
};

// Bounds a loader checks before it stores categories (a file holding more is a parse
// error): no training library writes lists this long, and a corrupt count must not make
// the loader allocate without bound (the texts themselves are bounded by the file's size).
constexpr size_t kMaxCategoriesPerList = size_t{1} << 24;  // XGBoost's own category limit
constexpr size_t kMaxCategoryTextBytes = size_t{1} << 16;

// The REAL text of a double: shortest round-trip decimal, or Infinity / -Infinity / NaN.
std::string category_real_text(double value);

}  // namespace polyscore
