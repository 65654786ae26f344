// polyscore-worker (run as `polyscore worker`): scores requests from NATS JetStream and
// core NATS request-reply with the models given, through libpolyscore.so.1.
// docs/worker.md describes the subjects, streams and delivery guarantees.
#include <nats/nats.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "jetstream_setup.h"
#include "model_registry.h"
#include "nats_check.h"
#include "queue_consumer.h"
#include "reply_responder.h"
#include "worker_options.h"

namespace {

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop.store(true); }

void on_disconnected(natsConnection*, void*) {
  std::fprintf(stderr, "polyscore-worker: disconnected from the broker; reconnecting\n");
}
void on_reconnected(natsConnection*, void*) {
  std::fprintf(stderr, "polyscore-worker: reconnected to the broker\n");
}

int run(const polyscore_worker::WorkerOptions& options) {
  using namespace polyscore_worker;
  ModelRegistry models;
  models.load(options.models);

  natsOptions* nats_options = nullptr;
  nats_check(natsOptions_Create(&nats_options), "natsOptions_Create");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> options_owner(nats_options, natsOptions_Destroy);
  natsOptions_SetURL(nats_options, options.nats_url.c_str());
  natsOptions_SetName(nats_options, "polyscore-worker");
  // Replies and acknowledgements go out one at a time, each awaited by someone: send
  // them at once rather than after libnats's buffering delay (about 1 ms per reply,
  // measured by bench/spectrum).
  natsOptions_SetSendAsap(nats_options, true);
  // Ride out a broker restart of any length: unacknowledged requests wait in the stream.
  natsOptions_SetMaxReconnect(nats_options, -1);
  natsOptions_SetReconnectWait(nats_options, 100);
  natsOptions_SetDisconnectedCB(nats_options, on_disconnected, nullptr);
  natsOptions_SetReconnectedCB(nats_options, on_reconnected, nullptr);

  natsConnection* nc = nullptr;
  nats_check(natsConnection_Connect(&nc, nats_options), "cannot connect to " + options.nats_url);
  std::unique_ptr<natsConnection, void (*)(natsConnection*)> nc_owner(nc, natsConnection_Destroy);
  jsCtx* js = nullptr;
  nats_check(natsConnection_JetStream(&js, nc, nullptr), "cannot use JetStream");
  std::unique_ptr<jsCtx, void (*)(jsCtx*)> js_owner(js, jsCtx_Destroy);

  const QueueNames names = queue_names(options.prefix);
  ensure_streams(js, names, options);
  natsSubscription* sub = subscribe_pull_consumer(js, names, options);
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> sub_owner(sub, natsSubscription_Destroy);

  // The server's max_payload (1 MiB unless configured): no message, answers included, can
  // be larger.
  const size_t max_message_bytes = static_cast<size_t>(natsConnection_GetMaxPayload(nc));
  ReplyResponder responder(nc, names, models, max_message_bytes);
  responder.start();
  QueueConsumer consumer(js, sub, names, models, options.max_in_flight, max_message_bytes);

  std::fprintf(stderr, "polyscore-worker: ready: %zu model(s); requests from %s (consumer %s, "
               "at most %d in flight), results to %s, dead letters to %s, request-reply on %s\n",
               options.models.size(), names.requests_subject.c_str(), options.durable.c_str(),
               options.max_in_flight, names.results_subject.c_str(),
               names.dead_letter_subject.c_str(), names.rpc_subject.c_str());
  consumer.run(&g_stop);
  responder.drain();
  // Acknowledgements are fire-and-forget; flush them before closing.
  natsConnection_FlushTimeout(nc, 2000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(polyscore_worker::kWorkerUsage, stdout);
    return 0;
  }
  polyscore_worker::WorkerOptions options;
  std::string error;
  if (!polyscore_worker::parse_worker_options(args, &options, &error)) {
    std::fprintf(stderr, "polyscore worker: %s\n%s", error.c_str(), polyscore_worker::kWorkerUsage);
    return 2;
  }
  struct sigaction action = {};
  action.sa_handler = request_stop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  int code = 1;
  try {
    code = run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "polyscore worker: %s\n", e.what());
  }
  nats_Close();
  return code;
}
