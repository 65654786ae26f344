// The command line of polyscore-serve (and `polyscore serve`).
#ifndef POLYSCORE_SERVER_OPTIONS_H
#define POLYSCORE_SERVER_OPTIONS_H

#include <string>

#include "service_core.h"

namespace polyscore::server {

struct ServeOptions {
  std::string models_dir;
  std::string grpc_address;  // HOST:PORT
  std::string grpc_unix;     // a socket path
  std::string http_address;  // HOST:PORT
  int http_threads = 2;
  // One by default: on a small machine a second polling thread measured slower.
  int grpc_fraud_threads = 1;
  int poll_seconds = -1;     // 0 = reload only on SIGHUP; -1 = 10, or 0 with explicit control
  // --model-control explicit: clients may load and unload models (Triton's mode name).
  bool model_control_explicit = false;
  int read_timeout_ms = 30000;
  int drain_seconds = 10;
  Limits limits;
};

extern const char kServeUsage[];

// Parses argv (after the program name); on a bad command line returns false with *error set.
bool parse_serve_options(int argc, char** argv, ServeOptions* options, std::string* error);

}  // namespace polyscore::server

#endif
