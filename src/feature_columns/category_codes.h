// A category value given by its text (a JSON string, a CSV cell) turned into the code the
// training library gives it, from the training categories the model file saved (read
// through the C ABI: ps_model_category_list_count, ps_model_category_list,
// ps_model_category). One copy for polyscore-serve, polyscore-worker and the CLI, so all
// three code the same value the same way and refuse the same values in the same words.
//
// The rules (the Python binding's DataFrame path, bindings/python/src/polyscore/_frame.py):
//  - A list that names its feature (XGBoost 3.1+): a value's code is its position in the
//    list; a value not in it is an error naming the feature, the value and some trained
//    values (XGBoost refuses it too). A missing value is NaN, given as a number.
//  - Lists that name no feature (LightGBM's pandas_categorical) cannot be paired with
//    features from the file: two trainings can write the same file byte for byte with the
//    list belonging to different features (docs/categories.md). Whoever deploys the model
//    can say which features they are (the training DataFrame's categorical columns, in
//    order; the server's config.json "categorical_columns"); then a value's code is its
//    position and a value not in the list is missing (NaN), as LightGBM codes it. Without
//    that a value for such a model is refused, saying why and to send the code instead.
//  - A feature without a list is numeric, or the file saved no lists to code it by: a
//    text there is an error naming the feature.
// Matching by kind (the list's PS_CATEGORY_* kind): a STRING matches by bytes; an
// INTEGER matches a text of decimal digits with an optional '-' of the same value
// ("007" is 7); a REAL matches a text that reads as the same double ("2.50" is 2.5,
// "Infinity"), NaN matching nothing; a BOOLEAN matches "true" or "false". Numbers given
// as numbers are codes, as they always were: a text is the only way to give a value.
#ifndef POLYSCORE_CATEGORY_CODES_H
#define POLYSCORE_CATEGORY_CODES_H

#include <polyscore/polyscore.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace polyscore::feature_columns {

class CategoryCodes {
 public:
  // A model that saved no lists.
  CategoryCodes() = default;
  // Reads the lists of `model` (num_features features) through the C ABI. Throws
  // std::runtime_error with the library's message when a call fails.
  // lightgbm_columns: the features the lists that name none code, in list order (LightGBM
  // pairs list i with the i-th categorical column of the training DataFrame), or empty to
  // leave them unpaired. Throws std::runtime_error, naming the problem, when they are not
  // as many as those lists, repeat a feature, or name one past num_features.
  CategoryCodes(const ps_model* model, size_t num_features, const std::vector<size_t>& lightgbm_columns = {});

  // Sets *code to the training code of the value `text` of feature `column` (called
  // `name` in the message) and returns ""; or returns why it has none, naming the feature
  // and the value.
  std::string code(size_t column, const std::string& name, std::string_view text, double* code) const;

  // The values of feature `column`'s list, in code order, or nullptr when it has none.
  const std::vector<std::string>* values_of(size_t column) const;
  // The PS_CATEGORY_* kind of each of those values, as the model file holds it (the
  // dtype of the training frame's categories), or nullptr when the feature has no list.
  const std::vector<ps_category_kind>* kinds_of(size_t column) const;
  // Whether the file saved lists at all, and how many name no feature (LightGBM's).
  bool saved() const { return saved_; }
  size_t unpaired() const { return unpaired_; }

 private:
  struct List {
    std::vector<std::string> values;
    std::vector<ps_category_kind> value_kinds;  // one per value
    std::unordered_map<std::string, uint32_t> code_of;  // by match_key
    unsigned kinds = 0;  // bit k set when a value of PS_CATEGORY_* kind k is in the list
    bool unknown_is_missing = false;  // LightGBM's rule; XGBoost refuses an unknown value
  };
  std::vector<int32_t> list_of_;  // per feature: index into lists_, or -1
  std::vector<List> lists_;
  bool saved_ = false;
  size_t unpaired_ = 0;
};

}  // namespace polyscore::feature_columns

#endif
