// Category values to training codes (category_codes.h).
#include "category_codes.h"

#include <charconv>
#include <limits>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>

#include "feature_columns.h"

namespace polyscore::feature_columns {
namespace {

// Owns a ps_error; throws its message on a failed call.
struct Error {
  ps_error* err = nullptr;
  Error() { ps_error_create(&err); }
  ~Error() { ps_error_free(err); }
  void check(ps_status status, const char* what) const {
    if (status != PS_OK) {
      throw std::runtime_error(std::string("reading the model's training categories (") + what +
                               "): " + (err ? ps_error_message(err) : "out of memory"));
    }
  }
};

// "-007" -> "-7", "-0" -> "0"; nullopt unless an optional '-' and one or more digits.
std::optional<std::string> integer_key(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = text.substr(negative ? 1 : 0);
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const size_t first = std::min(digits.find_first_not_of('0'), digits.size() - 1);
  digits = digits.substr(first);
  return (negative && digits != "0" ? "-" : "") + std::string(digits);
}

// The shortest text of the double `text` reads as (0 for -0); nullopt when it is not a
// whole decimal or Infinity/-Infinity, or is NaN (equal to nothing).
std::optional<std::string> real_key(std::string_view text) {
  double d;
  if (text == "Infinity") {
    d = HUGE_VAL;
  } else if (text == "-Infinity") {
    d = -HUGE_VAL;
  } else {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size() || std::isnan(d)) return std::nullopt;
  }
  if (d == 0) d = 0;  // -0 equals 0
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

// The key a list's value is found by: its kind, then its text made canonical, so that the
// texts of one value meet ("7" and "007"; "2.5" and "2.50").
std::optional<std::string> match_key(ps_category_kind kind, std::string_view text) {
  std::optional<std::string> canonical;
  switch (kind) {
    case PS_CATEGORY_STRING: canonical = std::string(text); break;
    case PS_CATEGORY_INTEGER: canonical = integer_key(text); break;
    case PS_CATEGORY_REAL: canonical = real_key(text); break;
    case PS_CATEGORY_BOOLEAN:
      if (text == "true" || text == "false") canonical = std::string(text);
      break;
    default: break;  // a kind newer than this program: matched by nothing
  }
  if (!canonical) return std::nullopt;
  return static_cast<char>('0' + kind) + *canonical;
}

// "name" quoted for a message, as valid UTF-8 (quote_some makes it so).
std::string quoted(std::string_view s) { return quote_some({std::string(s)}); }

}  // namespace

CategoryCodes::CategoryCodes(const ps_model* model, size_t num_features, const std::vector<size_t>& lightgbm_columns)
    : list_of_(num_features, -1) {
  Error e;
  uint32_t count = 0;
  int32_t saved = 0;
  e.check(ps_model_category_list_count(&count, &saved, model, e.err), "ps_model_category_list_count");
  saved_ = saved != 0;
  std::vector<int64_t> feature_of(count);
  std::vector<uint32_t> size_of(count);
  std::vector<bool> paired_by_caller(count, false);
  size_t named_by_caller = 0;
  for (uint32_t l = 0; l < count; ++l) {
    e.check(ps_model_category_list(&feature_of[l], &size_of[l], model, l, e.err), "ps_model_category_list");
    if (feature_of[l] >= 0 && static_cast<uint64_t>(feature_of[l]) < num_features) continue;
    // LightGBM's: which feature it codes is not in the file, only the caller can say.
    feature_of[l] = -1;
    if (named_by_caller < lightgbm_columns.size()) {
      if (lightgbm_columns[named_by_caller] >= num_features) {
        throw std::runtime_error("categorical column " + std::to_string(named_by_caller) + " is feature " +
                                 std::to_string(lightgbm_columns[named_by_caller]) + ", past the model's " +
                                 std::to_string(num_features));
      }
      feature_of[l] = static_cast<int64_t>(lightgbm_columns[named_by_caller]);
      paired_by_caller[l] = true;
    }
    ++named_by_caller;
  }
  if (!lightgbm_columns.empty() && lightgbm_columns.size() != named_by_caller) {
    throw std::runtime_error(std::to_string(lightgbm_columns.size()) + " categorical column" +
                             (lightgbm_columns.size() == 1 ? " was" : "s were") + " named, but the model file has " +
                             std::to_string(named_by_caller) + " category list" + (named_by_caller == 1 ? "" : "s") +
                             " that name no feature (LightGBM's pandas_categorical, one per categorical column "
                             "of the training DataFrame)");
  }
  std::string buf(64, '\0');
  for (uint32_t l = 0; l < count; ++l) {
    const int64_t feature = feature_of[l];
    const uint32_t n = size_of[l];
    if (feature < 0) {
      ++unpaired_;
      continue;
    }
    if (list_of_[feature] >= 0) {
      throw std::runtime_error("feature " + std::to_string(feature) +
                               " is named for two category lists (a categorical column given twice, or one "
                               "the file already pairs)");
    }
    List& list = lists_.emplace_back();
    list.unknown_is_missing = paired_by_caller[l];
    list_of_[feature] = static_cast<int32_t>(lists_.size() - 1);
    list.values.reserve(n);
    list.value_kinds.reserve(n);
    list.code_of.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      size_t len = 0;
      ps_category_kind kind = 0;
      ps_status st = ps_model_category(buf.data(), buf.size(), &len, &kind, model, l, i, e.err);
      if (st == PS_ERR_BUFFER_TOO_SMALL) {
        buf.resize(len + 1);
        st = ps_model_category(buf.data(), buf.size(), &len, &kind, model, l, i, e.err);
      }
      e.check(st, "ps_model_category");
      std::string_view text(buf.data(), len);
      list.values.emplace_back(text);
      list.value_kinds.push_back(kind);
      if (kind > 0 && kind < 32) list.kinds |= 1u << kind;
      if (auto key = match_key(kind, text)) list.code_of.emplace(std::move(*key), i);  // the first wins
    }
  }
}

const std::vector<std::string>* CategoryCodes::values_of(size_t column) const {
  return column < list_of_.size() && list_of_[column] >= 0 ? &lists_[list_of_[column]].values : nullptr;
}

const std::vector<ps_category_kind>* CategoryCodes::kinds_of(size_t column) const {
  return column < list_of_.size() && list_of_[column] >= 0 ? &lists_[list_of_[column]].value_kinds : nullptr;
}

std::string CategoryCodes::code(size_t column, const std::string& name, std::string_view text,
                                double* code) const {
  const std::string feature = "feature " + quoted(name);
  const std::vector<std::string>* values = values_of(column);
  if (values == nullptr) {
    if (unpaired_ > 0) {
      return feature + " takes a number, the category's code, not " + quoted(text) +
             ": the model's category lists are LightGBM's pandas_categorical, which do not say which "
             "feature each codes (LightGBM pairs them with a DataFrame's categorical columns by order), so "
             "a category cannot be given by its value";
    }
    if (!saved_) {
      return feature + " takes a number, not " + quoted(text) +
             ": the model file saved no training categories to code a category value by (send its code)";
    }
    return feature + " is numeric: " + quoted(text) + " is not a number";
  }
  const List& list = lists_[list_of_[column]];
  for (ps_category_kind kind : {PS_CATEGORY_STRING, PS_CATEGORY_INTEGER, PS_CATEGORY_REAL, PS_CATEGORY_BOOLEAN}) {
    if (!(list.kinds & (1u << kind))) continue;
    std::optional<std::string> key = match_key(kind, text);
    if (!key) continue;
    auto found = list.code_of.find(*key);
    if (found != list.code_of.end()) {
      *code = found->second;
      return "";
    }
  }
  if (list.unknown_is_missing) {  // LightGBM: pandas' set_categories makes it NaN
    *code = std::numeric_limits<double>::quiet_NaN();
    return "";
  }
  std::vector<std::string> shown;  // quote_some shows 20
  for (size_t i = 0; i < values->size() && i < 20; ++i) shown.push_back((*values)[i]);
  const size_t more = values->size() > 20 ? values->size() - 20 : 0;
  return feature + ": " + quoted(text) + " is not a category the model was trained with (" + quote_some(shown) +
         (more ? " and " + std::to_string(more) + " more" : "") + ")";
}

}  // namespace polyscore::feature_columns
