// The gRPC services, generated from proto/: fraud.v1.FraudScorer,
// polyscore.v1.ScoringService and inference.GRPCInferenceService (Open Inference
// Protocol). Synchronous handlers on gRPC's thread pool.
#ifndef POLYSCORE_SERVER_GRPC_SERVICES_H
#define POLYSCORE_SERVER_GRPC_SERVICES_H

#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include "service_core.h"

namespace polyscore::server {

// Registers every service on the builder; the returned objects must outlive the server.
std::vector<std::unique_ptr<grpc::Service>> make_grpc_services(ServiceCore& core);

}  // namespace polyscore::server

#endif
