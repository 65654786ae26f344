// A model's config.json (model_config.h).
#include "model_config.h"

#include <algorithm>
#include <stdexcept>

#include "abi_names.h"
#include "simdjson.h"

namespace polyscore::model_config {

ModelConfig read(const std::string& path) {
  ModelConfig config;
  if (path.empty()) return config;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto load_error = parser.load(path).get(root);
  if (load_error) throw std::runtime_error(path + ": " + simdjson::error_message(load_error));
  simdjson::dom::object object;
  if (root.get(object)) throw std::runtime_error(path + ": not a JSON object");
  for (auto field : object) {
    std::string key(field.key);
    if (key == "labels") {
      simdjson::dom::array labels;
      if (field.value.get(labels)) throw std::runtime_error(path + ": labels is not an array");
      for (auto label : labels) {
        std::string_view text;
        if (label.get(text)) throw std::runtime_error(path + ": labels holds a non-string");
        config.labels.emplace_back(text);
      }
      if (config.labels.size() != 2) {
        throw std::runtime_error(path + ": labels must name exactly 2 classes");
      }
    } else if (key == "threshold") {
      if (field.value.get(config.threshold)) {
        throw std::runtime_error(path + ": threshold is not a number");
      }
    } else if (key == "default_output") {
      std::string_view text;
      if (field.value.get(text) || !parse_output_kind(std::string(text), &config.default_output)) {
        throw std::runtime_error(path + ": default_output must be one of " + kOutputKindNames);
      }
    } else if (key == "categorical_columns") {
      simdjson::dom::array columns;
      if (field.value.get(columns)) throw std::runtime_error(path + ": categorical_columns is not an array");
      for (auto column : columns) {
        std::string_view text;
        if (column.get(text)) throw std::runtime_error(path + ": categorical_columns holds a non-string");
        config.categorical_columns.emplace_back(text);
      }
    } else {
      throw std::runtime_error(path + ": unknown field \"" + key +
                               "\" (expected labels, threshold, default_output, categorical_columns)");
    }
  }
  return config;
}

feature_columns::CategoryCodes category_codes(const ps_model* model, const std::vector<std::string>& feature_names,
                                              const ModelConfig& config) {
  std::vector<size_t> lightgbm_columns;
  for (const std::string& column : config.categorical_columns) {
    const auto found = std::find(feature_names.begin(), feature_names.end(), column);
    if (found == feature_names.end()) {
      throw std::runtime_error("config categorical_columns names \"" + column + "\", which is not a feature of the model");
    }
    lightgbm_columns.push_back(static_cast<size_t>(found - feature_names.begin()));
  }
  try {
    return feature_columns::CategoryCodes(model, feature_names.size(), lightgbm_columns);
  } catch (const std::runtime_error& e) {
    if (lightgbm_columns.empty()) throw;
    throw std::runtime_error(std::string("config categorical_columns: ") + e.what());
  }
}

const char* output_kind_name(int32_t output) { return wire::name_of(wire::kOutputNames, output, "value"); }

bool parse_output_kind(std::string_view name, int32_t* output) {
  return wire::value_of(wire::kOutputNames, name, output);
}

bool parse_shap_algorithm(std::string_view name, int32_t* shap_algorithm) {
  return wire::value_of(wire::kShapAlgorithmNames, name, shap_algorithm);
}

}  // namespace polyscore::model_config
