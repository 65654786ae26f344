// Request-reply over core NATS: a caller sends a QueueRequest to PREFIX.rpc and gets a
// QueueResult back on its reply subject, with the response or the reason there is none.
// Workers share the subject as a queue group, so each request is answered once.
#pragma once

#include <nats/nats.h>

#include "jetstream_setup.h"
#include "request_scorer.h"

namespace polyscore_worker {

class ReplyResponder {
 public:
  // max_message_bytes: the broker's max_payload (RequestScorer refuses larger answers).
  ReplyResponder(natsConnection* nc, const QueueNames& names, const ModelRegistry& models,
                 size_t max_message_bytes);
  ReplyResponder(const ReplyResponder&) = delete;
  ReplyResponder& operator=(const ReplyResponder&) = delete;
  ~ReplyResponder();

  // Starts answering; throws std::runtime_error if the subscription fails.
  void start();
  // Stops taking requests and lets the ones received be answered.
  void drain();

 private:
  static void on_request(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);

  natsConnection* nc_;
  const QueueNames& names_;
  RequestScorer scorer_;  // used only by this subscription's delivery thread
  polyscore::v1::QueueResult result_;
  natsSubscription* sub_ = nullptr;
};

}  // namespace polyscore_worker
