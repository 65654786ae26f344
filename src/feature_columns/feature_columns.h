// Rows given by feature name (a REST object, a polyscore.v1 NamedRow map), placed in the
// model's feature order, with the message that names what does not match. One copy for
// polyscore-serve and polyscore-worker, so that both refuse the same rows in the same
// words. The rules are the bindings' (Go PredictNamed, the Python DataFrame path): names
// match the model's feature names exactly, every feature is given once, and a name the
// model does not have is an error naming it, so that a typo never scores silently.
#ifndef POLYSCORE_FEATURE_COLUMNS_H
#define POLYSCORE_FEATURE_COLUMNS_H

#include <string>
#include <utility>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "category_codes.h"

namespace polyscore::feature_columns {

// The first 20 names quoted ("a", "b"; each made valid UTF-8, valid_utf8.h) and how many
// more, so that a model with thousands of features gives a message one can read (Go's
// quoteSome).
std::string quote_some(const std::vector<std::string>& names);

// The column of each of a model's feature names.
class FeatureColumns {
 public:
  explicit FeatureColumns(const std::vector<std::string>& names);

  // Why rows cannot be given by name -- a feature without a name, or two features named
  // alike -- ending "so rows cannot be given by feature name"; empty when they can.
  const std::string& unusable() const { return unusable_; }
  // The column of `name`, or -1.
  long column_of(std::string_view name) const;
  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

  // Writes a row's (name, number) pairs and its (name, category value's text) pairs
  // (any ranges of pairs: vectors of pairs, protobuf maps; a feature once in either) to
  // dst[column] (size() values), each text coded by `categories` (category_codes.h).
  // Returns "" when the row holds every feature once and nothing else; otherwise what is
  // wrong, e.g. `unknown feature "speed"; missing feature "velocity" (hint)`, with
  // unknown names sorted (a map's order is unspecified, a message's should not be).
  // *uncoded is set to why the first text without a code has none ("" when all have
  // one). `seen` is scratch of size() bools.
  template <class NameNumberPairs, class NameTextPairs>
  std::string place(const NameNumberPairs& numbers, const NameTextPairs& texts, const CategoryCodes& categories,
                    double* dst, std::vector<bool>& seen, const char* missing_hint, std::string* uncoded) const {
    seen.assign(names_.size(), false);
    std::vector<std::string> unknown, twice;
    auto claim = [&](const std::string& name) -> long {
      const long column = column_of(name);
      if (column < 0) {
        unknown.push_back(name);
      } else if (seen[column]) {
        twice.push_back(name);
        return -1;
      } else {
        seen[column] = true;
      }
      return column;
    };
    for (const auto& [name, value] : numbers) {
      const long column = claim(name);
      if (column >= 0) dst[column] = value;
    }
    uncoded->clear();
    for (const auto& [name, text] : texts) {
      const long column = claim(name);
      if (column >= 0 && uncoded->empty()) *uncoded = categories.code(column, names_[column], text, &dst[column]);
    }
    return mismatch(std::move(unknown), std::move(twice), seen, missing_hint);
  }

 private:
  std::string mismatch(std::vector<std::string> unknown, std::vector<std::string> twice,
                       const std::vector<bool>& seen, const char* missing_hint) const;

  std::vector<std::string> names_;
  std::unordered_map<std::string_view, size_t> column_;  // views of names_
  std::string unusable_;
};

}  // namespace polyscore::feature_columns

#endif
