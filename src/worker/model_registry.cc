#include "model_registry.h"

#include <filesystem>
#include <stdexcept>

namespace polyscore_worker {

ModelRegistry::~ModelRegistry() {
  for (auto& entry : models_) ps_model_free(entry.second.handle);
}

void ModelRegistry::load(const std::vector<ModelSource>& models) {
  ps_error* err = nullptr;
  if (ps_error_create(&err) != PS_OK) throw std::runtime_error("out of memory");
  std::unique_ptr<ps_error, void (*)(ps_error*)> err_owner(err, ps_error_free);
  for (const ModelSource& source : models) {
    const std::string& name = source.name;
    const std::string& version = source.version;
    const std::string& path = source.path;
    if (models_.count(name)) throw std::runtime_error("model '" + name + "' is given twice");
    LoadedModel m;
    m.name = name;
    m.version = version;
    std::error_code no_config;  // as the server: a config is read when it is a regular file
    try {
      m.config = polyscore::model_config::read(
          std::filesystem::is_regular_file(source.config_path, no_config) ? source.config_path : "");
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot load model '" + name + "': " + e.what());
    }
    if (ps_model_load_file(&m.handle, path.c_str(), nullptr, err) != PS_OK ||
        ps_model_info_get(&m.info, m.handle, err) != PS_OK) {
      ps_model_free(m.handle);
      throw std::runtime_error("cannot load model '" + name + "' from " + path + ": " +
                               ps_status_name(ps_error_code(err)) + ": " +
                               ps_error_message(err));
    }
    std::vector<char> buf(256);
    for (uint32_t i = 0; i < m.info.num_features; ++i) {
      size_t len = 0;
      ps_status st = ps_model_feature_name(buf.data(), buf.size(), &len, m.handle, i, err);
      if (st == PS_ERR_BUFFER_TOO_SMALL) {
        buf.resize(len + 1);
        st = ps_model_feature_name(buf.data(), buf.size(), &len, m.handle, i, err);
      }
      if (st != PS_OK) {
        ps_model_free(m.handle);
        throw std::runtime_error("cannot read the feature names of model '" + name + "': " +
                                 ps_error_message(err));
      }
      m.feature_names.emplace_back(buf.data(), len);
    }
    try {
      m.categories = polyscore::model_config::category_codes(m.handle, m.feature_names, m.config);
      polyscore::model_config::check_shap_algorithm(m.handle, m.config, source.config_path);
    } catch (const std::exception& e) {
      ps_model_free(m.handle);
      throw std::runtime_error("cannot load model '" + name + "': " + e.what());
    }
    models_.emplace(name, std::move(m));
  }
}

const LoadedModel* ModelRegistry::find(const std::string& name) const {
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : &it->second;
}

}  // namespace polyscore_worker
