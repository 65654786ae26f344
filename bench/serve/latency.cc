// One client, one request at a time: the latency of scoring one row as the client sees
// it, over gRPC (fraud.v1.FraudScorer, TCP or a Unix socket) and REST (POST /predict,
// one keep-alive connection), beside the same call in-process (ps_model_predict_row).
//
//   polyscore_serve_latency --model-file PATH --model NAME --features 0.4,1.2
//       [--grpc TARGET]... [--http HOST:PORT] [--requests N] [--warmup N] [--server-pid PID]
//       [--clients LIST] [--tuned 1|0] [--channel-arg KEY=VALUE]... [--deadline-ms N (1000; 0: none)]
//       [--floor-bytes REQUEST,ANSWER]
// --clients: a comma-separated list of blocking, async, callback (or both = blocking,async,
// the default; all = the three).
// Prints one line per transport: p50 p90 p99 max (microseconds), and the CPU time per
// call of this client (all its threads) and, with --server-pid, of the server.
//
// First, the floor: a plain blocking ping-pong between this process and a child process,
// over TCP loopback (TCP_NODELAY) and over a Unix socket, with the request and answer
// sizes of the REST exchange (--floor-bytes to change them). It is what the kernel and
// the VM cost alone (two wakeups and a send/recv each way); each transport's line then
// says how much it adds on top of the floor of its socket type.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>

#include "fraud/v1/fraud.grpc.pb.h"
#include "polyscore/polyscore.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string model_file, model = "fraud-v3", http;
  std::vector<std::string> grpc;
  std::vector<double> features{0.4, 1.2};
  int requests = 20000, warmup = 2000;
  long server_pid = 0;  // > 0: report the server's CPU time per call too
  std::string clients = "both";  // gRPC clients: see the top of the file
  bool tuned = true;              // the client settings of channel_arguments()
  std::vector<std::pair<std::string, std::string>> channel_args;  // --channel-arg, on top
  int deadline_ms = 1000;  // > 0: each gRPC call carries this deadline, as a careful client's does
  size_t floor_request = 0, floor_answer = 0;  // 0: the REST exchange's sizes
};

// p50 of the floor of each socket type (0: not measured), for the "adds" column.
double tcp_floor_p50 = 0, unix_floor_p50 = 0;

// CPU time, in nanoseconds, of every thread of this process.
double own_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

// CPU time, in nanoseconds, of every thread of process PID (/proc/PID/task/*/schedstat,
// whose first field is the thread's time on a CPU). Threads that ended are not counted.
double process_cpu_ns(long pid) {
  double total = 0;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* tasks = opendir(dir.c_str());
  if (!tasks) return 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::FILE* f = std::fopen((dir + "/" + entry->d_name + "/schedstat").c_str(), "r");
    if (!f) continue;
    double ns = 0;
    if (std::fscanf(f, "%lf", &ns) == 1) total += ns;
    std::fclose(f);
  }
  closedir(tasks);
  return total;
}

struct Sample {
  std::vector<double> us;      // latency of each call
  double client_cpu_us = 0;    // CPU per call, this process (every thread)
  double server_cpu_us = -1;   // CPU per call, the server (-1: not measured)
};

// floor_p50: the floor of the transport's socket type (0: none to compare with).
void report(const char* name, Sample sample, double floor_p50 = 0) {
  auto& us = sample.us;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, size_t(q * us.size()))]; };
  std::printf("%-28s p50 %8.1f  p90 %8.1f  p99 %8.1f  max %9.1f  us  cpu/call client %6.1f", name,
              at(0.5), at(0.9), at(0.99), us.back(), sample.client_cpu_us);
  if (sample.server_cpu_us >= 0) std::printf(" server %6.1f", sample.server_cpu_us);
  std::printf(" us  (n=%zu)", us.size());
  if (floor_p50 > 0) std::printf("  p50 over the floor +%.1f us", at(0.5) - floor_p50);
  std::printf("\n");
}

template <typename Call>
Sample measure(const Args& args, Call call) {
  for (int i = 0; i < args.warmup; ++i) call();
  Sample sample;
  sample.us.reserve(args.requests);
  double client_start = own_cpu_ns();
  double server_start = args.server_pid > 0 ? process_cpu_ns(args.server_pid) : 0;
  for (int i = 0; i < args.requests; ++i) {
    auto start = Clock::now();
    call();
    sample.us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  sample.client_cpu_us = (own_cpu_ns() - client_start) / 1e3 / args.requests;
  if (args.server_pid > 0) {
    sample.server_cpu_us = (process_cpu_ns(args.server_pid) - server_start) / 1e3 / args.requests;
  }
  return sample;
}

// A low-latency client's channel (--tuned 1, the default): the minimal filter stack
// (no client-side message-size or census filters; the server still enforces its
// limits), no retry layer, and deadline checking turned back on: the minimal stack also
// turns off the client channel's deadline timer, and without it a call waiting for a
// connection to a server that never completes the HTTP/2 handshake waits past its
// deadline (docs/serve.md). With Abseil's
// deadlock detection off (main), this client runs 25% fewer instructions per call than
// gRPC's defaults (callgrind, bench/serve/README.md). --tuned 0 measures the defaults.
grpc::ChannelArguments channel_arguments(const Args& args) {
  grpc::ChannelArguments arguments;
  if (args.tuned) {
    arguments.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
    arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    arguments.SetInt(GRPC_ARG_ENABLE_DEADLINE_CHECKS, 1);
  }
  for (const auto& [key, value] : args.channel_args) {  // a whole number is an int argument
    char* end = nullptr;
    long number = std::strtol(value.c_str(), &end, 10);
    if (!value.empty() && *end == '\0') arguments.SetInt(key, int(number));
    else arguments.SetString(key, value);
  }
  return arguments;
}

// A new call's context, with --deadline-ms's deadline if one is asked for.
void set_deadline(const Args& args, grpc::ClientContext& context) {
  if (args.deadline_ms > 0) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(args.deadline_ms));
  }
}

bool send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

bool recv_exactly(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

// The floor: one exchange of `request` bytes out and `answer` bytes back, one at a time,
// between this process and a forked child that only reads and writes (blocking sockets,
// no framing, no parsing). Unix: a socketpair, what a listening Unix socket's accepted
// connection is to the kernel.
Sample ping_pong(const Args& args, bool unix_socket, size_t request, size_t answer) {
  int fds[2];
  if (unix_socket) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::exit(1);
  } else {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::perror("floor listener");
      std::exit(1);
    }
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[0], reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) std::exit(1);
    fds[1] = accept(listener, nullptr, nullptr);
    close(listener);
    int one = 1;
    setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  pid_t child = fork();
  if (child < 0) std::exit(1);
  if (child == 0) {  // the "server": read a request, write an answer, until the socket closes
    close(fds[0]);
    std::string in(request, 'q'), out(answer, 'a');
    while (recv_exactly(fds[1], in.data(), request) && send_all(fds[1], out.data(), answer)) {
    }
    _exit(0);
  }
  close(fds[1]);
  std::string out(request, 'q'), in(answer, 'a');
  Args with_child = args;
  with_child.server_pid = child;
  Sample sample = measure(with_child, [&] {
    if (!send_all(fds[0], out.data(), request) || !recv_exactly(fds[0], in.data(), answer)) std::exit(1);
  });
  close(fds[0]);
  waitpid(child, nullptr, 0);
  return sample;
}

// The REST /predict request for one row, and the size of its answer (asked once).
std::string rest_request(const Args& args) {
  std::string body = "{\"features\":[";
  for (size_t i = 0; i < args.features.size(); ++i) {
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", args.features[i]);
    body += (i ? "," : "") + std::string(number);
  }
  body += "],\"model\":\"" + args.model + "\"}";
  return "POST /predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

size_t rest_answer_size(const Args& args);

void floors(Args& args) {
  size_t request = args.floor_request, answer = args.floor_answer;
  if (request == 0) request = rest_request(args).size();
  if (answer == 0) answer = rest_answer_size(args);
  if (answer == 0) answer = 160;  // no server to ask: about a /predict answer
  std::printf("floor: blocking ping-pong with a child process, %zu bytes out, %zu back\n", request, answer);
  Sample tcp = ping_pong(args, false, request, answer);
  std::vector<double> sorted = tcp.us;
  std::sort(sorted.begin(), sorted.end());
  tcp_floor_p50 = sorted[sorted.size() / 2];
  report("floor TCP loopback", tcp);
  Sample unix_pair = ping_pong(args, true, request, answer);
  sorted = unix_pair.us;
  std::sort(sorted.begin(), sorted.end());
  unix_floor_p50 = sorted[sorted.size() / 2];
  report("floor Unix socket", unix_pair);
}

double floor_of(const std::string& grpc_target) {
  return grpc_target.rfind("unix:", 0) == 0 ? unix_floor_p50 : tcp_floor_p50;
}

void in_process(const Args& args) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  if (ps_model_load_file(&model, args.model_file.c_str(), nullptr, err) != PS_OK) {
    std::fprintf(stderr, "load: %s\n", ps_error_message(err));
    std::exit(1);
  }
  double out = 0;
  Args no_server = args;  // no server takes part
  no_server.server_pid = 0;
  report("in-process predict_row", measure(no_server, [&] {
           ps_model_predict_row(&out, 1, model, args.features.data(), args.features.size(), nullptr, err);
         }));
  ps_model_free(model);
  ps_error_free(err);
}

void grpc_unary(const Args& args, const std::string& target) {
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                          channel_arguments(args));
  auto stub = fraud::v1::FraudScorer::NewStub(channel);
  fraud::v1::PredictRequest request;
  request.set_model(args.model);
  for (double f : args.features) request.add_features(f);
  std::string name = "grpc " + target;
  report(name.c_str(), measure(args, [&] {
           grpc::ClientContext context;
           set_deadline(args, context);
           fraud::v1::PredictResponse response;
           grpc::Status status = stub->Predict(&context, request, &response);
           if (!status.ok()) {
             std::fprintf(stderr, "grpc: %s\n", status.error_message().c_str());
             std::exit(1);
           }
         }), floor_of(target));
}

// The same call from a client that reuses one completion queue (the async stub), as a
// high-rate caller would, instead of the blocking stub's queue per call.
void grpc_unary_reused_queue(const Args& args, const std::string& target) {
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                          channel_arguments(args));
  auto stub = fraud::v1::FraudScorer::NewStub(channel);
  grpc::CompletionQueue queue;
  fraud::v1::PredictRequest request;
  request.set_model(args.model);
  for (double f : args.features) request.add_features(f);
  std::string name = "grpc async-client " + target;
  report(name.c_str(), measure(args, [&] {
           grpc::ClientContext context;
           set_deadline(args, context);
           fraud::v1::PredictResponse response;
           grpc::Status status;
           auto call = stub->AsyncPredict(&context, request, &queue);
           call->Finish(&response, &status, &queue);
           void* tag = nullptr;
           bool ok = false;
           if (!queue.Next(&tag, &ok) || !ok || !status.ok()) {
             std::fprintf(stderr, "grpc: %s\n", status.error_message().c_str());
             std::exit(1);
           }
         }), floor_of(target));
}

// The same call from the callback client (stub->async()): gRPC runs the callback on
// its own thread, which wakes this one.
void grpc_unary_callback(const Args& args, const std::string& target) {
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                          channel_arguments(args));
  auto stub = fraud::v1::FraudScorer::NewStub(channel);
  fraud::v1::PredictRequest request;
  request.set_model(args.model);
  for (double f : args.features) request.add_features(f);
  std::mutex mutex;
  std::condition_variable answered;
  std::string name = "grpc callback-client " + target;
  report(name.c_str(), measure(args, [&] {
           grpc::ClientContext context;
           set_deadline(args, context);
           fraud::v1::PredictResponse response;
           grpc::Status status;
           bool done = false;
           stub->async()->Predict(&context, &request, &response, [&](grpc::Status s) {
             std::lock_guard<std::mutex> lock(mutex);
             status = std::move(s);
             done = true;
             answered.notify_one();
           });
           std::unique_lock<std::mutex> lock(mutex);
           answered.wait(lock, [&] { return done; });
           if (!status.ok()) {
             std::fprintf(stderr, "grpc: %s\n", status.error_message().c_str());
             std::exit(1);
           }
         }), floor_of(target));
}

int connect_http(const Args& args) {
  size_t colon = args.http.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::stoi(args.http.substr(colon + 1)));
  inet_pton(AF_INET, args.http.substr(0, colon).c_str(), &address.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

// Sends one request and reads its response (headers, then Content-Length bytes) into
// `buffer`, which ends up holding the whole response.
void rest_exchange(int fd, const std::string& request, std::string& buffer) {
  if (send(fd, request.data(), request.size(), 0) != ssize_t(request.size())) std::exit(1);
  size_t header_end = std::string::npos, total = 0;
  buffer.clear();
  char chunk[4096];
  for (;;) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) std::exit(1);
    buffer.append(chunk, size_t(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      size_t length_at = buffer.find("Content-Length: ");
      if (length_at == std::string::npos) length_at = buffer.find("content-length: ");
      total = header_end + 4 + std::stoul(buffer.substr(length_at + 16));
      if (buffer.compare(0, 12, "HTTP/1.1 200") != 0) {
        std::fprintf(stderr, "rest: %s\n", buffer.c_str());
        std::exit(1);
      }
    }
    if (buffer.size() >= total) return;
  }
}

// The size of the REST answer, asked once; 0 without --http.
size_t rest_answer_size(const Args& args) {
  if (args.http.empty()) return 0;
  int fd = connect_http(args);
  std::string buffer;
  rest_exchange(fd, rest_request(args), buffer);
  close(fd);
  return buffer.size();
}

void rest_keep_alive(const Args& args) {
  int fd = connect_http(args);
  std::string request = rest_request(args), buffer;
  report("rest keep-alive /predict", measure(args, [&] { rest_exchange(fd, request, buffer); }), tcp_floor_p50);
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model-file") args.model_file = value;
    else if (flag == "--model") args.model = value;
    else if (flag == "--grpc") args.grpc.push_back(value);
    else if (flag == "--http") args.http = value;
    else if (flag == "--requests") args.requests = std::stoi(value);
    else if (flag == "--warmup") args.warmup = std::stoi(value);
    else if (flag == "--server-pid") args.server_pid = std::stol(value);
    else if (flag == "--clients") args.clients = value;
    else if (flag == "--tuned") args.tuned = value != "0";
    else if (flag == "--deadline-ms") args.deadline_ms = std::stoi(value);
    else if (flag == "--channel-arg") {  // KEY=VALUE
      size_t equals = value.find('=');
      if (equals == std::string::npos) {
        std::fprintf(stderr, "--channel-arg wants KEY=VALUE, got %s\n", value.c_str());
        return 2;
      }
      args.channel_args.emplace_back(value.substr(0, equals), value.substr(equals + 1));
    }
    else if (flag == "--floor-bytes") {  // REQUEST,ANSWER
      size_t comma = value.find(',');
      args.floor_request = std::stoul(value.substr(0, comma));
      args.floor_answer = comma == std::string::npos ? args.floor_request : std::stoul(value.substr(comma + 1));
    }
    else if (flag == "--features") {
      args.features.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        args.features.push_back(std::stod(value.substr(start, end - start)));
        start = end + 1;
      }
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  // As in polyscore-serve (src/server/main.cc): Debian's Abseil checks every mutex for
  // deadlocks unless told not to.
  if (args.tuned) absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  floors(args);  // first: fork before gRPC starts any thread
  if (!args.model_file.empty()) in_process(args);
  std::string clients = "," + args.clients + ",";
  auto wants = [&](const char* client) {
    return clients.find("," + std::string(client) + ",") != std::string::npos || clients == ",all," ||
           (clients == ",both," && std::string(client) != "callback");
  };
  if (wants("blocking")) {
    for (const auto& target : args.grpc) grpc_unary(args, target);
  }
  if (wants("async")) {
    for (const auto& target : args.grpc) grpc_unary_reused_queue(args, target);
  }
  if (wants("callback")) {
    for (const auto& target : args.grpc) grpc_unary_callback(args, target);
  }
  if (!args.http.empty()) rest_keep_alive(args);
  return 0;
}
