#include "reply_responder.h"

#include <cstdio>
#include <string>

#include "nats_check.h"

namespace polyscore_worker {

ReplyResponder::ReplyResponder(natsConnection* nc, const QueueNames& names,
                               const ModelRegistry& models, size_t max_message_bytes)
    : nc_(nc), names_(names), scorer_(models, max_message_bytes) {}

ReplyResponder::~ReplyResponder() { natsSubscription_Destroy(sub_); }

void ReplyResponder::start() {
  nats_check(natsConnection_QueueSubscribe(&sub_, nc_, names_.rpc_subject.c_str(),
                                           names_.rpc_queue_group.c_str(), on_request, this),
             "cannot subscribe to " + names_.rpc_subject);
}

void ReplyResponder::drain() {
  if (!sub_) return;
  natsSubscription_Drain(sub_);
  natsSubscription_WaitForDrainCompletion(sub_, 5000);
}

void ReplyResponder::on_request(natsConnection* nc, natsSubscription*, natsMsg* msg, void* self_ptr) {
  auto* self = static_cast<ReplyResponder*>(self_ptr);
  NatsMsgPtr owner(msg);
  const char* reply = natsMsg_GetReply(msg);
  if (!reply || !*reply) {
    std::fprintf(stderr, "polyscore-worker: a message on %s has no reply subject; dropped\n",
                 self->names_.rpc_subject.c_str());
    return;
  }
  self->scorer_.handle(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)),
                       /*require_request_id=*/false, &self->result_);
  std::string body = self->result_.SerializeAsString();
  natsStatus s = natsConnection_Publish(nc, reply, body.data(), static_cast<int>(body.size()));
  if (s != NATS_OK)
    std::fprintf(stderr, "polyscore-worker: cannot reply on %s: %s\n", reply, natsStatus_GetText(s));
}

}  // namespace polyscore_worker
