// The streams and the durable consumer a worker needs, named from one prefix, created
// on start if missing (or brought to this worker's settings) so a fresh broker works.
#pragma once

#include <nats/nats.h>

#include <string>

#include "worker_options.h"

namespace polyscore_worker {

struct QueueNames {
  std::string requests_subject, results_subject, dead_letter_subject, rpc_subject;
  std::string requests_stream, results_stream, dead_letter_stream;
  std::string rpc_queue_group;
};

// "polyscore" -> polyscore.requests, POLYSCORE_REQUESTS, ...
QueueNames queue_names(const std::string& prefix);

// Creates or updates the three streams; throws std::runtime_error on failure.
void ensure_streams(jsCtx* js, const QueueNames& names, const WorkerOptions& options);

// Creates or updates the durable pull consumer on the requests stream and returns a
// subscription bound to it; throws std::runtime_error on failure.
natsSubscription* subscribe_pull_consumer(jsCtx* js, const QueueNames& names,
                                          const WorkerOptions& options);

}  // namespace polyscore_worker
