// A model's config.json in the repository layout (src/model_layout, docs/serve.md), as
// polyscore-serve and polyscore-worker both read it, so that one file means the same to
// both and a mistake in it is refused by both in the same words:
//   {"labels": ["legit", "fraud"], "threshold": 0.5, "default_output": "value",
//    "shap_algorithm": "quadrature", "categorical_columns": ["merchant", "country"]}
// Every field is optional; any other field is an error.
#ifndef POLYSCORE_MODEL_CONFIG_H
#define POLYSCORE_MODEL_CONFIG_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "abi_names.h"
#include "category_codes.h"
#include "polyscore/polyscore.h"

namespace polyscore::model_config {

struct ModelConfig {
  std::vector<std::string> labels;  // [below threshold, at or above]; empty = no label
  double threshold = 0.5;
  int32_t default_output = PS_OUTPUT_VALUE;  // what a request that names no output gets
  // The PS_SHAP_* of contributions and interaction values for a request that names no
  // algorithm: an operator whose auditors check with another XGBoost than the file's
  // writer sets it once here rather than in every client.
  int32_t shap_algorithm = PS_SHAP_AUTO;

  // What a call runs: `requested`, or the default above when the request named none
  // (wire::kNotNamed).
  int32_t output_for(int32_t requested) const { return requested == wire::kNotNamed ? default_output : requested; }
  int32_t shap_algorithm_for(int32_t requested) const {
    return requested == wire::kNotNamed ? shap_algorithm : requested;
  }
  // A LightGBM model's categorical columns, in the training DataFrame's order: the
  // features its pandas_categorical lists code (the file does not say; docs/categories.md).
  std::vector<std::string> categorical_columns;
};

// Reads the config at `path` ("" reads none: every field its default). Throws
// std::runtime_error starting with the path and naming the problem.
ModelConfig read(const std::string& path);

// Refuses a configured SHAP algorithm `model` cannot explain with (quadrature on a
// LightGBM model, exact TreeSHAP on vector leaves), at load rather than at the first
// request: explains one row of missing values so, which also builds the algorithm's SHAP
// tables before the model serves. Throws std::runtime_error starting with `path` (the
// config's) and giving the library's reason. Does nothing for PS_SHAP_AUTO, nor for a
// model that no algorithm explains (LightGBM linear trees, a file without node covers):
// it serves values, and a contrib request gets the library's reason, config or not.
void check_shap_algorithm(const ps_model* model, const ModelConfig& config, const std::string& path);

// The training categories of `model` (whose feature names are `feature_names`, one per
// feature), its LightGBM lists paired with the features config.categorical_columns
// names. Throws std::runtime_error naming the problem: a name that is not a feature, as
// many names as lists that name no feature, a feature named twice.
feature_columns::CategoryCodes category_codes(const ps_model* model, const std::vector<std::string>& feature_names,
                                              const ModelConfig& config);

// Output kinds and SHAP algorithms by the names the CLI and every binding use, for
// config.json, the server's REST bodies and its Open Inference Protocol parameters: one
// table made from the header's constants (src/wire/abi_names_gen.h, scripts/gen_constants.py).
const char* output_kind_name(int32_t output);  // "value", "margin", ...; "value" for no kind
bool parse_output_kind(std::string_view name, int32_t* output);
bool parse_shap_algorithm(std::string_view name, int32_t* shap_algorithm);
const char* shap_algorithm_name(int32_t shap_algorithm);  // "auto", "treeshap", "quadrature"
inline constexpr const char* kOutputKindNames = wire::kOutputNamesList;  // "value, margin, ..."
inline constexpr const char* kShapAlgorithmNames = wire::kShapAlgorithmNamesList;

}  // namespace polyscore::model_config

#endif
