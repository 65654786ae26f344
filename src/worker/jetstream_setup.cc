#include "jetstream_setup.h"

#include <algorithm>
#include <cctype>

#include "nats_check.h"

namespace polyscore_worker {

namespace {

constexpr int64_t kNanosPerMilli = 1000000;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return s;
}

void add_or_update_stream(jsCtx* js, const std::string& name, const std::string& subject,
                          int64_t dedup_window_ms, int64_t max_age_ms) {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {subject.c_str()};
  config.Name = name.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Retention = js_LimitsPolicy;
  config.MaxAge = max_age_ms * kNanosPerMilli;  // 0: kept until removed by hand
  config.Storage = js_FileStorage;  // survives a broker restart
  config.Duplicates = dedup_window_ms * kNanosPerMilli;
  jsErrCode js_error = jsErrCode(0);
  natsStatus s = js_AddStream(nullptr, js, &config, nullptr, &js_error);
  if (s != NATS_OK && js_error == JSStreamNameExistErr) {
    js_error = jsErrCode(0);
    s = js_UpdateStream(nullptr, js, &config, nullptr, &js_error);
  }
  nats_check(s, "cannot create or update stream " + name + " on " + subject, js_error);
}

}  // namespace

QueueNames queue_names(const std::string& prefix) {
  QueueNames n;
  n.requests_subject = prefix + ".requests";
  n.results_subject = prefix + ".results";
  n.dead_letter_subject = prefix + ".deadletter";
  n.rpc_subject = prefix + ".rpc";
  n.requests_stream = upper(prefix) + "_REQUESTS";
  n.results_stream = upper(prefix) + "_RESULTS";
  n.dead_letter_stream = upper(prefix) + "_DEADLETTER";
  n.rpc_queue_group = prefix + "-workers";
  return n;
}

void ensure_streams(jsCtx* js, const QueueNames& names, const WorkerOptions& options) {
  // Requests: kept for --requests-max-age-ms whether acknowledged or not; the durable
  // consumer alone records what is done. (A work-queue stream deletes a request when it
  // is acknowledged; nats-server 2.9 killed with SIGKILL can then come back with a
  // consumer that waits forever for requests already deleted.) The duplicate window
  // also drops a request a publisher sent twice with the same id.
  add_or_update_stream(js, names.requests_stream, names.requests_subject,
                       options.dedup_window_ms, options.requests_max_age_ms);
  // Results and dead letters: kept for their readers; a request id is stored once.
  add_or_update_stream(js, names.results_stream, names.results_subject,
                       options.dedup_window_ms, 0);
  add_or_update_stream(js, names.dead_letter_stream, names.dead_letter_subject,
                       options.dedup_window_ms, 0);
}

natsSubscription* subscribe_pull_consumer(jsCtx* js, const QueueNames& names,
                                          const WorkerOptions& options) {
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = options.durable.c_str();
  config.AckPolicy = js_AckExplicit;
  config.AckWait = options.ack_wait_ms * kNanosPerMilli;
  config.MaxDeliver = -1;  // a request is retried until it has a result or a dead letter
  // Backpressure on the broker's side: it delivers no more than this many requests
  // that are not yet acknowledged, to all workers sharing the consumer.
  config.MaxAckPending = options.max_in_flight;
  config.MaxRequestBatch = options.max_in_flight;
  jsErrCode js_error = jsErrCode(0);
  natsStatus s = js_AddConsumer(nullptr, js, names.requests_stream.c_str(), &config, nullptr,
                                &js_error);
  if (s != NATS_OK && (js_error == JSConsumerNameExistErr || js_error == JSConsumerExistingActiveErr)) {
    js_error = jsErrCode(0);
    s = js_UpdateConsumer(nullptr, js, names.requests_stream.c_str(), &config, nullptr,
                          &js_error);
  }
  nats_check(s, "cannot create or update consumer " + options.durable + " on " +
                    names.requests_stream, js_error);

  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = names.requests_stream.c_str();
  sub_options.Consumer = options.durable.c_str();
  sub_options.ManualAck = true;
  natsSubscription* sub = nullptr;
  js_error = jsErrCode(0);
  nats_check(js_PullSubscribe(&sub, js, names.requests_subject.c_str(), options.durable.c_str(),
                              nullptr, &sub_options, &js_error),
             "cannot subscribe to consumer " + options.durable, js_error);
  return sub;
}

}  // namespace polyscore_worker
