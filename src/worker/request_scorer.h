// Turns request bytes into a result or a typed error, with no broker in sight: the one
// place that decides whether a queue message can be scored and what the answer is.
#pragma once

#include <polyscore/polyscore.h>

#include <string>

#include "model_registry.h"
#include "polyscore/v1/queue.pb.h"

namespace polyscore_worker {

class RequestScorer {
 public:
  // max_message_bytes: the broker's max_payload; an answer that would not fit in one
  // message is refused (QUEUE_ERROR_KIND_ANSWER_TOO_LARGE), since it could not be sent.
  RequestScorer(const ModelRegistry& models, size_t max_message_bytes);
  RequestScorer(const RequestScorer&) = delete;
  RequestScorer& operator=(const RequestScorer&) = delete;
  ~RequestScorer();

  // Decodes `size` bytes as a QueueRequest and scores it. Fills result->request_id
  // when the bytes carry one, and exactly one of result->response and result->error.
  // require_request_id: a queued request without an id is refused (its result could
  // not be recorded once); a request-reply caller needs none.
  void handle(const void* data, size_t size, bool require_request_id,
              polyscore::v1::QueueResult* result);

 private:
  void score(const polyscore::v1::PredictRequest& request,
             polyscore::v1::QueueResult* result);

  const ModelRegistry& models_;
  size_t max_message_bytes_;
  ps_error* err_ = nullptr;  // one per scorer: a scorer is used by one thread
};

}  // namespace polyscore_worker
