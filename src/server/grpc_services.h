// The gRPC services, generated from proto/: fraud.v1.FraudScorer,
// polyscore.v1.ScoringService and inference.GRPCInferenceService (Open Inference
// Protocol). Synchronous handlers on gRPC's thread pool, except FraudScorer (below).
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

// Every gRPC service of the server. fraud.v1.FraudScorer.Predict, the one-row call
// whose latency matters most, runs on the async API: each completion-queue thread polls
// and scores the calls it receives itself, with no hand-off to another thread.
class GrpcServices {
 public:
  GrpcServices(ServiceCore& core, int fraud_threads);
  ~GrpcServices();
  GrpcServices(const GrpcServices&) = delete;
  GrpcServices& operator=(const GrpcServices&) = delete;

  void register_on(grpc::ServerBuilder& builder);  // before BuildAndStart
  void start();                                    // after BuildAndStart
  void stop();                                     // after grpc::Server::Shutdown returned

 private:
  ServiceCore& core_;
  std::vector<std::unique_ptr<grpc::Service>> sync_services_;
  std::unique_ptr<fraud::v1::FraudScorer::AsyncService> fraud_async_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  int fraud_threads_;
  bool stopped_ = false;
};

}  // namespace polyscore::server

#endif
