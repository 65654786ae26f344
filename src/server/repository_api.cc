#include "repository_api.h"

#include <algorithm>

#include "errors.h"

namespace polyscore::server {
namespace {

void check_repository_name(const std::string& repository_name) {
  if (!repository_name.empty()) {
    fail(ErrorKind::kBadRequest, "unknown repository \"" + repository_name +
                                     "\": polyscore serves one (--models); leave repository_name empty");
  }
}

void check_control(const ServiceCore& core, const char* action) {
  if (!core.repository_control) {
    fail(ErrorKind::kFailedPrecondition,
         std::string("model ") + action +
             " through the repository API is off; start the server with --model-control explicit");
  }
}

void check_model_name(const std::string& model) {
  if (model.empty()) fail(ErrorKind::kBadRequest, "no model named in the request");
  if (model.find('/') != std::string::npos || model == "." || model == "..") {
    fail(ErrorKind::kBadRequest, "\"" + model + "\" is not a model name");
  }
}

}  // namespace

std::vector<ModelRepository::IndexEntry> repository_index(ServiceCore& core,
                                                          const std::string& repository_name,
                                                          bool ready_only) {
  check_repository_name(repository_name);
  std::vector<ModelRepository::IndexEntry> rows = core.repository.index();
  if (ready_only) {
    rows.erase(std::remove_if(rows.begin(), rows.end(), [](const auto& row) { return !row.ready; }),
               rows.end());
  }
  return rows;
}

void repository_load(ServiceCore& core, const std::string& repository_name, const std::string& model,
                     const std::vector<std::string>& parameter_names) {
  check_repository_name(repository_name);
  check_control(core, "load");
  check_model_name(model);
  for (const std::string& name : parameter_names) {
    fail(ErrorKind::kBadRequest, "load parameter \"" + name +
                                     "\" is not supported: polyscore loads the files under --models only");
  }
  core.repository.load(model);
}

void repository_unload(ServiceCore& core, const std::string& repository_name, const std::string& model,
                       const std::vector<std::string>& parameter_names) {
  check_repository_name(repository_name);
  check_control(core, "unload");
  check_model_name(model);
  for (const std::string& name : parameter_names) {
    if (name != "unload_dependents") {
      fail(ErrorKind::kBadRequest, "unload parameter \"" + name + "\" is not supported (unload_dependents is)");
    }
  }
  core.repository.unload(model);
}

}  // namespace polyscore::server
