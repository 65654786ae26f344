// Rows given by feature name (a REST object, a polyscore.v1 NamedRow map), placed in the
// model's feature order, with the message that names what does not match. One copy for
// polyscore-serve and polyscore-worker, so that both refuse the same rows in the same
// words. The rules are the bindings' (Go PredictNamed, the Python DataFrame path): names
// match the model's feature names exactly, every feature is given once, and a name the
// model does not have is an error naming it, so that a typo never scores silently.
#ifndef POLYSCORE_FEATURE_COLUMNS_H
#define POLYSCORE_FEATURE_COLUMNS_H

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace polyscore::feature_columns {

// The first 20 names quoted ("a", "b") and how many more, so that a model with thousands
// of features gives a message one can read (Go's quoteSome).
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

  // Writes a row's (name, value) pairs to dst[column] (size() values; any range of
  // pairs: a vector of pairs, a protobuf map). Returns "" when the row holds every
  // feature once and nothing else; otherwise what is wrong, e.g. `unknown feature
  // "speed"; missing feature "velocity" (hint)`, with unknown names sorted (a map's order
  // is unspecified, a message's should not be). `seen` is scratch of size() bools.
  template <class NameValuePairs>
  std::string place(const NameValuePairs& row, double* dst, std::vector<bool>& seen,
                    const char* missing_hint) const {
    seen.assign(names_.size(), false);
    std::vector<std::string> unknown, twice;
    for (const auto& [name, value] : row) {
      const long column = column_of(name);
      if (column < 0) {
        unknown.emplace_back(name);
      } else if (seen[column]) {
        twice.emplace_back(name);
      } else {
        seen[column] = true;
        dst[column] = value;
      }
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
