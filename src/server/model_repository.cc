#include "model_repository.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "abi_names.h"
#include "errors.h"
#include "log.h"
#include "model_layout.h"

namespace polyscore::server {

namespace {

// mtime in ns and size; false if the file is not there.
bool stat_file(const std::string& path, int64_t* mtime_ns, uint64_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  *size = static_cast<uint64_t>(st.st_size);
  return true;
}

// Scores one row of missing values and drops the answer: the library builds the
// single-row walk's tables at a model's first single row (5-12 ms on a 500-tree model,
// docs/predictor.md), so that happens here, before the version serves, and no request
// waits for it. A model that cannot score such a row fails later, with the request's own
// error.
void warm_up(const LoadedModel& model) {
  const ps_model_info& info = model.info();
  const std::vector<double> row(info.num_features, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> out(std::max<uint32_t>(info.num_outputs, 1));
  ps_model_predict_row(out.data(), out.size(), model.handle(), row.data(), row.size(), nullptr, nullptr);
}

std::shared_ptr<const LoadedModel> load_version(const std::string& name,
                                                const std::string& version,
                                                const std::string& model_path,
                                                const std::string& config_path) {
  ModelConfig config = model_config::read(config_path);
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* handle = nullptr;
  ps_load_options options = PS_LOAD_OPTIONS_INIT;
  if (ps_model_load_file(&handle, model_path.c_str(), &options, err) != PS_OK) {
    std::string message = std::string(ps_status_name(ps_error_code(err))) + ": " +
                          ps_error_message(err);
    ps_error_free(err);
    throw std::runtime_error(message);
  }
  ps_error_free(err);
  auto loaded = std::make_shared<const LoadedModel>(name, version, model_path, handle, std::move(config));
  model_config::check_shap_algorithm(loaded->handle(), loaded->config(), config_path);
  warm_up(*loaded);
  return loaded;
}

}  // namespace

bool version_less(const std::string& a, const std::string& b) {
  return model_layout::version_less(a, b);
}

const char* format_name(int32_t format) { return wire::name_of(wire::kFormatNames, format, "unknown"); }

LoadedModel::LoadedModel(std::string name, std::string version, std::string path,
                         ps_model* handle, ModelConfig config)
    : name_(std::move(name)), version_(std::move(version)), path_(std::move(path)),
      handle_(handle), config_(std::move(config)) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model_info_get(&info_, handle_, err);
  for (uint32_t i = 0; i < info_.num_features; ++i) {
    char buffer[256];
    size_t length = 0;
    std::string feature;
    if (ps_model_feature_name(buffer, sizeof buffer, &length, handle_, i, err) == PS_OK) {
      feature.assign(buffer, length);
    } else if (ps_error_code(err) == PS_ERR_BUFFER_TOO_SMALL) {
      feature.resize(length + 1);
      ps_model_feature_name(feature.data(), feature.size(), &length, handle_, i, err);
      feature.resize(length);
    }
    feature_names_.push_back(std::move(feature));
    int32_t categorical = 0;
    if (ps_model_feature_categorical(&categorical, handle_, i, err) == PS_OK && categorical) {
      categorical_split_features_.push_back(i);
    }
  }
  ps_error_free(err);
  try {
    categories_ = model_config::category_codes(handle_, feature_names_, config_);
  } catch (...) {  // the destructor does not run: free the handle here
    ps_model_free(handle_);
    throw;
  }
}

LoadedModel::~LoadedModel() { ps_model_free(handle_); }

std::shared_ptr<const LoadedModel> ModelEntry::find(const std::string& version) const {
  if (versions.empty()) return nullptr;
  if (version.empty()) return versions.back();
  for (const auto& loaded : versions) {
    if (loaded->version() == version) return loaded;
  }
  return nullptr;
}

std::shared_ptr<const LoadedModel> RepositorySnapshot::resolve(const std::string& name,
                                                               const std::string& version) const {
  if (name.empty()) fail(ErrorKind::kBadRequest, "no model named in the request");
  auto it = models.find(name);
  if (it == models.end()) fail(ErrorKind::kNotFound, "unknown model \"" + name + "\"");
  const ModelEntry& entry = it->second;
  if (auto loaded = entry.find(version)) return loaded;
  auto failed = entry.failed_versions.find(version);
  if (failed != entry.failed_versions.end()) {
    fail(ErrorKind::kNotReady, "model \"" + name + "\" version \"" + version +
                                   "\" failed to load: " + failed->second);
  }
  if (version.empty()) {
    fail(ErrorKind::kNotReady, "model \"" + name + "\" failed to load: " + entry.last_error);
  }
  fail(ErrorKind::kNotFound, "model \"" + name + "\" has no version \"" + version + "\"");
}

size_t RepositorySnapshot::loaded_versions() const {
  size_t count = 0;
  for (const auto& [name, entry] : models) count += entry.versions.size();
  return count;
}

bool ModelRepository::FileStamp::operator==(const FileStamp& o) const {
  return model_path == o.model_path && config_path == o.config_path &&
         model_mtime_ns == o.model_mtime_ns && config_mtime_ns == o.config_mtime_ns &&
         model_size == o.model_size && config_size == o.config_size;
}

ModelRepository::ModelRepository(std::string dir)
    : dir_(std::move(dir)), snapshot_(std::make_shared<const RepositorySnapshot>()) {}

std::vector<ModelRepository::Found> ModelRepository::scan() const {
  std::vector<Found> found;
  std::string error;
  for (const model_layout::ModelFile& file : model_layout::scan(dir_, &error)) {
    Found f{file.name, file.version, {}};
    f.stamp.model_path = file.model_path;
    if (!stat_file(file.model_path, &f.stamp.model_mtime_ns, &f.stamp.model_size)) continue;
    if (stat_file(file.config_path, &f.stamp.config_mtime_ns, &f.stamp.config_size)) {
      f.stamp.config_path = file.config_path;
    }
    found.push_back(std::move(f));
  }
  if (!error.empty()) log_error("cannot read the model directory", {{"dir", dir_}, {"error", error}});
  return found;
}

void ModelRepository::reload() {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  rescan([this](const std::string& name) { return unloaded_.count(name) == 0; });
}

void ModelRepository::load(const std::string& name) {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  bool on_disk = false;
  for (const Found& f : scan()) on_disk = on_disk || f.name == name;
  if (!on_disk) fail(ErrorKind::kNotFound, "no model \"" + name + "\" in the model directory");
  unloaded_.erase(name);
  rescan([&name](const std::string& n) { return n == name; });
  auto loaded = snapshot();
  auto it = loaded->models.find(name);
  if (it == loaded->models.end()) fail(ErrorKind::kNotFound, "model \"" + name + "\" left the model directory");
  if (!it->second.last_error.empty()) {
    fail(ErrorKind::kFailedPrecondition, "model \"" + name + "\" failed to load: " + it->second.last_error);
  }
}

void ModelRepository::unload(const std::string& name) {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  auto previous = snapshot();
  if (!previous->models.count(name)) fail(ErrorKind::kNotFound, "model \"" + name + "\" is not loaded");
  auto next = std::make_shared<RepositorySnapshot>(*previous);
  next->models.erase(name);
  for (auto it = stamps_.begin(); it != stamps_.end();) {
    it = it->first.first == name ? stamps_.erase(it) : std::next(it);
  }
  unloaded_.insert(name);
  log_info("model unloaded through the repository API", {{"model", name}});
  std::atomic_store(&snapshot_, std::shared_ptr<const RepositorySnapshot>(std::move(next)));
}

std::vector<ModelRepository::IndexEntry> ModelRepository::index() const {
  std::set<std::string> unloaded;
  {
    std::lock_guard<std::mutex> lock(reload_mutex_);
    unloaded = unloaded_;
  }
  auto current = snapshot();
  std::vector<IndexEntry> rows;
  std::set<std::string> on_disk;
  for (const Found& f : scan()) on_disk.insert(f.name);
  for (const auto& [name, entry] : current->models) {
    on_disk.erase(name);
    for (const auto& loaded : entry.versions) {
      auto stale = entry.stale_versions.find(loaded->version());
      rows.push_back({name, loaded->version(), true,
                      stale == entry.stale_versions.end() ? "" : stale->second});
    }
    for (const auto& [version, reason] : entry.failed_versions) rows.push_back({name, version, false, reason});
  }
  for (const std::string& name : on_disk) {
    rows.push_back({name, "", false, unloaded.count(name) ? "unloaded" : "not loaded yet"});
  }
  std::sort(rows.begin(), rows.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.name != b.name ? a.name < b.name : version_less(a.version, b.version);
  });
  return rows;
}

bool ModelRepository::model_ready(const std::string& name, const std::string& version) const {
  if (name.empty()) fail(ErrorKind::kBadRequest, "no model named in the request");
  auto current = snapshot();
  auto it = current->models.find(name);
  if (it != current->models.end()) {
    const ModelEntry& entry = it->second;
    if (entry.find(version)) return true;
    if (version.empty() || entry.failed_versions.count(version)) return false;
  }
  // Not in the snapshot: known if its files are on disk (unloaded, or not scanned yet).
  for (const Found& f : scan()) {
    if (f.name == name && (version.empty() || f.version == version)) return false;
  }
  if (it != current->models.end()) {
    fail(ErrorKind::kNotFound, "model \"" + name + "\" has no version \"" + version + "\"");
  }
  fail(ErrorKind::kNotFound, "unknown model \"" + name + "\"");
}

template <typename Filter>
void ModelRepository::rescan(Filter rescanned) {
  auto previous = snapshot();
  auto next = std::make_shared<RepositorySnapshot>();
  next->load_failures = previous->load_failures;
  next->reloads = previous->reloads + 1;

  std::map<std::pair<std::string, std::string>, FileStamp> stamps;
  for (const auto& [name, entry] : previous->models) {  // models this scan leaves as they are
    if (rescanned(name)) continue;
    next->models[name] = entry;
  }
  for (const auto& [key, stamp] : stamps_) {
    if (!rescanned(key.first)) stamps[key] = stamp;
  }
  for (const Found& f : scan()) {
    if (!rescanned(f.name)) continue;
    auto key = std::make_pair(f.name, f.version);
    ModelEntry& entry = next->models[f.name];
    entry.name = f.name;
    std::shared_ptr<const LoadedModel> old;
    std::string old_failure, old_stale;
    if (auto it = previous->models.find(f.name); it != previous->models.end()) {
      old = it->second.find(f.version);
      if (auto failed = it->second.failed_versions.find(f.version);
          failed != it->second.failed_versions.end()) {
        old_failure = failed->second;
      }
      if (auto stale = it->second.stale_versions.find(f.version);
          stale != it->second.stale_versions.end()) {
        old_stale = stale->second;
      }
    }
    auto stamp = stamps_.find(key);
    bool unchanged = stamp != stamps_.end() && stamp->second == f.stamp;
    stamps[key] = f.stamp;
    if (unchanged) {  // the same files as last time: keep what they gave
      if (old) entry.versions.push_back(old);
      if (!old_stale.empty()) entry.stale_versions[f.version] = old_stale;
      if (!old && !old_failure.empty()) entry.failed_versions[f.version] = old_failure;
      continue;
    }
    try {
      entry.versions.push_back(load_version(f.name, f.version, f.stamp.model_path, f.stamp.config_path));
      log_info(old ? "model reloaded" : "model loaded",
               {{"model", f.name}, {"version", f.version}, {"path", f.stamp.model_path}});
    } catch (const std::exception& e) {
      next->load_failures += 1;
      if (old) {
        entry.versions.push_back(old);
        entry.stale_versions[f.version] = e.what();
        log_error("model load failed; the previous version keeps serving",
                  {{"model", f.name}, {"version", f.version}, {"error", e.what()}});
      } else {
        entry.failed_versions[f.version] = e.what();
        log_error("model load failed",
                  {{"model", f.name}, {"version", f.version}, {"error", e.what()}});
      }
    }
  }
  for (auto& [name, entry] : next->models) {
    if (!entry.stale_versions.empty()) entry.last_error = entry.stale_versions.rbegin()->second;
    if (!entry.failed_versions.empty()) entry.last_error = entry.failed_versions.rbegin()->second;
  }
  for (auto& [name, entry] : next->models) {
    std::sort(entry.versions.begin(), entry.versions.end(),
              [](const auto& a, const auto& b) { return version_less(a->version(), b->version()); });
  }
  for (const auto& [name, entry] : previous->models) {
    if (!rescanned(name)) continue;
    for (const auto& loaded : entry.versions) {
      auto now = next->models.find(name);
      if (now == next->models.end() || !now->second.find(loaded->version())) {
        log_info("model unloaded", {{"model", name}, {"version", loaded->version()}});
      }
    }
  }
  stamps_ = std::move(stamps);
  std::atomic_store(&snapshot_, std::shared_ptr<const RepositorySnapshot>(std::move(next)));
}

}  // namespace polyscore::server
