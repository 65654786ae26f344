// The gRPC services, generated from proto/: fraud.v1.FraudScorer,
// polyscore.v1.ScoringService and inference.GRPCInferenceService (Open Inference
// Protocol). Synchronous handlers on gRPC's thread pool, except the one-row calls
// (below).
#ifndef POLYSCORE_SERVER_GRPC_SERVICES_H
#define POLYSCORE_SERVER_GRPC_SERVICES_H

#include <memory>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include "fraud/v1/fraud.grpc.pb.h"
#include "service_core.h"

namespace polyscore::server {

// Which gRPC server API answers fraud.v1.FraudScorer.Predict and
// polyscore.v1.ScoringService.Predict (--grpc-unary-api).
enum class GrpcUnaryApi {
  // FraudScorer.Predict on the async API: each of fraud_threads completion-queue threads
  // polls and scores the calls it receives itself; ScoringService.Predict synchronous.
  kAsync,
  // Both on the callback API: gRPC runs the handler on the thread that read the call.
  kCallback,
};

// Every gRPC service of the server; the one-row calls, whose latency matters most, on
// the API unary_api names.
class GrpcServices {
 public:
  GrpcServices(ServiceCore& core, GrpcUnaryApi unary_api, int fraud_threads);
  ~GrpcServices();
  GrpcServices(const GrpcServices&) = delete;
  GrpcServices& operator=(const GrpcServices&) = delete;

  void register_on(grpc::ServerBuilder& builder);  // before BuildAndStart
  void start();                                    // after BuildAndStart
  void stop();                                     // after grpc::Server::Shutdown returned

 private:
  ServiceCore& core_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<fraud::v1::FraudScorer::AsyncService> fraud_async_;  // kAsync only
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  int fraud_threads_;  // 0 with kCallback
  bool stopped_ = false;
};

}  // namespace polyscore::server

#endif
