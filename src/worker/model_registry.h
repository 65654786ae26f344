// The models a worker serves, loaded once through the C ABI and shared by every thread
// (a ps_model is immutable and safe to score from any number of threads).
#pragma once

#include <polyscore/polyscore.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "category_codes.h"
#include "model_config.h"
#include "worker_options.h"

namespace polyscore_worker {

struct LoadedModel {
  std::string name;
  // A worker serves one version of each model: the newest of --models DIR, "1" for
  // --model NAME=PATH.
  std::string version;
  ps_model* handle = nullptr;
  ps_model_info info = PS_MODEL_INFO_INIT;
  // Its feature names ("" where the file names none), for named_rows.
  std::vector<std::string> feature_names;
  // Its config.json as the server reads it (defaults when there is none): the worker uses
  // default_output and categorical_columns; labels and threshold are for the server's
  // fraud.v1 and metadata, which the worker does not answer.
  polyscore::model_config::ModelConfig config;
  // Its training categories (LightGBM's lists paired by config.categorical_columns), to
  // code the category values of named_rows.
  polyscore::feature_columns::CategoryCodes categories;
};

class ModelRegistry {
 public:
  ModelRegistry() = default;
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;
  ~ModelRegistry();

  // Loads every model and its config; throws std::runtime_error naming the model and the
  // reason (the library's, or the config's in the server's words) for the first one that
  // fails, or a name given twice.
  void load(const std::vector<ModelSource>& models);

  // The model called `name`, or nullptr.
  const LoadedModel* find(const std::string& name) const;

 private:
  std::map<std::string, LoadedModel> models_;
};

}  // namespace polyscore_worker
