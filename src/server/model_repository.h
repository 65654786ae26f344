// The model repository: the models under --models DIR, loaded through libpolyscore,
// reloaded atomically. Layout:
//   DIR/<name>/<version>/model.{json,ubj,txt}   versioned; DIR/<name>/config.json optional
//   DIR/<name>.{json,ubj,txt}                   one version, "1"; DIR/<name>.config.json optional
// A config is src/model_config/model_config.h's (shared with polyscore-worker).
#ifndef POLYSCORE_SERVER_MODEL_REPOSITORY_H
#define POLYSCORE_SERVER_MODEL_REPOSITORY_H

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "category_codes.h"
#include "model_config.h"
#include "polyscore/polyscore.h"

namespace polyscore::server {

// The per-model config.json, read by the code polyscore-worker reads it with too.
using model_config::ModelConfig;

// One loaded version. Immutable; requests hold it by shared_ptr, so a version being
// replaced keeps answering the requests that started on it until they finish.
class LoadedModel {
 public:
  LoadedModel(std::string name, std::string version, std::string path, ps_model* handle,
              ModelConfig config);
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& path() const { return path_; }
  ps_model* handle() const { return handle_; }
  const ps_model_info& info() const { return info_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  // The features some split tests as a category (ps_model_feature_categorical), ascending.
  const std::vector<uint32_t>& categorical_split_features() const { return categorical_split_features_; }
  // Its training categories, to code category values given by their text.
  const feature_columns::CategoryCodes& categories() const { return categories_; }
  const ModelConfig& config() const { return config_; }

 private:
  std::string name_, version_, path_;
  ps_model* handle_;
  ps_model_info info_ = PS_MODEL_INFO_INIT;
  std::vector<std::string> feature_names_;
  std::vector<uint32_t> categorical_split_features_;
  feature_columns::CategoryCodes categories_;
  ModelConfig config_;
};

struct ModelEntry {
  std::string name;
  // Loaded versions, oldest first (numeric versions in numeric order).
  std::vector<std::shared_ptr<const LoadedModel>> versions;
  // Versions found on disk that have never loaded, with the reason.
  std::map<std::string, std::string> failed_versions;
  // Versions whose changed file failed to load; the previous load keeps serving.
  std::map<std::string, std::string> stale_versions;
  // A load failure of a file as it is now ("" if every file of the model loaded).
  std::string last_error;

  // The newest loaded version, or the one named; nullptr if none.
  std::shared_ptr<const LoadedModel> find(const std::string& version) const;
};

// What the server serves at one moment; replaced whole on reload.
struct RepositorySnapshot {
  std::map<std::string, ModelEntry> models;
  uint64_t load_failures = 0;  // loads that failed since start
  uint64_t reloads = 0;        // completed scans since start

  // The model to score with; throws ServeError (kNotFound, kNotReady) naming what is missing.
  std::shared_ptr<const LoadedModel> resolve(const std::string& name,
                                             const std::string& version) const;
  size_t loaded_versions() const;
};

class ModelRepository {
 public:
  explicit ModelRepository(std::string dir);

  // Scans DIR, loads new and changed files, drops removed ones, and swaps the snapshot
  // in atomically. A file that fails to load leaves its previous version serving.
  // Serialized: concurrent calls run one after the other.
  void reload();

  // The repository API (--model-control explicit). load: reads NAME's files again and
  // swaps its new and changed versions in atomically, like a scan of that one model;
  // scans serve it again if it was unloaded. Throws ServeError: kNotFound if DIR has no
  // model NAME, kFailedPrecondition if a file failed to load (the versions that loaded,
  // and the previous load of a failed one, serve).
  void load(const std::string& name);
  // Stops serving NAME (every version); requests under way finish on the version they
  // hold. Scans skip NAME until load(NAME). Throws ServeError kNotFound if not loaded.
  void unload(const std::string& name);

  // One row of the repository index (Triton's RepositoryIndex).
  struct IndexEntry {
    std::string name, version;
    bool ready = false;
    std::string reason;  // why not ready, or the newer file that failed to load
  };
  // Every model in the snapshot or on disk, by name then version.
  std::vector<IndexEntry> index() const;

  // The Open Inference Protocol's model readiness, for both protocols: true if NAME
  // (VERSION, or its newest when VERSION is empty) serves; false if the repository knows
  // it but it does not serve (its file failed to load, it was unloaded through the API,
  // or it is on disk and not loaded yet). Throws ServeError kNotFound for a model or
  // version the repository does not know, kBadRequest for an empty name.
  bool model_ready(const std::string& name, const std::string& version) const;

  std::shared_ptr<const RepositorySnapshot> snapshot() const {
    return std::atomic_load(&snapshot_);
  }
  const std::string& dir() const { return dir_; }

 private:
  struct FileStamp {
    std::string model_path, config_path;
    int64_t model_mtime_ns = 0, config_mtime_ns = 0;
    uint64_t model_size = 0, config_size = 0;
    bool operator==(const FileStamp& o) const;
  };
  struct Found {  // a version found on disk
    std::string name, version;
    FileStamp stamp;
  };
  std::vector<Found> scan() const;
  // Scans DIR and reloads the models for which `rescanned(name)` is true; the others keep
  // what the previous snapshot had. Publishes the new snapshot. Holds reload_mutex_.
  template <typename Filter>
  void rescan(Filter rescanned);

  std::string dir_;
  mutable std::mutex reload_mutex_;
  std::set<std::string> unloaded_;  // unloaded through the API; scans skip them
  std::shared_ptr<const RepositorySnapshot> snapshot_;
  // What each loaded or failed (name, version) was made from, to skip unchanged files.
  std::map<std::pair<std::string, std::string>, FileStamp> stamps_;
};

// Orders versions: numbers numerically, then other names alphabetically.
bool version_less(const std::string& a, const std::string& b);

// The output kinds' and SHAP algorithms' names, beside the config that names an output
// (model_config.h).
using model_config::kOutputKindNames;
using model_config::output_kind_name;
using model_config::parse_output_kind;
using model_config::kShapAlgorithmNames;
using model_config::parse_shap_algorithm;
using model_config::shap_algorithm_name;
const char* format_name(int32_t format);          // "xgboost-json", ...

}  // namespace polyscore::server

#endif
