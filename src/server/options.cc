#include "options.h"

#include <charconv>
#include <cstring>

namespace polyscore::server {

const char kServeUsage[] =
    "usage: polyscore serve --models DIR [--grpc HOST:PORT] [--grpc-unix PATH] [--http HOST:PORT]\n"
    "                       [--poll-seconds N] [--max-body-bytes N] [--max-rows N]\n"
    "                       [--max-answer-bytes N] [--max-concurrent N] [--read-timeout-ms N] [--drain-seconds N]\n"
    "                       [--http-threads N] [--grpc-fraud-threads N]\n"
    "                       [--model-control poll|explicit]\n"
    "\n"
    "Serves the models under DIR (DIR/<name>/<version>/model.{json,ubj,txt} or DIR/<name>.json)\n"
    "over gRPC (fraud.v1, polyscore.v1, inference = Open Inference Protocol) and REST.\n"
    "Port 0 picks a free port; the log line \"serving\" says which. SIGHUP reloads the models,\n"
    "SIGTERM drains in-flight requests (up to --drain-seconds) and exits.\n"
    "Defaults: --http 127.0.0.1:8080 --grpc 127.0.0.1:50051 when neither is given,\n"
    "--poll-seconds 10, --max-body-bytes 16777216, --max-rows 100000,\n"
    "--max-answer-bytes 268435456, --max-concurrent 64,\n"
    "--read-timeout-ms 30000, --drain-seconds 10, --http-threads 2,\n"
    "--grpc-fraud-threads 1 (threads that poll for and score fraud.v1 calls).\n"
    "--model-control poll (default): the server follows DIR (start, SIGHUP, --poll-seconds);\n"
    "the repository API's index answers, its load and unload are refused. explicit: any\n"
    "client that reaches the server may load and unload the models under DIR (POST\n"
    "/v2/repository/models/NAME/load|unload, gRPC RepositoryModelLoad/Unload); polling is\n"
    "off unless --poll-seconds is given. Every model under DIR is loaded at start.\n";

namespace {

bool parse_int(const char* text, long long min, long long max, long long* out) {
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, *out);
  return ec == std::errc() && ptr == end && *out >= min && *out <= max;
}

}  // namespace

bool parse_serve_options(int argc, char** argv, ServeOptions* options, std::string* error) {
  for (int i = 0; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      *error = flag.rfind("--", 0) == 0 ? flag + " needs a value" : "unexpected argument " + flag;
      return false;
    }
    const char* value = argv[++i];
    long long n = 0;
    auto number = [&](long long min, long long max) {
      if (!parse_int(value, min, max, &n)) {
        *error = flag + " wants a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max) + ", got " + value;
        return false;
      }
      return true;
    };
    if (flag == "--models") options->models_dir = value;
    else if (flag == "--grpc") options->grpc_address = value;
    else if (flag == "--grpc-unix") options->grpc_unix = value;
    else if (flag == "--http") options->http_address = value;
    else if (flag == "--poll-seconds") { if (!number(0, 86400)) return false; options->poll_seconds = int(n); }
    else if (flag == "--max-body-bytes") { if (!number(1, 1LL << 31)) return false; options->limits.max_body_bytes = size_t(n); }
    else if (flag == "--max-rows") { if (!number(1, 1LL << 30)) return false; options->limits.max_rows = size_t(n); }
    else if (flag == "--max-answer-bytes") { if (!number(1, 1LL << 40)) return false; options->limits.max_answer_bytes = size_t(n); }
    else if (flag == "--max-concurrent") { if (!number(1, 1 << 20)) return false; options->limits.max_concurrent = int(n); }
    else if (flag == "--read-timeout-ms") { if (!number(1, 3600000)) return false; options->read_timeout_ms = int(n); }
    else if (flag == "--drain-seconds") { if (!number(0, 3600)) return false; options->drain_seconds = int(n); }
    else if (flag == "--http-threads") { if (!number(1, 256)) return false; options->http_threads = int(n); }
    else if (flag == "--model-control") {
      std::string mode = value;
      if (mode != "poll" && mode != "explicit") {
        *error = "--model-control wants poll or explicit, got " + mode;
        return false;
      }
      options->model_control_explicit = mode == "explicit";
    }
    else if (flag == "--grpc-fraud-threads") { if (!number(1, 256)) return false; options->grpc_fraud_threads = int(n); }
    else {
      *error = "unknown option " + flag;
      return false;
    }
  }
  if (options->poll_seconds < 0) options->poll_seconds = options->model_control_explicit ? 0 : 10;
  if (options->models_dir.empty()) {
    *error = "--models DIR is required";
    return false;
  }
  if (options->grpc_address.empty() && options->grpc_unix.empty() && options->http_address.empty()) {
    options->grpc_address = "127.0.0.1:50051";
    options->http_address = "127.0.0.1:8080";
  }
  return true;
}

}  // namespace polyscore::server
