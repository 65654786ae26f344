// The command line of `polyscore worker`: what to serve, where the broker is, and the
// limits that bound what the worker holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polyscore_worker {

// One model to serve: its name, the version the worker answers as, its file, and the
// config.json that applies to it (read if it exists; src/model_config).
struct ModelSource {
  std::string name, version, path, config_path;
};

struct WorkerOptions {
  std::string nats_url = "nats://127.0.0.1:4222";
  // From --model NAME=PATH (version "1", config PATH's stem + ".config.json" as for a
  // one-version file of the layout) and --models DIR (the newest version of each model in
  // the repository layout polyscore serve reads, src/model_layout, with its config).
  std::vector<ModelSource> models;
  // First token of every subject and stream name (docs/worker.md lists them).
  std::string prefix = "polyscore";
  // Durable consumer name; workers that share it share the work.
  std::string durable = "polyscore-worker";
  // Requests delivered and not yet acknowledged, at most (the consumer's MaxAckPending
  // and the largest fetch).
  int max_in_flight = 64;
  // How long the broker waits for an acknowledgement before delivering again.
  int64_t ack_wait_ms = 30000;
  // How long the results stream remembers a request id (JetStream's duplicate window).
  int64_t dedup_window_ms = 120000;
  // How long the requests stream keeps a request, scored or not (7 days).
  int64_t requests_max_age_ms = 7LL * 24 * 3600 * 1000;
};

// Parses the arguments after `worker`. On a mistake returns false and sets *error to a
// sentence naming it.
bool parse_worker_options(const std::vector<std::string>& args, WorkerOptions* out,
                          std::string* error);

extern const char kWorkerUsage[];

}  // namespace polyscore_worker
