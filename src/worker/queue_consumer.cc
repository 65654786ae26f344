#include "queue_consumer.h"

#include <cstdio>
#include <string>

#include "nats_check.h"

namespace polyscore_worker {

namespace v1 = polyscore::v1;

namespace {

// A header value is one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

}  // namespace

QueueConsumer::QueueConsumer(jsCtx* js, natsSubscription* sub, const QueueNames& names,
                             const ModelRegistry& models, int max_in_flight, size_t max_message_bytes)
    : js_(js), sub_(sub), names_(names), scorer_(models, max_message_bytes), max_in_flight_(max_in_flight) {}

void QueueConsumer::run(const std::atomic<bool>* stop) {
  int64_t last_complaint_ms = 0;
  while (!stop->load()) {
    // Never more than max-in-flight at once: the worker holds what it fetched until
    // each is acknowledged, and the consumer's MaxAckPending says the same to the broker.
    natsMsgList list{};
    jsErrCode js_error = jsErrCode(0);
    natsStatus s = natsSubscription_Fetch(&list, sub_, max_in_flight_, 1000, &js_error);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      // Typically the broker is restarting; libnats reconnects on its own.
      int64_t now = nats_Now();
      if (now - last_complaint_ms > 5000) {
        std::fprintf(stderr, "polyscore-worker: fetch failed: %s (%s); retrying\n",
                     natsStatus_GetText(s), nats_GetLastError(nullptr));
        last_complaint_ms = now;
      }
      natsMsgList_Destroy(&list);
      nats_Sleep(200);
      continue;
    }
    bool broker_reachable = true;
    for (int i = 0; i < list.Count && broker_reachable; ++i) broker_reachable = handle(list.Msgs[i]);
    // Requests left unhandled stay unacknowledged; the broker redelivers them.
    natsMsgList_Destroy(&list);
  }
  std::fprintf(stderr,
               "polyscore-worker: stopping; this run handled %llu results and %llu dead "
               "letters, of which %llu were already recorded by an earlier delivery\n",
               static_cast<unsigned long long>(results_),
               static_cast<unsigned long long>(dead_letters_),
               static_cast<unsigned long long>(already_recorded_));
}

bool QueueConsumer::handle(natsMsg* msg) {
  const void* data = natsMsg_GetData(msg);
  const size_t size = static_cast<size_t>(natsMsg_GetDataLength(msg));
  scorer_.handle(data, size, /*require_request_id=*/true, &result_);

  bool recorded;
  if (!result_.has_error()) {
    recorded = publish(names_.results_subject, result_.request_id(), result_.SerializeAsString(),
                       nullptr, result_.request_id());
    if (recorded) ++results_;
  } else {
    v1::DeadLetter letter;
    letter.set_request_id(result_.request_id());
    *letter.mutable_error() = result_.error();
    letter.set_original(data, size);
    letter.set_original_subject(natsMsg_GetSubject(msg));
    jsMsgMetaData* raw_meta = nullptr;
    if (natsMsg_GetMetaData(&raw_meta, msg) == NATS_OK) {
      JsMetaPtr meta(raw_meta);
      letter.set_original_stream(meta->Stream ? meta->Stream : "");
      letter.set_original_stream_sequence(meta->Sequence.Stream);
    }
    // Without a readable id, the request's place in its stream names it: it is the same
    // on every delivery, so a redelivered bad message still gives one dead letter.
    std::string msg_id = !letter.request_id().empty()
                             ? letter.request_id()
                             : letter.original_stream() + ":" +
                                   std::to_string(letter.original_stream_sequence());
    recorded = publish(names_.dead_letter_subject, msg_id, letter.SerializeAsString(),
                       &letter.error(), letter.request_id());
    if (recorded) {
      ++dead_letters_;
      std::fprintf(stderr, "polyscore-worker: dead letter %s: %s: %s\n", msg_id.c_str(),
                   v1::QueueErrorKind_Name(letter.error().kind()).c_str(),
                   letter.error().message().c_str());
    }
  }
  if (!recorded) return false;
  // Acknowledge only now that the outcome is stored. If this ack is lost (a crash, a
  // broker restart), the request comes again and the publish above is a duplicate.
  natsStatus s = natsMsg_Ack(msg, nullptr);
  if (s != NATS_OK)
    std::fprintf(stderr, "polyscore-worker: ack failed (%s); the request will be redelivered "
                         "and its result is already recorded\n", natsStatus_GetText(s));
  return true;
}

bool QueueConsumer::publish(const std::string& subject, const std::string& msg_id,
                            const std::string& body, const v1::QueueError* error,
                            const std::string& request_id) {
  natsMsg* raw = nullptr;
  if (natsMsg_Create(&raw, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())) != NATS_OK)
    return false;
  NatsMsgPtr out(raw);
  if (!request_id.empty()) natsMsgHeader_Set(out.get(), "Polyscore-Request-Id", request_id.c_str());
  if (error) {
    // Also in headers, so `nats stream view` shows why without decoding the body.
    natsMsgHeader_Set(out.get(), "Polyscore-Error-Kind", v1::QueueErrorKind_Name(error->kind()).c_str());
    natsMsgHeader_Set(out.get(), "Polyscore-Error", one_line(error->message()).c_str());
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = msg_id.c_str();  // JetStream stores one message per id in its window
  jsPubAck* raw_ack = nullptr;
  jsErrCode js_error = jsErrCode(0);
  natsStatus s = js_PublishMsg(&raw_ack, js_, out.get(), &options, &js_error);
  JsPubAckPtr ack(raw_ack);
  if (s != NATS_OK) {
    std::fprintf(stderr, "polyscore-worker: cannot record %s on %s: %s (%s); leaving it "
                         "unacknowledged for redelivery\n",
                 msg_id.c_str(), subject.c_str(), natsStatus_GetText(s),
                 nats_GetLastError(nullptr));
    return false;
  }
  if (ack && ack->Duplicate) {
    ++already_recorded_;
    std::fprintf(stderr, "polyscore-worker: %s was already recorded on %s (a redelivery)\n",
                 msg_id.c_str(), subject.c_str());
  }
  return true;
}

}  // namespace polyscore_worker
