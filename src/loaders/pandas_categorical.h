// LightGBM's "pandas_categorical:" line: the categories of the training DataFrame's
// categorical columns, which lightgbm.basic writes as the model file's last line with
// json.dumps (one JSON list per categorical column, in column order, or null).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/training_categories.h"

namespace polyscore {

// Parses `json` (the line's text after "pandas_categorical:") into *out: one list per
// column, each of feature TrainingCategories::kUnknownFeature (the file does not say
// which feature a column is). A list of lists, even [], marks *out saved; null gives no
// list and leaves it unsaved. The grammar is Python's json.loads on
// a list of lists of strings, numbers (also NaN, Infinity, -Infinity) and booleans.
// Anything else, more lists than max_lists, a list longer than kMaxCategoriesPerList or
// a value longer than kMaxCategoryTextBytes throws Error(PS_ERR_PARSE) naming the
// problem, `where` (e.g. "LightGBM text model, line 430") and the byte offset
// (line_offset + the position in json).
void read_pandas_categorical(std::string_view json, const std::string& where, size_t line_offset,
                             size_t max_lists, TrainingCategories* out);

}  // namespace polyscore
