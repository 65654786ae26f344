// What every endpoint, REST or gRPC, shares: the repository, the limits, the metrics,
// and readiness. One per process.
#ifndef POLYSCORE_SERVER_SERVICE_CORE_H
#define POLYSCORE_SERVER_SERVICE_CORE_H

#include <atomic>
#include <chrono>
#include <string>

#include "serve_limits.h"
#include "metrics.h"
#include "model_repository.h"

namespace polyscore::server {

struct ServiceCore {
  ServiceCore(const std::string& models_dir, const Limits& limits)
      : repository(models_dir), limits(limits), admission(limits.max_concurrent) {}

  ModelRepository repository;
  Limits limits;
  Metrics metrics;
  Admission admission;
  std::atomic<bool> draining{false};
  // --model-control explicit: clients may load and unload models (repository_api.h).
  bool repository_control = false;

  // Why the server is not ready, "" when it is. Ready: not draining, the repository was
  // scanned, has models, and each has a version serving.
  std::string not_ready_reason() const {
    if (draining.load()) return "server is shutting down";
    auto snapshot = repository.snapshot();
    if (snapshot->reloads == 0) return "the model repository has not been scanned yet";
    if (snapshot->models.empty()) return "no models in the repository";
    for (const auto& [name, entry] : snapshot->models) {
      if (entry.versions.empty()) {
        return "model \"" + name + "\" has no version serving" +
               (entry.last_error.empty() ? "" : ": " + entry.last_error);
      }
    }
    return "";
  }
  bool ready() const { return not_ready_reason().empty(); }

  // Why a model (or the version named) is not ready, "" when it is; a name or version the
  // repository does not know fails NOT_FOUND (ModelRepository::model_ready). While the
  // server drains no model is ready, as the server is not.
  std::string model_not_ready_reason(const std::string& name, const std::string& version) const {
    bool serves = repository.model_ready(name, version);
    if (draining.load()) return "server is shutting down";
    if (serves) return "";
    return "model \"" + name + "\"" + (version.empty() ? "" : " version \"" + version + "\"") +
           " is not serving";
  }
};

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A request's clock: when it arrived, and its queue time, from arrival to the start of
// its first scoring call (parsing, admission, waiting for a thread), which the metrics
// report apart from the scoring time.
struct RequestClock {
  Clock::time_point arrival = Clock::now();
  double queue_seconds = -1;  // -1 until scoring starts

  // Call just before a scoring call; returns its start time.
  Clock::time_point scoring_starts() {
    Clock::time_point now = Clock::now();
    if (queue_seconds < 0) queue_seconds = std::chrono::duration<double>(now - arrival).count();
    return now;
  }
};

}  // namespace polyscore::server

#endif
