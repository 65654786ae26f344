// The JetStream loop: fetch at most max-in-flight requests, score each, record its
// result (or dead letter) under its request id, and only then acknowledge it.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>

#include "jetstream_setup.h"
#include "request_scorer.h"

namespace polyscore_worker {

class QueueConsumer {
 public:
  QueueConsumer(jsCtx* js, natsSubscription* sub, const QueueNames& names,
                const ModelRegistry& models, int max_in_flight, size_t max_message_bytes);

  // Runs until *stop is set (checked at least once a second).
  void run(const std::atomic<bool>* stop);

 private:
  // Returns false when the outcome could not be recorded (the broker is unreachable):
  // the request stays unacknowledged and the broker delivers it again.
  bool handle(natsMsg* msg);
  bool publish(const std::string& subject, const std::string& msg_id, const std::string& body,
               const polyscore::v1::QueueError* error, const std::string& request_id);

  jsCtx* js_;
  natsSubscription* sub_;
  const QueueNames& names_;
  RequestScorer scorer_;
  int max_in_flight_;
  polyscore::v1::QueueResult result_;  // reused: one request at a time
  uint64_t results_ = 0, dead_letters_ = 0, already_recorded_ = 0;
};

}  // namespace polyscore_worker
