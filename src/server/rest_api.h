// The REST endpoints: a request's method, target and body in, status and body out.
// Transport-free (http_server.cc carries it), so each route reads as what it answers.
//   POST /predict                                  fraud.v1 in JSON
//   POST /v1/predict                               polyscore.v1 batch in JSON
//   GET  /v1/models[/{name}[/versions/{v}]]        list, metadata
//   GET  /v2, /v2/health/live, /v2/health/ready    Open Inference Protocol ...
//   GET  /v2/models/{name}[/versions/{v}][/ready]
//   POST /v2/models/{name}[/versions/{v}]/infer
//   GET  /metrics                                  Prometheus
#ifndef POLYSCORE_SERVER_REST_API_H
#define POLYSCORE_SERVER_REST_API_H

#include <string>
#include <string_view>

#include "service_core.h"

namespace polyscore::server {

struct HttpAnswer {
  int status = 200;
  std::string body;
  const char* content_type = "application/json";
  // Set when body is a JSON header followed by binary tensors (Triton's binary extension):
  // the JSON's length, sent as Inference-Header-Content-Length.
  long long inference_header_length = -1;
};

// inference_header: the request's Inference-Header-Content-Length ("" if absent).
// arrival: when the request's header was read (the start of its queue and total time).
HttpAnswer handle_rest(ServiceCore& core, std::string_view method, std::string_view target,
                       std::string_view body, std::string_view inference_header = {},
                       Clock::time_point arrival = Clock::now());

}  // namespace polyscore::server

#endif
