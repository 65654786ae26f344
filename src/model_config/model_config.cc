// A model's config.json (model_config.h).
#include "model_config.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

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
    } else if (key == "shap_algorithm") {
      std::string_view text;
      if (field.value.get(text)) {
        throw std::runtime_error(path + ": shap_algorithm must be one of " + kShapAlgorithmNames + ", not " +
                                 simdjson::minify(field.value));
      }
      if (!parse_shap_algorithm(text, &config.shap_algorithm)) {
        throw std::runtime_error(path + ": shap_algorithm must be one of " + kShapAlgorithmNames + ", not \"" +
                                 std::string(text) + "\"");
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
                               "\" (expected labels, threshold, default_output, shap_algorithm, categorical_columns)");
    }
  }
  return config;
}

namespace {

// Explains one row of missing values with `shap_algorithm`; the library's status, its
// message in `err`.
ps_status explain_one_row(const ps_model* model, int32_t shap_algorithm, ps_error* err) {
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_CONTRIB;
  opts.shap_algorithm = shap_algorithm;
  size_t per_row = 0;
  ps_status status = ps_model_info_get(&info, model, err);
  if (status == PS_OK) status = ps_model_output_size(&per_row, model, 1, &opts, err);
  if (status == PS_OK) {
    const std::vector<double> row(info.num_features, std::numeric_limits<double>::quiet_NaN());
    std::vector<double> out(per_row);
    status = ps_model_predict_row(out.data(), out.size(), model, row.data(), row.size(), &opts, err);
  }
  return status;
}

}  // namespace

void check_shap_algorithm(const ps_model* model, const ModelConfig& config, const std::string& path) {
  if (config.shap_algorithm == PS_SHAP_AUTO) return;
  ps_error* err = nullptr;
  ps_error* auto_err = nullptr;
  if (ps_error_create(&err) != PS_OK) throw std::bad_alloc();
  std::unique_ptr<ps_error, void (*)(ps_error*)> err_owner(err, ps_error_free);
  if (ps_error_create(&auto_err) != PS_OK) throw std::bad_alloc();
  std::unique_ptr<ps_error, void (*)(ps_error*)> auto_err_owner(auto_err, ps_error_free);
  const ps_status status = explain_one_row(model, config.shap_algorithm, err);
  // A model no algorithm explains (LightGBM linear trees, a file without node covers)
  // still serves values: the config is not what stops its explanations, and each
  // contrib request gets the library's reason as without the config.
  if (status != PS_OK && explain_one_row(model, PS_SHAP_AUTO, auto_err) == PS_OK) {
    throw std::runtime_error(path + ": shap_algorithm \"" + shap_algorithm_name(config.shap_algorithm) +
                             "\" cannot explain this model: " + ps_status_name(status) + ": " +
                             ps_error_message(err));
  }
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

const char* shap_algorithm_name(int32_t shap_algorithm) {
  return wire::name_of(wire::kShapAlgorithmNames, shap_algorithm, "auto");
}

}  // namespace polyscore::model_config
