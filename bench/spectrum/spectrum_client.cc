// The spectrum benchmark's client (bench/spectrum/README.md): the same rows of one model
// scored at every point from an in-process call to a JetStream queue, at several batch
// sizes, against real polyscore-serve, nats-server and polyscore-worker processes that
// bench/spectrum/run.sh starts. For each point, batch size and repeat it first checks the
// answer equals the in-process result bit for bit, then measures
//   latency:    one client, one call at a time, for --seconds (p50, p99 per call);
//                 the server processes' CPU time (/proc/PID/stat) and this thread's over
//                 the same calls, divided by the calls;
//   throughput: --clients clients (threads, each with its own connection), for --seconds.
// and prints one JSON line (stdout) and one progress line (stderr).
//
//   spectrum_client --model-file PATH --model NAME [--rows-out FILE (and FILE.ref: the C scores)]
//       [--batches 1,16,256,1000]
//       [--repeats 3] [--seconds 0.4] [--clients 4] [--grpc HOST:PORT] [--grpc-unix PATH]
//       [--http HOST:PORT] [--nats URL] [--serve-pid N] [--worker-pid N] [--nats-pid N]
//       [--points a,b,...]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <nats/nats.h>

#include "fraud/v1/fraud.grpc.pb.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "polyscore/polyscore.h"
#include "polyscore/v1/queue.pb.h"
#include "polyscore/v1/scoring.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "spectrum_client: %s\n", what.c_str());
  std::exit(1);
}

struct Args {
  std::string model_file, model, rows_out, grpc, grpc_unix, http, nats;
  std::vector<int> batches{1, 16, 256, 1000};
  std::vector<std::string> points;  // empty: all that have an endpoint
  int repeats = 3, clients = 4;
  double seconds = 0.4;
  int serve_pid = 0, worker_pid = 0, nats_pid = 0;
};

// The rows every point scores: standard normal at full precision, seeded, with 5% missing
// for models of more than a few features (like bench/make_models.py's test matrix); the
// 2-feature fraud model gets complete rows, like its example requests.
std::vector<double> make_rows(size_t rows, size_t cols) {
  std::mt19937_64 rng(20261204);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  std::vector<double> values(rows * cols);
  for (double& v : values) {
    v = normal(rng);
    if (cols > 4 && uniform(rng) < 0.05) v = std::nan("");
  }
  return values;
}

// ---------------------------------------------------------------------------------------
// One client of one point: call() scores the first `batch` rows and returns the scores.
struct Client {
  virtual ~Client() = default;
  virtual void call(size_t batch, std::vector<double>* out) = 0;
};

struct Point {
  std::string name;
  bool one_row_only = false;          // the fraud request and REST /predict carry one row
  std::vector<int> cpu_pids;          // the processes on the other side of the boundary
  std::function<std::unique_ptr<Client>()> connect;
};

struct Context {
  const Args& args;
  const std::vector<double>& rows;
  size_t cols;
  ps_model* model;
};

// --- in-process C ----------------------------------------------------------------------
struct InProcess : Client {
  const Context& ctx;
  ps_error* err = nullptr;
  explicit InProcess(const Context& c) : ctx(c) { ps_error_create(&err); }
  ~InProcess() override { ps_error_free(err); }
  void call(size_t batch, std::vector<double>* out) override {
    out->resize(batch);
    if (ps_model_predict_dense(out->data(), batch, ctx.model, ctx.rows.data(), PS_DTYPE_FLOAT64,
                               batch, ctx.cols, nullptr, err) != PS_OK)
      die(std::string("in-process: ") + ps_error_message(err));
  }
};

// --- gRPC ------------------------------------------------------------------------------
void check(const grpc::Status& status, const char* what) {
  if (!status.ok()) die(std::string(what) + ": " + status.error_message());
}

polyscore::v1::PredictRequest v1_request(const Context& ctx, size_t batch) {
  polyscore::v1::PredictRequest request;
  request.set_model(ctx.args.model);
  request.set_rows(batch);
  request.set_cols(ctx.cols);
  request.mutable_float64_values()->Add(ctx.rows.begin(), ctx.rows.begin() + batch * ctx.cols);
  return request;
}

void v1_values(const polyscore::v1::PredictResponse& response, std::vector<double>* out) {
  out->assign(response.values().begin(), response.values().end());
}

struct GrpcV1Unary : Client {
  const Context& ctx;
  std::unique_ptr<polyscore::v1::ScoringService::Stub> stub;
  std::map<size_t, polyscore::v1::PredictRequest> requests;  // built once per batch size
  GrpcV1Unary(const Context& c, const std::string& target) : ctx(c) {
    stub = polyscore::v1::ScoringService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  }
  void call(size_t batch, std::vector<double>* out) override {
    auto it = requests.find(batch);
    if (it == requests.end()) it = requests.emplace(batch, v1_request(ctx, batch)).first;
    grpc::ClientContext context;
    polyscore::v1::PredictResponse response;
    check(stub->Predict(&context, it->second, &response), "polyscore.v1 Predict");
    v1_values(response, out);
  }
};

struct GrpcV1Stream : Client {
  const Context& ctx;
  std::unique_ptr<polyscore::v1::ScoringService::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<polyscore::v1::PredictStreamRequest,
                                           polyscore::v1::PredictStreamResponse>> stream;
  std::map<size_t, polyscore::v1::PredictStreamRequest> requests;
  uint64_t sequence = 0;
  GrpcV1Stream(const Context& c, const std::string& target) : ctx(c) {
    stub = polyscore::v1::ScoringService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    stream = stub->PredictStream(&context);
  }
  ~GrpcV1Stream() override {
    stream->WritesDone();
    stream->Finish();
  }
  void call(size_t batch, std::vector<double>* out) override {
    auto it = requests.find(batch);
    if (it == requests.end()) {
      polyscore::v1::PredictStreamRequest r;
      *r.mutable_request() = v1_request(ctx, batch);
      it = requests.emplace(batch, std::move(r)).first;
    }
    it->second.set_sequence(++sequence);
    polyscore::v1::PredictStreamResponse response;
    if (!stream->Write(it->second) || !stream->Read(&response)) die("PredictStream: stream closed");
    if (response.error_code() != 0) die("PredictStream: " + response.error_message());
    if (response.sequence() != sequence) die("PredictStream: answer out of sequence");
    v1_values(response.response(), out);
  }
};

struct GrpcFraud : Client {
  const Context& ctx;
  std::unique_ptr<fraud::v1::FraudScorer::Stub> stub;
  fraud::v1::PredictRequest request;
  GrpcFraud(const Context& c, const std::string& target) : ctx(c) {
    stub = fraud::v1::FraudScorer::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    request.set_model(ctx.args.model);
    for (size_t j = 0; j < ctx.cols; ++j) request.add_features(ctx.rows[j]);
  }
  void call(size_t, std::vector<double>* out) override {
    grpc::ClientContext context;
    fraud::v1::PredictResponse response;
    check(stub->Predict(&context, request, &response), "fraud.v1 Predict");
    out->assign(1, response.score());
  }
};

struct GrpcOip : Client {
  const Context& ctx;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub;
  std::map<size_t, inference::ModelInferRequest> requests;
  GrpcOip(const Context& c, const std::string& target) : ctx(c) {
    stub = inference::GRPCInferenceService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  }
  void call(size_t batch, std::vector<double>* out) override {
    auto it = requests.find(batch);
    if (it == requests.end()) {
      inference::ModelInferRequest r;
      r.set_model_name(ctx.args.model);
      auto* input = r.add_inputs();
      input->set_name("input");
      input->set_datatype("FP64");
      input->add_shape(int64_t(batch));
      input->add_shape(int64_t(ctx.cols));
      r.add_raw_input_contents(reinterpret_cast<const char*>(ctx.rows.data()),
                               batch * ctx.cols * sizeof(double));
      it = requests.emplace(batch, std::move(r)).first;
    }
    grpc::ClientContext context;
    inference::ModelInferResponse response;
    check(stub->ModelInfer(&context, it->second, &response), "OIP ModelInfer");
    if (response.raw_output_contents_size() != 1) die("OIP ModelInfer: expected one raw output");
    const std::string& raw = response.raw_output_contents(0);
    out->resize(raw.size() / sizeof(double));
    std::memcpy(out->data(), raw.data(), out->size() * sizeof(double));
  }
};

// --- REST (HTTP/1.1 keep-alive, one connection per client) -----------------------------
void append_number(std::string* s, double v) {
  if (std::isnan(v)) {
    *s += "null";
    return;
  }
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, v);
  s->append(buf, result.ptr);
}

void append_values(std::string* s, const double* v, size_t n) {
  *s += '[';
  for (size_t i = 0; i < n; ++i) {
    if (i) *s += ',';
    append_number(s, v[i]);
  }
  *s += ']';
}

// The numbers after `"key":` (an array, or one number), null read as NaN.
std::vector<double> json_numbers_after(const std::string& body, const std::string& key) {
  size_t at = body.find("\"" + key + "\":");
  if (at == std::string::npos) die("response has no \"" + key + "\": " + body.substr(0, 200));
  const char* p = body.c_str() + at + key.size() + 3;
  std::vector<double> values;
  bool array = *p == '[';
  if (array) ++p;
  for (;;) {
    while (*p == ' ' || *p == ',') ++p;
    if (*p == ']' || *p == '\0') break;
    if (std::strncmp(p, "null", 4) == 0) {
      values.push_back(std::nan(""));
      p += 4;
    } else {
      char* end = nullptr;
      values.push_back(std::strtod(p, &end));
      if (end == p) die("bad number in response: " + std::string(p, std::min<size_t>(40, std::strlen(p))));
      p = end;
    }
    if (!array) break;
  }
  return values;
}

struct Rest : Client {
  enum Kind { kFraud, kV1, kOip };
  const Context& ctx;
  Kind kind;
  int fd = -1;
  std::map<size_t, std::string> requests;
  std::string buffer;
  Rest(const Context& c, Kind k) : ctx(c), kind(k) {
    const std::string& hostport = ctx.args.http;
    size_t colon = hostport.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(std::stoi(hostport.substr(colon + 1))));
    inet_pton(AF_INET, hostport.substr(0, colon).c_str(), &address.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      die("connect " + hostport + ": " + std::strerror(errno));
  }
  ~Rest() override { close(fd); }

  std::string make_request(size_t batch) const {
    std::string body, path;
    const double* v = ctx.rows.data();
    if (kind == kFraud) {
      path = "/predict";
      body = "{\"features\":";
      append_values(&body, v, ctx.cols);
      body += ",\"model\":\"" + ctx.args.model + "\"}";
    } else if (kind == kV1) {
      path = "/v1/predict";
      body = "{\"model\":\"" + ctx.args.model + "\",\"rows\":" + std::to_string(batch) +
             ",\"cols\":" + std::to_string(ctx.cols) + ",\"float64_values\":";
      append_values(&body, v, batch * ctx.cols);
      body += "}";
    } else {
      path = "/v2/models/" + ctx.args.model + "/infer";
      body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP64\",\"shape\":[" +
             std::to_string(batch) + "," + std::to_string(ctx.cols) + "],\"data\":";
      append_values(&body, v, batch * ctx.cols);
      body += "}]}";
    }
    return "POST " + path + " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void call(size_t batch, std::vector<double>* out) override {
    auto it = requests.find(batch);
    if (it == requests.end()) it = requests.emplace(batch, make_request(batch)).first;
    const std::string& request = it->second;
    for (size_t sent = 0; sent < request.size();) {
      ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) die("REST send failed");
      sent += size_t(n);
    }
    // One response: headers, then Content-Length bytes.
    size_t header_end = std::string::npos, total = 0;
    buffer.clear();
    char chunk[65536];
    for (;;) {
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) die("REST connection closed");
      buffer.append(chunk, size_t(n));
      if (header_end == std::string::npos) {
        header_end = buffer.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        std::string headers = buffer.substr(0, header_end);
        std::transform(headers.begin(), headers.end(), headers.begin(), ::tolower);
        size_t length_at = headers.find("content-length: ");
        if (length_at == std::string::npos) die("REST answer without Content-Length");
        total = header_end + 4 + std::stoul(headers.substr(length_at + 16));
      }
      if (buffer.size() >= total) break;
    }
    if (buffer.compare(0, 12, "HTTP/1.1 200") != 0) die("REST: " + buffer.substr(0, 400));
    std::string body = buffer.substr(header_end + 4);
    *out = json_numbers_after(body, kind == kFraud ? "score" : kind == kV1 ? "values" : "data");
  }
};

// --- NATS ------------------------------------------------------------------------------
void nats_check(natsStatus s, const char* what) {
  if (s != NATS_OK) die(std::string(what) + ": " + natsStatus_GetText(s));
}

std::string queue_request_bytes(const Context& ctx, size_t batch, const std::string& id) {
  polyscore::v1::QueueRequest request;
  request.set_request_id(id);
  *request.mutable_request() = v1_request(ctx, batch);
  return request.SerializeAsString();
}

void queue_result_values(const char* data, int len, std::vector<double>* out,
                         std::string* request_id = nullptr) {
  polyscore::v1::QueueResult result;
  if (!result.ParseFromArray(data, len)) die("undecodable QueueResult");
  if (result.has_error()) die("worker error: " + result.error().message());
  if (request_id) *request_id = result.request_id();
  v1_values(result.response(), out);
}

struct NatsRequestReply : Client {
  const Context& ctx;
  natsConnection* nc = nullptr;
  std::map<size_t, std::string> requests;
  explicit NatsRequestReply(const Context& c) : ctx(c) {
    nats_check(natsConnection_ConnectTo(&nc, ctx.args.nats.c_str()), "NATS connect");
  }
  ~NatsRequestReply() override { natsConnection_Destroy(nc); }
  void call(size_t batch, std::vector<double>* out) override {
    auto it = requests.find(batch);
    if (it == requests.end()) it = requests.emplace(batch, queue_request_bytes(ctx, batch, "")).first;
    natsMsg* reply = nullptr;
    nats_check(natsConnection_Request(&reply, nc, "polyscore.rpc", it->second.data(),
                                      int(it->second.size()), 10000),
               "NATS request");
    queue_result_values(natsMsg_GetData(reply), natsMsg_GetDataLength(reply), out);
    natsMsg_Destroy(reply);
  }
};

// Publish to the requests stream (waiting for the broker's acknowledgement, as a durable
// producer must), then wait until the worker's result for that id is seen on the results
// subject.
struct JetStreamEndToEnd : Client {
  const Context& ctx;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* sub = nullptr;
  std::mutex mutex;
  std::condition_variable arrived;
  std::map<std::string, std::vector<double>> results;
  inline static std::atomic<uint64_t> next_id{0};

  explicit JetStreamEndToEnd(const Context& c) : ctx(c) {
    nats_check(natsConnection_ConnectTo(&nc, ctx.args.nats.c_str()), "NATS connect");
    nats_check(natsConnection_JetStream(&js, nc, nullptr), "JetStream context");
    nats_check(natsConnection_Subscribe(&sub, nc, "polyscore.results", &on_result, this),
               "subscribe polyscore.results");
    nats_check(natsConnection_Flush(nc), "flush");
  }
  ~JetStreamEndToEnd() override {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
  static void on_result(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<JetStreamEndToEnd*>(closure);
    std::vector<double> values;
    std::string id;
    queue_result_values(natsMsg_GetData(msg), natsMsg_GetDataLength(msg), &values, &id);
    natsMsg_Destroy(msg);
    std::lock_guard<std::mutex> lock(self->mutex);
    self->results[id] = std::move(values);
    self->arrived.notify_all();
  }
  void call(size_t batch, std::vector<double>* out) override {
    std::string id = "spectrum-" + std::to_string(getpid()) + "-" + std::to_string(++next_id);
    std::string bytes = queue_request_bytes(ctx, batch, id);
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = id.c_str();
    jsPubAck* ack = nullptr;
    jsErrCode jerr = jsErrCode(0);
    nats_check(js_Publish(&ack, js, "polyscore.requests", bytes.data(), int(bytes.size()), &options, &jerr),
               "JetStream publish");
    jsPubAck_Destroy(ack);
    std::unique_lock<std::mutex> lock(mutex);
    if (!arrived.wait_for(lock, std::chrono::seconds(30), [&] { return results.count(id) > 0; }))
      die("JetStream: no result for " + id + " within 30 s");
    *out = std::move(results[id]);
    results.erase(id);
  }
};

// ---------------------------------------------------------------------------------------
double process_cpu_seconds(const std::vector<int>& pids) {
  double ticks = 0;
  for (int pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(line.substr(paren + 2));
    std::string field;
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    ticks += utime + stime;
  }
  return ticks / double(sysconf(_SC_CLK_TCK));
}

double thread_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void verify(const std::string& point, size_t batch, const std::vector<double>& got,
            const std::vector<double>& want) {
  if (got.size() != batch) die(point + ": " + std::to_string(got.size()) + " scores for " + std::to_string(batch) + " rows");
  for (size_t i = 0; i < batch; ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(double)) != 0 && !(std::isnan(got[i]) && std::isnan(want[i])))
      die(point + ": row " + std::to_string(i) + " scored " + std::to_string(got[i]) + ", in-process " +
          std::to_string(want[i]));
}

void measure(const Context& ctx, const Point& point, size_t batch, int repeat,
             const std::vector<double>& reference) {
  const Args& args = ctx.args;
  std::vector<double> out;
  std::vector<double> us;
  double server_cpu = 0, client_cpu = 0;
  {
    auto client = point.connect();
    client->call(batch, &out);
    verify(point.name, batch, out, reference);
    for (int i = 0; i < 5; ++i) client->call(batch, &out);  // warm-up
    double cpu0 = process_cpu_seconds(point.cpu_pids), self0 = thread_cpu_seconds();
    auto start = Clock::now();
    while (us.size() < 5 || (seconds_since(start) < args.seconds && us.size() < 200000)) {
      auto t0 = Clock::now();
      client->call(batch, &out);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    server_cpu = process_cpu_seconds(point.cpu_pids) - cpu0;
    client_cpu = thread_cpu_seconds() - self0;
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, size_t(q * double(us.size())))]; };

  // Throughput: every client connects first, then all run until the deadline.
  std::vector<std::unique_ptr<Client>> clients;
  for (int c = 0; c < args.clients; ++c) clients.push_back(point.connect());
  std::atomic<bool> go{false}, stop{false};
  std::atomic<uint64_t> calls{0};
  std::vector<std::thread> threads;
  for (auto& client : clients)
    threads.emplace_back([&, c = client.get()] {
      std::vector<double> o;
      while (!go) std::this_thread::yield();
      uint64_t n = 0;
      while (!stop) {
        c->call(batch, &o);
        ++n;
      }
      calls += n;
    });
  auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = seconds_since(start);
  clients.clear();

  double n = double(us.size());
  std::printf("{\"model\":\"%s\",\"point\":\"%s\",\"batch\":%zu,\"repeat\":%d,\"calls\":%zu,"
              "\"p50_us\":%.3f,\"p99_us\":%.3f,\"server_cpu_us_per_call\":%s,"
              "\"client_cpu_us_per_call\":%.3f,\"clients\":%d,\"throughput_calls_per_s\":%.1f,"
              "\"throughput_rows_per_s\":%.1f}\n",
              args.model.c_str(), point.name.c_str(), batch, repeat, us.size(), at(0.5), at(0.99),
              point.cpu_pids.empty() ? "null" : std::to_string(1e6 * server_cpu / n).c_str(),
              1e6 * client_cpu / n, args.clients, double(calls) / elapsed,
              double(calls) * double(batch) / elapsed);
  std::fflush(stdout);
  std::fprintf(stderr, "  %-9s %-26s batch %4zu  repeat %d  p50 %9.1f us  p99 %9.1f us  %10.0f rows/s (%d clients)\n",
               args.model.c_str(), point.name.c_str(), batch, repeat, at(0.5), at(0.99),
               double(calls) * double(batch) / elapsed, args.clients);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) die(flag + " needs a value");
    std::string v = argv[i + 1];
    if (flag == "--model-file") a.model_file = v;
    else if (flag == "--model") a.model = v;
    else if (flag == "--rows-out") a.rows_out = v;
    else if (flag == "--grpc") a.grpc = v;
    else if (flag == "--grpc-unix") a.grpc_unix = v;
    else if (flag == "--http") a.http = v;
    else if (flag == "--nats") a.nats = v;
    else if (flag == "--serve-pid") a.serve_pid = std::stoi(v);
    else if (flag == "--worker-pid") a.worker_pid = std::stoi(v);
    else if (flag == "--nats-pid") a.nats_pid = std::stoi(v);
    else if (flag == "--repeats") a.repeats = std::stoi(v);
    else if (flag == "--clients") a.clients = std::stoi(v);
    else if (flag == "--seconds") a.seconds = std::stod(v);
    else if (flag == "--points") a.points = split(v);
    else if (flag == "--batches") {
      a.batches.clear();
      for (const auto& b : split(v)) a.batches.push_back(std::stoi(b));
    } else die("unknown flag " + flag);
  }
  if (a.model_file.empty() || a.model.empty()) die("--model-file and --model are required");
  if (a.repeats < 1 || a.clients < 1 || !(a.seconds > 0)) die("--repeats, --clients, --seconds must be positive");
  for (int b : a.batches)
    if (b < 1 || b > 1000) die("batch sizes must be 1..1000");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_load_file(&model, args.model_file.c_str(), nullptr, err) != PS_OK ||
      ps_model_info_get(&info, model, err) != PS_OK)
    die("load " + args.model_file + ": " + ps_error_message(err));
  size_t cols = info.num_features;
  std::vector<double> rows = make_rows(1000, cols);
  Context ctx{args, rows, cols, model};
  std::vector<double> reference(1000);
  if (ps_model_predict_dense(reference.data(), 1000, model, rows.data(), PS_DTYPE_FLOAT64, 1000, cols,
                             nullptr, err) != PS_OK)
    die(std::string("reference: ") + ps_error_message(err));
  if (!args.rows_out.empty()) {  // the same rows, and their scores, for the binding points
    std::ofstream f(args.rows_out, std::ios::binary), r(args.rows_out + ".ref", std::ios::binary);
    f.write(reinterpret_cast<const char*>(rows.data()), std::streamsize(rows.size() * sizeof(double)));
    r.write(reinterpret_cast<const char*>(reference.data()), std::streamsize(reference.size() * sizeof(double)));
    if (!f || !r) die("cannot write " + args.rows_out);
  }

  std::vector<int> serve{args.serve_pid}, worker{args.worker_pid, args.nats_pid};
  std::string unix_target = "unix:" + args.grpc_unix;
  std::vector<Point> points;
  points.push_back({"C in-process", false, {}, [&] { return std::make_unique<InProcess>(ctx); }});
  if (!args.grpc_unix.empty()) {
    points.push_back({"gRPC v1 unary, Unix socket", false, serve,
                      [&] { return std::make_unique<GrpcV1Unary>(ctx, unix_target); }});
  }
  if (!args.grpc.empty()) {
    points.push_back({"gRPC v1 stream, TCP", false, serve,
                      [&] { return std::make_unique<GrpcV1Stream>(ctx, args.grpc); }});
    points.push_back({"gRPC v1 unary, TCP", false, serve,
                      [&] { return std::make_unique<GrpcV1Unary>(ctx, args.grpc); }});
    points.push_back({"gRPC fraud.v1, TCP", true, serve,
                      [&] { return std::make_unique<GrpcFraud>(ctx, args.grpc); }});
    points.push_back({"OIP gRPC, TCP", false, serve, [&] { return std::make_unique<GrpcOip>(ctx, args.grpc); }});
  }
  if (!args.http.empty()) {
    points.push_back({"REST /predict", true, serve, [&] { return std::make_unique<Rest>(ctx, Rest::kFraud); }});
    points.push_back({"REST /v1/predict", false, serve, [&] { return std::make_unique<Rest>(ctx, Rest::kV1); }});
    points.push_back({"OIP REST", false, serve, [&] { return std::make_unique<Rest>(ctx, Rest::kOip); }});
  }
  if (!args.nats.empty()) {
    points.push_back({"NATS request-reply", false, worker,
                      [&] { return std::make_unique<NatsRequestReply>(ctx); }});
    points.push_back({"JetStream end to end", false, worker,
                      [&] { return std::make_unique<JetStreamEndToEnd>(ctx); }});
  }
  if (!args.points.empty()) {
    for (const auto& name : args.points)
      if (std::none_of(points.begin(), points.end(), [&](const Point& p) { return p.name == name; }))
        die("unknown point or no endpoint for it: " + name);
    points.erase(std::remove_if(points.begin(), points.end(),
                                [&](const Point& p) {
                                  return std::find(args.points.begin(), args.points.end(), p.name) ==
                                         args.points.end();
                                }),
                 points.end());
  }
  for (auto& p : points)
    p.cpu_pids.erase(std::remove(p.cpu_pids.begin(), p.cpu_pids.end(), 0), p.cpu_pids.end());

  // Repeats outermost, so a slow minute of the shared machine spreads over every point.
  for (int repeat = 1; repeat <= args.repeats; ++repeat)
    for (const Point& point : points)
      for (int batch : args.batches) {
        if (point.one_row_only && batch != 1) continue;
        measure(ctx, point, size_t(batch), repeat, reference);
      }
  ps_model_free(model);
  ps_error_free(err);
  nats_Close();
  return 0;
}
