// Triton's model repository extension, for both protocols: the index of the models and
// their state, and load/unload by name. Load and unload change what the server serves,
// so they answer only with --model-control explicit (docs/serve.md, "Repository API").
#ifndef POLYSCORE_SERVER_REPOSITORY_API_H
#define POLYSCORE_SERVER_REPOSITORY_API_H

#include <string>
#include <vector>

#include "service_core.h"

namespace polyscore::server {

// repository_name must be empty: one server, one repository. Throws ServeError.
std::vector<ModelRepository::IndexEntry> repository_index(ServiceCore& core,
                                                          const std::string& repository_name,
                                                          bool ready_only);

// parameter_names: the request's parameters. Load takes none (Triton's "config" and
// "file:..." would let a client write model files); unload takes "unload_dependents"
// (polyscore models have no dependents). Throws ServeError.
void repository_load(ServiceCore& core, const std::string& repository_name, const std::string& model,
                     const std::vector<std::string>& parameter_names);
void repository_unload(ServiceCore& core, const std::string& repository_name, const std::string& model,
                       const std::vector<std::string>& parameter_names);

}  // namespace polyscore::server

#endif
