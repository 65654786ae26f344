// One batch (default 1,000 rows) as a client sees it: over gRPC (polyscore.v1
// ScoringService.Predict, float64_values, blocking stub) and over REST (POST /v1/predict,
// float64_values in JSON, one keep-alive connection), beside the same
// ps_model_predict_dense call in-process and the time to move the same bytes over
// loopback TCP (a thread that reads the request's bytes and writes the answer's).
// Encode (doubles -> request bytes; wall-clock and this thread's CPU) and decode (answer
// bytes -> doubles) are timed on their own as well as inside the total, and the REST
// ratio to the in-process call is given both with the client's JSON encoding (client-seen)
// and without it.
//
//   polyscore_serve_batch --model-file PATH --model NAME --grpc HOST:PORT --http HOST:PORT
//       [--rows 1000] [--rounds 10] [--calls 20]
// Rounds alternate the transports (calls each), so machine load hits them alike; the
// table gives the median and the 10th-90th percentile of every call, in microseconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "polyscore/polyscore.h"
#include "polyscore/v1/scoring.grpc.pb.h"
#include "simdjson.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string model_file, model, grpc, http;
  int server_pid = 0;  // to read the server's CPU time from /proc
  size_t rows = 1000;
  int rounds = 10, calls = 20;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

// User + system CPU time of a process so far, in microseconds (0 without a pid).
double process_cpu_us(int pid) {
  if (pid <= 0) return 0;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) die("no /proc/" + std::to_string(pid) + "/stat");
  char text[4096];
  size_t n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  text[n] = 0;
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const char* p = std::strrchr(text, ')');
  unsigned long long utime = 0, stime = 0;
  if (!p || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    die("cannot read /proc stat");
  }
  return double(utime + stime) * 1e6 / double(sysconf(_SC_CLK_TCK));
}

// This thread's CPU time so far, in microseconds.
double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e6 + double(t.tv_nsec) / 1e3;
}

double us_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// Samples of one measured quantity over all rounds.
struct Series {
  std::string name;
  std::vector<double> us;
  double at(double q) const {
    std::vector<double> v = us;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * v.size()))];
  }
};

int connect_to(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::stoi(host_port.substr(colon + 1)));
  inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &address.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("connect " + host_port);
  return fd;
}

void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, 0);
    if (n <= 0) die("send");
    data += n;
    size -= size_t(n);
  }
}

void recv_exactly(int fd, std::string& buffer, size_t size) {
  buffer.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = recv(fd, buffer.data() + got, size - got, 0);
    if (n <= 0) die("recv");
    got += size_t(n);
  }
}

// Loopback TCP with nothing else: a thread reads request_bytes and answers answer_bytes,
// on one kept connection; move() is one such exchange as the client sees it.
class LoopbackSink {
 public:
  LoopbackSink(size_t request_bytes, size_t answer_bytes)
      : request_(request_bytes, 'q'), answer_(answer_bytes, 'a') {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      die("loopback listener");
    }
    thread_ = std::thread([this, listener] {
      int fd = accept(listener, nullptr, nullptr);
      close(listener);
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::string in;
      for (;;) {
        in.resize(request_.size());
        size_t got = 0;
        while (got < request_.size()) {
          ssize_t n = recv(fd, in.data() + got, request_.size() - got, 0);
          if (n <= 0) { close(fd); return; }
          got += size_t(n);
        }
        send_all(fd, answer_.data(), answer_.size());
      }
    });
    fd_ = connect_to("127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  }
  ~LoopbackSink() {
    close(fd_);
    thread_.join();
  }
  void move() {
    send_all(fd_, request_.data(), request_.size());
    recv_exactly(fd_, buffer_, answer_.size());
  }

 private:
  std::string request_, answer_, buffer_;
  std::thread thread_;
  int fd_ = -1;
};

// A REST request as a careful client writes it: each double in shortest round-trip form
// (std::to_chars) straight into a buffer kept across calls and sized once for the
// longest numbers, then the HTTP head written just before the body (its Content-Length
// is known only then), so the request's bytes are written once and never copied or
// reallocated. The view returned stays valid until the next encode.
class RestEncoder {
 public:
  std::string_view encode(const Args& args, const std::vector<double>& x, size_t cols) {
    constexpr size_t kHeadRoom = 256;  // the HTTP head below, with a 20-digit length
    constexpr size_t kMaxNumber = 24;  // "-2.2250738585072014e-308"
    std::string prefix = "{\"model\":\"" + args.model + "\",\"rows\":" + std::to_string(args.rows) +
                         ",\"cols\":" + std::to_string(cols) + ",\"float64_values\":[";
    buffer_.resize(kHeadRoom + prefix.size() + x.size() * (kMaxNumber + 1) + 2);  // no-op after the first call
    char* body = buffer_.data() + kHeadRoom;
    char* p = body;
    std::memcpy(p, prefix.data(), prefix.size());
    p += prefix.size();
    for (size_t i = 0; i < x.size(); ++i) {
      if (i) *p++ = ',';
      if (std::isnan(x[i])) {
        std::memcpy(p, "null", 4);
        p += 4;
      } else {
        auto [end, ec] = std::to_chars(p, p + kMaxNumber, x[i]);
        if (ec != std::errc()) die("to_chars: no room for " + std::to_string(x[i]));
        p = end;
      }
    }
    *p++ = ']';
    *p++ = '}';
    char head[kHeadRoom];
    int head_size = std::snprintf(head, sizeof head,
                                  "POST /v1/predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                                  "Content-Length: %zu\r\n\r\n",
                                  size_t(p - body));
    char* start = body - head_size;
    std::memcpy(start, head, size_t(head_size));
    return {start, size_t(p - start)};
  }

 private:
  std::string buffer_;
};

// Reads one HTTP answer (headers, then Content-Length bytes) into `buffer`; returns where
// the body starts.
size_t read_http_answer(int fd, std::string& buffer) {
  buffer.clear();
  size_t header_end = std::string::npos, total = 0;
  char chunk[65536];
  for (;;) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) die("recv http");
    buffer.append(chunk, size_t(n));
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      size_t at = buffer.find("Content-Length: ");
      if (at == std::string::npos) at = buffer.find("content-length: ");
      if (at == std::string::npos) die("no Content-Length");
      total = header_end + 4 + std::stoul(buffer.substr(at + 16));
      if (buffer.compare(0, 12, "HTTP/1.1 200") != 0) die("rest: " + buffer);
    }
    if (buffer.size() >= total) return header_end + 4;
  }
}

// The "values" of a /v1/predict answer.
void decode_rest_values(simdjson::ondemand::parser& parser, simdjson::padded_string_view json,
                        std::vector<double>& out) {
  out.clear();
  simdjson::ondemand::document doc = parser.iterate(json);
  for (auto v : doc["values"].get_array()) {
    double d;
    out.push_back(v.get_double().get(d) ? std::nan("") : d);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model-file") args.model_file = value;
    else if (flag == "--model") args.model = value;
    else if (flag == "--grpc") args.grpc = value;
    else if (flag == "--http") args.http = value;
    else if (flag == "--rows") args.rows = std::stoul(value);
    else if (flag == "--server-pid") args.server_pid = std::stoi(value);
    else if (flag == "--rounds") args.rounds = std::stoi(value);
    else if (flag == "--calls") args.calls = std::stoi(value);
    else die("unknown flag " + flag);
  }

  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  if (ps_model_load_file(&model, args.model_file.c_str(), nullptr, err) != PS_OK) die(ps_error_message(err));
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, model, err) != PS_OK) die(ps_error_message(err));
  const size_t cols = info.num_features;
  // Standard normal features with 5% missing, as bench/make_models.py trains on.
  std::vector<double> x(args.rows * cols);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit;
  for (double& v : x) v = unit(rng) < 0.05 ? std::nan("") : normal(rng);
  size_t out_per_row = 0;
  if (ps_model_output_size(&out_per_row, model, 1, nullptr, err) != PS_OK) die(ps_error_message(err));
  std::vector<double> expected(args.rows * out_per_row), out;

  // gRPC
  auto channel = grpc::CreateCustomChannel(args.grpc, grpc::InsecureChannelCredentials(), [] {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(-1);
    return channel_args;
  }());
  auto stub = polyscore::v1::ScoringService::NewStub(channel);
  auto grpc_request = [&] {
    polyscore::v1::PredictRequest request;
    request.set_model(args.model);
    request.set_rows(args.rows);
    request.set_cols(cols);
    request.mutable_float64_values()->Add(x.begin(), x.end());
    return request;
  };
  polyscore::v1::PredictResponse grpc_answer;
  std::string grpc_request_bytes = grpc_request().SerializeAsString(), grpc_answer_bytes;

  // REST
  int http_fd = connect_to(args.http);
  std::string http_buffer;
  simdjson::ondemand::parser json_parser;
  RestEncoder rest_encoder;
  std::string_view rest_request = rest_encoder.encode(args, x, cols);
  send_all(http_fd, rest_request.data(), rest_request.size());
  size_t body_at = read_http_answer(http_fd, http_buffer);
  std::string rest_answer_bytes = http_buffer;  // status line, headers and body
  rest_answer_bytes.reserve(rest_answer_bytes.size() + simdjson::SIMDJSON_PADDING);

  Series lib{"in-process ps_model_predict_dense", {}};
  Series grpc_total{"gRPC polyscore.v1 Predict, client-seen", {}}, grpc_encode{"  encode (build + serialize)", {}},
      grpc_encode_cpu{"  encode, this thread's CPU", {}}, grpc_decode{"  decode (parse + copy out)", {}}, grpc_wire{"  loopback transfer of its bytes", {}};
  Series rest_total{"REST POST /v1/predict, client-seen", {}}, rest_encode{"  encode (JSON, to_chars, reused buffer)", {}},
      rest_encode_cpu{"  encode, this thread's CPU", {}}, rest_decode{"  decode (simdjson on-demand)", {}}, rest_wire{"  loopback transfer of its bytes", {}};

  auto grpc_call = [&] {  // doubles in, doubles out
    polyscore::v1::PredictRequest request = grpc_request();
    grpc::ClientContext context;
    grpc::Status status = stub->Predict(&context, request, &grpc_answer);
    if (!status.ok()) die("grpc: " + status.error_message());
    out.assign(grpc_answer.values().begin(), grpc_answer.values().end());
  };
  auto rest_call = [&] {
    std::string_view request = rest_encoder.encode(args, x, cols);
    send_all(http_fd, request.data(), request.size());
    size_t at = read_http_answer(http_fd, http_buffer);
    http_buffer.reserve(http_buffer.size() + simdjson::SIMDJSON_PADDING);
    decode_rest_values(json_parser, simdjson::padded_string_view(http_buffer.data() + at, http_buffer.size() - at,
                                                                  http_buffer.capacity() - at), out);
  };
  // Check the answers once: the same doubles as in-process, over both.
  if (ps_model_predict_dense(expected.data(), expected.size(), model, x.data(), PS_DTYPE_FLOAT64, args.rows, cols,
                             nullptr, err) != PS_OK) {
    die(ps_error_message(err));
  }
  for (auto& call : std::vector<std::function<void()>>{grpc_call, rest_call}) {
    call();
    if (out.size() != expected.size() || std::memcmp(out.data(), expected.data(), out.size() * 8) != 0) {
      die("an answer differs from the in-process scores");
    }
  }
  grpc_answer_bytes = grpc_answer.SerializeAsString();
  LoopbackSink grpc_sink(grpc_request_bytes.size(), grpc_answer_bytes.size());
  LoopbackSink rest_sink(rest_request.size(), rest_answer_bytes.size());

  double grpc_server_cpu = 0, rest_server_cpu = 0, in_process_cpu = 0;  // over the measured rounds
  int measured_calls = 0;
  auto timed = [](Series& series, const std::function<void()>& f) {
    auto start = Clock::now();
    f();
    series.us.push_back(us_since(start));
  };
  // Wall-clock and this thread's CPU time (which does not count waiting for a core).
  auto timed_cpu = [](Series& wall, Series& cpu, const std::function<void()>& f) {
    double cpu_start = thread_cpu_us();
    auto start = Clock::now();
    f();
    wall.us.push_back(us_since(start));
    cpu.us.push_back(thread_cpu_us() - cpu_start);
  };
  for (int round = 0; round < args.rounds + 1; ++round) {  // round 0 warms up
    std::vector<Series*> all{&lib,        &grpc_total,  &grpc_encode,     &grpc_encode_cpu, &grpc_decode,
                             &grpc_wire,  &rest_total,  &rest_encode,     &rest_encode_cpu, &rest_decode,
                             &rest_wire};
    std::vector<size_t> sizes;
    for (Series* s : all) sizes.push_back(s->us.size());
    double own_cpu = process_cpu_us(getpid());  // with the library's worker threads
    for (int i = 0; i < args.calls; ++i) {
      timed(lib, [&] {
        ps_model_predict_dense(expected.data(), expected.size(), model, x.data(), PS_DTYPE_FLOAT64, args.rows, cols,
                               nullptr, err);
      });
    }
    if (round > 0) in_process_cpu += process_cpu_us(getpid()) - own_cpu;
    double cpu = process_cpu_us(args.server_pid);
    for (int i = 0; i < args.calls; ++i) timed(grpc_total, grpc_call);
    if (round > 0) grpc_server_cpu += process_cpu_us(args.server_pid) - cpu;
    for (int i = 0; i < args.calls; ++i) {
      timed_cpu(grpc_encode, grpc_encode_cpu, [&] { grpc_request().SerializeToString(&grpc_request_bytes); });
    }
    for (int i = 0; i < args.calls; ++i) {
      timed(grpc_decode, [&] {
        grpc_answer.ParseFromString(grpc_answer_bytes);
        out.assign(grpc_answer.values().begin(), grpc_answer.values().end());
      });
    }
    for (int i = 0; i < args.calls; ++i) timed(grpc_wire, [&] { grpc_sink.move(); });
    cpu = process_cpu_us(args.server_pid);
    for (int i = 0; i < args.calls; ++i) timed(rest_total, rest_call);
    if (round > 0) rest_server_cpu += process_cpu_us(args.server_pid) - cpu;
    if (round > 0) measured_calls += args.calls;
    for (int i = 0; i < args.calls; ++i) {
      timed_cpu(rest_encode, rest_encode_cpu, [&] { rest_request = rest_encoder.encode(args, x, cols); });
    }
    for (int i = 0; i < args.calls; ++i) {
      timed(rest_decode, [&] {
        decode_rest_values(json_parser, simdjson::padded_string_view(rest_answer_bytes.data() + body_at,
                                                                     rest_answer_bytes.size() - body_at,
                                                                     rest_answer_bytes.capacity() - body_at), out);
      });
    }
    for (int i = 0; i < args.calls; ++i) timed(rest_wire, [&] { rest_sink.move(); });
    if (round == 0) {
      for (size_t k = 0; k < all.size(); ++k) all[k]->us.resize(sizes[k]);
    }
  }
  close(http_fd);

  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("%zu rows x %zu features, %u trees; %d rounds x %d calls; load average %.2f %.2f %.2f\n", args.rows,
              cols, info.num_trees, args.rounds, args.calls, load[0], load[1], load[2]);
  std::printf("bytes: gRPC request %zu, answer %zu (protobuf); REST request %zu, answer %zu (HTTP + JSON)\n",
              grpc_request_bytes.size(), grpc_answer_bytes.size(), rest_request.size(), rest_answer_bytes.size());
  std::printf("%-42s %10s %22s\n", "", "p50 us", "p10-p90 us");
  for (const Series* s : {&lib, &grpc_total, &grpc_encode, &grpc_encode_cpu, &grpc_decode, &grpc_wire, &rest_total,
                          &rest_encode, &rest_encode_cpu, &rest_decode, &rest_wire}) {
    std::printf("%-42s %10.0f %10.0f - %-10.0f\n", s->name.c_str(), s->at(0.5), s->at(0.1), s->at(0.9));
  }
  double in_process = lib.at(0.5);
  auto summary = [&](const char* name, const Series& total, const Series& encode, const Series& decode,
                     const Series& wire) {
    double bound = 2 * in_process + wire.at(0.5);
    // Both ways: as the client sees it (its own encoding included), and without the
    // client's encoding, which is the client's work, not the server's.
    double seen = total.at(0.5), without_encode = total.at(0.5) - encode.at(0.5);
    std::printf("%s: client-seen %.0f us = %.2fx in-process, without the client's encode %.0f us = %.2fx; "
                "target 2 x in-process + loopback = %.0f us: client-seen %s, without encode %s; "
                "end to end minus the library call %.0f us (minus encode, decode and transfer too: %.0f us)\n",
                name, seen, seen / in_process, without_encode, without_encode / in_process, bound,
                seen <= bound ? "met" : "NOT met", without_encode <= bound ? "met" : "NOT met", seen - in_process,
                seen - in_process - encode.at(0.5) - decode.at(0.5) - wire.at(0.5));
  };
  summary("gRPC", grpc_total, grpc_encode, grpc_decode, grpc_wire);
  summary("REST", rest_total, rest_encode, rest_decode, rest_wire);
  if (args.server_pid > 0) {  // CPU time does not count waiting for a core, unlike the wall-clock above
    // At least one 10 ms tick: a very short run may not see one.
    double lib_cpu = std::max(in_process_cpu, 1e4) / measured_calls;
    std::printf("CPU per call (all threads; /proc, 10 ms ticks over %d calls): in-process %.0f us (%.2f us/row); "
                "server gRPC %.0f us (%.2f us/row), REST %.0f us (%.2f us/row); server's own (minus in-process): "
                "gRPC %.0f us, REST %.0f us; server CPU / in-process CPU: gRPC %.2fx, REST %.2fx\n",
                measured_calls, lib_cpu, lib_cpu / double(args.rows), grpc_server_cpu / measured_calls,
                grpc_server_cpu / measured_calls / double(args.rows), rest_server_cpu / measured_calls,
                rest_server_cpu / measured_calls / double(args.rows), grpc_server_cpu / measured_calls - lib_cpu,
                rest_server_cpu / measured_calls - lib_cpu, grpc_server_cpu / measured_calls / lib_cpu,
                rest_server_cpu / measured_calls / lib_cpu);
  }
  ps_model_free(model);
  ps_error_free(err);
  return 0;
}
