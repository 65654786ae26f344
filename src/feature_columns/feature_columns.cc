// Rows by feature name in the model's feature order (feature_columns.h).
#include "feature_columns.h"

#include <algorithm>

#include "valid_utf8.h"

namespace polyscore::feature_columns {
namespace {

// A name quoted for a message, as valid UTF-8 (a model file's names need not be).
std::string quote(const std::string& name) {
  std::string out = "\"";
  for (char c : valid_utf8(name)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* features(size_t n) { return n == 1 ? "feature" : "features"; }

}  // namespace

std::string quote_some(const std::vector<std::string>& names) {
  constexpr size_t kMost = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMost; ++i) out += (i ? ", " : "") + quote(names[i]);
  if (names.size() > kMost) out += " and " + std::to_string(names.size() - kMost) + " more";
  return out;
}

FeatureColumns::FeatureColumns(const std::vector<std::string>& names) : names_(names) {
  column_.reserve(names_.size());
  for (size_t i = 0; i < names_.size() && unusable_.empty(); ++i) {
    if (names_[i].empty()) {
      unusable_ = "names no feature " + std::to_string(i);
    } else if (!column_.emplace(names_[i], i).second) {
      unusable_ = "names two features " + quote(names_[i]);
    }
  }
  if (!unusable_.empty()) unusable_ += ", so rows cannot be given by feature name";
}

long FeatureColumns::column_of(std::string_view name) const {
  auto found = column_.find(name);
  return found == column_.end() ? -1 : static_cast<long>(found->second);
}

std::string FeatureColumns::mismatch(std::vector<std::string> unknown, std::vector<std::string> twice,
                                     const std::vector<bool>& seen, const char* missing_hint) const {
  std::vector<std::string> missing;
  for (size_t j = 0; j < names_.size(); ++j) {
    if (!seen[j]) missing.push_back(names_[j]);
  }
  if (unknown.empty() && twice.empty() && missing.empty()) return "";
  std::sort(unknown.begin(), unknown.end());
  std::sort(twice.begin(), twice.end());
  std::string parts;
  auto add = [&](const std::string& part) { parts += (parts.empty() ? "" : "; ") + part; };
  if (!unknown.empty()) add(std::string("unknown ") + features(unknown.size()) + " " + quote_some(unknown));
  if (!twice.empty()) add("given twice: " + quote_some(twice));
  if (!missing.empty()) {
    add(std::string("missing ") + features(missing.size()) + " " + quote_some(missing) + " (" + missing_hint + ")");
  }
  return parts;
}

}  // namespace polyscore::feature_columns
