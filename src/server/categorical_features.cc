// A model's categorical features for metadata (categorical_features.h).
#include "categorical_features.h"

#include <algorithm>
#include <utility>

#include "model_repository.h"
#include "valid_utf8.h"

namespace polyscore::server {

std::vector<CategoricalFeature> categorical_features(const LoadedModel& model) {
  std::vector<CategoricalFeature> out;
  const auto& columns = model.config().categorical_columns;
  for (uint32_t j = 0; j < model.info().num_features; ++j) {
    const std::vector<std::string>* values = model.categories().values_of(j);
    if (values == nullptr) continue;
    CategoricalFeature& feature = out.emplace_back();
    const std::string name = j < model.feature_names().size() ? model.feature_names()[j] : "";
    feature.name = feature_columns::valid_utf8(name);
    feature.index = j;
    feature.values.reserve(values->size());
    for (size_t code = 0; code < values->size(); ++code) {
      const std::string& text = (*values)[code];
      std::string shown = feature_columns::valid_utf8(text);
      if (shown != text) feature.invalid_utf8_codes.push_back(static_cast<uint32_t>(code));
      feature.values.push_back(std::move(shown));
    }
    const std::vector<ps_category_kind>& kinds = *model.categories().kinds_of(j);
    if (!kinds.empty()) feature.kind = kinds.front();
    for (const ps_category_kind kind : kinds) {
      if (kind != feature.kind) {
        feature.kind = CategoricalFeature::kMixedKinds;
        feature.value_kinds.assign(kinds.begin(), kinds.end());
        break;
      }
    }
    // The config pairs only lists that name no feature: a feature it names that has a
    // list has one of those (a list the file already pairs would have failed the load).
    feature.paired_by_config = std::find(columns.begin(), columns.end(), name) != columns.end();
  }
  return out;
}

std::vector<uint32_t> code_only_categorical_features(const LoadedModel& model) {
  std::vector<uint32_t> out;
  for (const uint32_t j : model.categorical_split_features()) {
    if (model.categories().values_of(j) == nullptr) out.push_back(j);
  }
  return out;
}

int category_kind_number(int32_t kind) {
  if (kind == CategoricalFeature::kMixedKinds) return 5;
  return kind >= PS_CATEGORY_STRING && kind <= PS_CATEGORY_BOOLEAN ? kind : 0;
}

const char* category_kind_name(int32_t kind) {
  static const char* const kNames[] = {"CATEGORY_KIND_UNSPECIFIED", "CATEGORY_KIND_STRING", "CATEGORY_KIND_INTEGER",
                                       "CATEGORY_KIND_REAL",        "CATEGORY_KIND_BOOLEAN", "CATEGORY_KIND_MIXED"};
  return kNames[category_kind_number(kind)];
}

}  // namespace polyscore::server
