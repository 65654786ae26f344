#include "grpc_services.h"

#include <cstring>
#include <optional>

#include "categorical_features.h"
#include "errors.h"
#include "fraud/v1/fraud.grpc.pb.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "named_rows.h"
#include "output_kind.h"
#include "polyscore/v1/scoring.grpc.pb.h"
#include "repository_api.h"
#include "scorer.h"
#include "shap_algorithm.h"
#include "valid_utf8.h"

namespace polyscore::server {
namespace {

grpc::StatusCode grpc_code_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest: return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorKind::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case ErrorKind::kNotReady: return grpc::StatusCode::UNAVAILABLE;
    case ErrorKind::kTooLarge: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorKind::kOverloaded: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorKind::kFailedPrecondition: return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorKind::kDeadlineExceeded: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case ErrorKind::kInternal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

const char* grpc_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    default: return "INTERNAL";
  }
}

struct Call {
  const char* endpoint;
  std::string model;
  double scoring_seconds = 0;
  RequestClock clock;  // arrival: when the handler got the call from gRPC
};

// Runs one RPC body: admission, deadline, errors to statuses, metrics.
template <typename Body>
grpc::Status serve(ServiceCore& core, grpc::ServerContext* context, const char* endpoint, bool scoring,
                   Body body) {
  Call call{endpoint, "", 0, {}};
  auto start = call.clock.arrival;
  grpc::Status status;
  try {
    std::optional<AdmissionSlot> slot;
    if (scoring) {
      slot.emplace(core.admission);
      if (!slot->held()) {
        fail(ErrorKind::kOverloaded, "too many requests in flight (--max-concurrent " +
                                         std::to_string(core.admission.limit()) + ")");
      }
    }
    if (context->deadline() < std::chrono::system_clock::now()) {
      fail(ErrorKind::kDeadlineExceeded, "the request's deadline passed before it was scored");
    }
    body(call);
  } catch (const ServeError& e) {
    status = grpc::Status(grpc_code_of(e.kind()), e.what());
  } catch (const std::bad_alloc&) {
    status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "out of memory");
  }
  auto snapshot = core.repository.snapshot();
  if (!snapshot->models.count(call.model)) call.model.clear();  // no label per unknown name
  core.metrics.record(call.endpoint, call.model, grpc_code_name(status.error_code()),
                      seconds_since(start), call.scoring_seconds, call.clock.queue_seconds);
  return status;
}

// The PS_SHAP_* a request asks for (wire::kNotNamed: the model's configured default); a number the
// schema does not define is a 400.
int32_t shap_algorithm_of(polyscore::v1::ShapAlgorithm algorithm) {
  int32_t shap_algorithm = 0;
  if (!wire::shap_algorithm_of(algorithm, &shap_algorithm)) {
    fail(ErrorKind::kBadRequest, "unknown shap_algorithm " + std::to_string(algorithm) + " (" +
                                     wire::kShapAlgorithmEnumNames + ")");
  }
  return shap_algorithm;
}

// The PS_OUTPUT_* a request asks for (wire::kNotNamed: the model's default); an undefined kind is a 400.
int32_t output_of(polyscore::v1::OutputKind kind) {
  int32_t output = 0;
  if (!wire::output_of(kind, &output)) fail(ErrorKind::kBadRequest, "unknown output kind " + std::to_string(kind));
  return output;
}

using feature_columns::valid_utf8;
using wire::kind_of;

polyscore::v1::CategoryKind category_kind(int32_t kind) {
  static_assert(int32_t{polyscore::v1::CATEGORY_KIND_STRING} == int32_t{PS_CATEGORY_STRING} &&
                    int32_t{polyscore::v1::CATEGORY_KIND_BOOLEAN} == int32_t{PS_CATEGORY_BOOLEAN} &&
                    int32_t{polyscore::v1::CATEGORY_KIND_MIXED} == 5,
                "category_kind_number (categorical_features.cc) numbers kinds as the proto does");
  return static_cast<polyscore::v1::CategoryKind>(category_kind_number(kind));
}

void predict_batch(ServiceCore& core, const polyscore::v1::PredictRequest& request,
                   polyscore::v1::PredictResponse* response, Call& call) {
  call.model = request.model();
  auto model = core.repository.snapshot()->resolve(request.model(), request.version());
  bool has32 = request.float32_values_size() > 0, has64 = request.float64_values_size() > 0;
  if (has32 && has64) fail(ErrorKind::kBadRequest, "give one of float32_values and float64_values, not both");
  Batch batch;
  batch.rows = request.rows();
  batch.cols = request.cols();
  std::vector<double> named_values;  // named_rows in the model's feature order
  if (request.named_rows_size() > 0) {
    if (has32 || has64 || request.rows() || request.cols()) {
      fail(ErrorKind::kBadRequest, "give either named_rows or rows, cols and a value field, not both");
    }
    std::vector<NamedRow> rows(request.named_rows_size());
    for (int r = 0; r < request.named_rows_size(); ++r) {
      const polyscore::v1::NamedRow& row = request.named_rows(r);
      rows[r].numbers.assign(row.features().begin(), row.features().end());
      rows[r].categories.assign(row.categories().begin(), row.categories().end());
    }
    named_values = lay_out_named_rows(*model, rows, "named_rows");
    batch.rows = rows.size();
    batch.cols = model->info().num_features;
    batch.set_values(named_values.data(), named_values.size());
  } else if (has32) {
    batch.set_values(request.float32_values().data(), request.float32_values_size());
  } else {
    batch.set_values(request.float64_values().data(), request.float64_values_size());
  }
  ScoreOptions options{output_of(request.output()), request.iterations().begin(),
                       request.iterations().end(), request.base_margin().data(),
                       static_cast<size_t>(request.base_margin_size()),
                       shap_algorithm_of(request.shap_algorithm())};
  auto start = call.clock.scoring_starts();
  Scores scores = score(*model, batch, options, core.limits);
  call.scoring_seconds += seconds_since(start);
  response->set_model(model->name());
  response->set_version(model->version());
  response->set_rows(batch.rows);
  response->set_cols(scores.values_per_row);
  response->set_output(kind_of(scores.output));
  response->mutable_values()->Assign(scores.values.begin(), scores.values.end());
}

// fraud.v1.FraudScorer.Predict: one row, one score, a label from the model's config.
grpc::Status fraud_predict(ServiceCore& core, grpc::ServerContext* context,
                           const fraud::v1::PredictRequest& request, fraud::v1::PredictResponse* response) {
  return serve(core, context, "grpc_fraud_predict", true, [&](Call& call) {
    call.model = request.model();
    auto model = core.repository.snapshot()->resolve(request.model(), "");
    Batch batch{request.features().data(), PS_DTYPE_FLOAT64, 1,
                static_cast<size_t>(request.features_size()),
                static_cast<size_t>(request.features_size())};
    std::vector<double> named_values;  // named_features in the model's feature order
    if (request.named_features_size() > 0 || request.named_categories_size() > 0) {
      if (request.features_size() > 0) {
        fail(ErrorKind::kBadRequest, "give one of features and named_features (with named_categories), not both");
      }
      NamedRow row;
      row.numbers.assign(request.named_features().begin(), request.named_features().end());
      row.categories.assign(request.named_categories().begin(), request.named_categories().end());
      named_values = lay_out_named_row(*model, row, "named_features");
      batch = Batch{named_values.data(), PS_DTYPE_FLOAT64, 1, named_values.size(), named_values.size()};
    }
    auto start = call.clock.scoring_starts();
    FraudScore fraud = fraud_score(*model, batch, core.limits, "FraudScorer answers models with one score");
    call.scoring_seconds = seconds_since(start);
    response->set_score(fraud.score);
    if (fraud.label) response->set_label(*fraud.label);
    response->set_model_version(model->version());
  });
}

// One FraudScorer.Predict call on the async API: asks for a call, scores it on the
// completion-queue thread that received it, answers, and deletes itself.
class AsyncFraudCall {
 public:
  AsyncFraudCall(ServiceCore& core, fraud::v1::FraudScorer::AsyncService& service,
                 grpc::ServerCompletionQueue* cq)
      : core_(core), service_(service), cq_(cq), responder_(&context_) {
    service_.RequestPredict(&context_, &request_, &responder_, cq_, cq_, this);
  }

  // Called with the tag's result from the completion queue.
  void proceed(bool ok) {
    if (answered_ || !ok) {  // the answer is sent, or the server is shutting down
      delete this;
      return;
    }
    new AsyncFraudCall(core_, service_, cq_);  // be ready for the next call first
    grpc::Status status = fraud_predict(core_, &context_, request_, &response_);
    answered_ = true;
    if (status.ok()) responder_.Finish(response_, status, this);
    else responder_.FinishWithError(status, this);
  }

 private:
  ServiceCore& core_;
  fraud::v1::FraudScorer::AsyncService& service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  fraud::v1::PredictRequest request_;
  fraud::v1::PredictResponse response_;
  grpc::ServerAsyncResponseWriter<fraud::v1::PredictResponse> responder_;
  bool answered_ = false;
};

class ScoringService final : public polyscore::v1::ScoringService::Service {
 public:
  explicit ScoringService(ServiceCore& core) : core_(core) {}

  grpc::Status Predict(grpc::ServerContext* context, const polyscore::v1::PredictRequest* request,
                       polyscore::v1::PredictResponse* response) override {
    return serve(core_, context, "grpc_v1_predict", true,
                 [&](Call& call) { predict_batch(core_, *request, response, call); });
  }

  grpc::Status PredictStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<polyscore::v1::PredictStreamResponse,
                               polyscore::v1::PredictStreamRequest>* stream) override {
    polyscore::v1::PredictStreamRequest request;
    while (stream->Read(&request)) {
      polyscore::v1::PredictStreamResponse response;
      response.set_sequence(request.sequence());
      grpc::Status status = serve(core_, context, "grpc_v1_predict_stream", true, [&](Call& call) {
        predict_batch(core_, request.request(), response.mutable_response(), call);
      });
      if (!status.ok()) {
        response.clear_response();
        response.set_error_code(status.error_code());
        response.set_error_message(status.error_message());
      }
      if (!stream->Write(response)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status GetModelMetadata(grpc::ServerContext* context,
                                const polyscore::v1::GetModelMetadataRequest* request,
                                polyscore::v1::GetModelMetadataResponse* response) override {
    return serve(core_, context, "grpc_v1_metadata", false, [&](Call& call) {
      call.model = request->model();
      auto snapshot = core_.repository.snapshot();
      auto model = snapshot->resolve(request->model(), request->version());
      const ps_model_info& info = model->info();
      response->set_model(model->name());
      response->set_version(model->version());
      for (const auto& loaded : snapshot->models.at(model->name()).versions) {
        response->add_versions(loaded->version());
      }
      response->set_format(format_name(info.format));
      // A proto3 string must be UTF-8 (a client refuses the whole answer otherwise), and
      // a model file's texts need not be.
      response->set_objective(valid_utf8(info.objective));
      response->set_booster(valid_utf8(info.booster));
      response->set_num_features(info.num_features);
      for (const auto& name : model->feature_names()) response->add_feature_names(valid_utf8(name));
      response->set_num_outputs(info.num_outputs);
      response->set_num_margins(info.num_margins);
      response->set_num_trees(info.num_trees);
      response->set_num_iterations(info.num_iterations);
      response->set_default_output(kind_of(model->config().default_output));
      response->set_default_shap_algorithm(wire::algorithm_of(model->config().shap_algorithm));
      for (const auto& label : model->config().labels) response->add_labels(label);
      response->set_threshold(model->config().threshold);
      for (const CategoricalFeature& feature : categorical_features(*model)) {
        auto* out = response->add_categorical_features();
        out->set_name(feature.name);
        out->set_index(feature.index);
        out->mutable_values()->Assign(feature.values.begin(), feature.values.end());
        out->mutable_invalid_utf8_codes()->Assign(feature.invalid_utf8_codes.begin(), feature.invalid_utf8_codes.end());
        out->set_source(feature.paired_by_config ? polyscore::v1::CATEGORY_SOURCE_CONFIG_CATEGORICAL_COLUMNS
                                                 : polyscore::v1::CATEGORY_SOURCE_MODEL_FILE);
        out->set_unknown(feature.paired_by_config ? polyscore::v1::UNKNOWN_CATEGORY_MISSING
                                                  : polyscore::v1::UNKNOWN_CATEGORY_REFUSED);
        out->set_kind(category_kind(feature.kind));
        for (const int32_t kind : feature.value_kinds) out->add_value_kinds(category_kind(kind));
      }
      response->set_unpaired_category_lists(static_cast<uint32_t>(model->categories().unpaired()));
      for (const uint32_t j : code_only_categorical_features(*model)) response->add_code_only_categorical_features(j);
    });
  }

  grpc::Status ListModels(grpc::ServerContext* context, const polyscore::v1::ListModelsRequest*,
                          polyscore::v1::ListModelsResponse* response) override {
    return serve(core_, context, "grpc_v1_list_models", false, [&](Call&) {
      for (const auto& [name, entry] : core_.repository.snapshot()->models) {
        auto* model = response->add_models();
        model->set_name(name);
        for (const auto& loaded : entry.versions) model->add_versions(loaded->version());
        model->set_last_error(entry.last_error);
      }
    });
  }

 private:
  ServiceCore& core_;
};

// Open Inference Protocol input i's values as doubles, from raw_input_contents (one
// entry per input, little-endian) or contents. A datatype other than FP32 or FP64, or raw
// bytes that are not whole values, is a 400.
std::vector<double> input_values(const inference::ModelInferRequest& request, int i) {
  const auto& input = request.inputs(i);
  const bool fp32 = input.datatype() == "FP32";
  if (!fp32 && input.datatype() != "FP64") {
    fail(ErrorKind::kBadRequest, "input \"" + input.name() + "\" has datatype \"" + input.datatype() +
                                     "\"; polyscore takes FP32 or FP64 (or BYTES for a categorical feature's "
                                     "tensor of its own)");
  }
  if (request.raw_input_contents_size() == 0) {
    if (fp32) return {input.contents().fp32_contents().begin(), input.contents().fp32_contents().end()};
    return {input.contents().fp64_contents().begin(), input.contents().fp64_contents().end()};
  }
  if (request.raw_input_contents_size() != request.inputs_size()) {
    fail(ErrorKind::kBadRequest, "raw_input_contents must have one entry per input");
  }
  const std::string& raw = request.raw_input_contents(i);
  const size_t element = fp32 ? sizeof(float) : sizeof(double);
  if (raw.size() % element != 0) {
    fail(ErrorKind::kBadRequest, "raw_input_contents[" + std::to_string(i) + "] holds " + std::to_string(raw.size()) +
                                     " bytes, not a whole number of " + input.datatype() + " values");
  }
  std::vector<double> values(raw.size() / element);
  for (size_t k = 0; k < values.size(); ++k) {  // memcpy: the bytes need not be aligned
    if (fp32) {
      float f;
      std::memcpy(&f, raw.data() + k * element, element);
      values[k] = f;
    } else {
      std::memcpy(&values[k], raw.data() + k * element, element);
    }
  }
  return values;
}

// The inputs as per-feature tensors (is_tensor_per_feature).
std::vector<FeatureTensor> feature_tensors(const inference::ModelInferRequest& request) {
  std::vector<FeatureTensor> tensors;
  for (int i = 0; i < request.inputs_size(); ++i) {
    FeatureTensor& t = tensors.emplace_back();
    t.name = request.inputs(i).name();
    t.shape.assign(request.inputs(i).shape().begin(), request.inputs(i).shape().end());
    if (request.inputs(i).datatype() == "BYTES") {  // category values by their text
      t.bytes = true;
      if (request.raw_input_contents_size() == 0) {
        t.texts.assign(request.inputs(i).contents().bytes_contents().begin(),
                       request.inputs(i).contents().bytes_contents().end());
      } else if (request.raw_input_contents_size() != request.inputs_size()) {
        fail(ErrorKind::kBadRequest, "raw_input_contents must have one entry per input");
      } else {
        t.texts = bytes_elements(request.raw_input_contents(i), t.name);
      }
      continue;
    }
    t.values = input_values(request, i);
  }
  return tensors;
}

// The single input: a [rows, num_features] tensor (or [num_features], one row). Raw
// bytes are copied to *aligned, which the batch then points into.
Batch batch_of_one_tensor(const inference::ModelInferRequest& request, uint32_t num_features,
                          std::vector<double>* aligned) {
  if (request.inputs_size() != 1) {
    fail(ErrorKind::kBadRequest, "expected 1 input tensor, got " + std::to_string(request.inputs_size()) +
                                     " (or one tensor per feature, each named by a feature name)");
  }
  const auto& input = request.inputs(0);
  Batch batch;
  if (input.shape_size() == 2 && input.shape(0) >= 0 && input.shape(1) >= 0) {
    batch.rows = static_cast<size_t>(input.shape(0));
    batch.cols = static_cast<size_t>(input.shape(1));
  } else if (input.shape_size() == 1 && input.shape(0) >= 0) {
    batch.rows = 1;
    batch.cols = static_cast<size_t>(input.shape(0));
  } else {
    fail(ErrorKind::kBadRequest, "input \"" + input.name() + "\" must have shape [rows, " +
                                     std::to_string(num_features) + "]");
  }
  size_t element = 0;
  if (input.datatype() == "FP32") {
    batch.dtype = PS_DTYPE_FLOAT32;
    element = sizeof(float);
  } else if (input.datatype() == "FP64") {
    batch.dtype = PS_DTYPE_FLOAT64;
    element = sizeof(double);
  } else {
    fail(ErrorKind::kBadRequest, "input \"" + input.name() + "\" has datatype \"" +
                                     input.datatype() + "\"; polyscore takes FP32 or FP64");
  }
  if (request.raw_input_contents_size() > 0) {
    if (request.raw_input_contents_size() != 1) {
      fail(ErrorKind::kBadRequest, "raw_input_contents must have one entry per input");
    }
    const std::string& raw = request.raw_input_contents(0);
    if (raw.size() % element != 0) {
      fail(ErrorKind::kBadRequest, "raw_input_contents[0] holds " + std::to_string(raw.size()) +
                                       " bytes, not a whole number of " + input.datatype() + " values");
    }
    batch.values = raw.data();  // little-endian, as on every platform polyscore builds for
    batch.count = raw.size() / element;
  } else if (batch.dtype == PS_DTYPE_FLOAT32) {
    batch.values = input.contents().fp32_contents().data();
    batch.count = input.contents().fp32_contents_size();
  } else {
    batch.values = input.contents().fp64_contents().data();
    batch.count = input.contents().fp64_contents_size();
  }
  // Aligned copies: raw bytes in a protobuf string need not be aligned for float/double.
  if (request.raw_input_contents_size() > 0 && batch.count > 0) {
    aligned->resize((batch.count * element + sizeof(double) - 1) / sizeof(double));
    std::memcpy(aligned->data(), batch.values, batch.count * element);
    batch.values = aligned->data();
  }
  return batch;
}

class InferenceService final : public inference::GRPCInferenceService::Service {
 public:
  explicit InferenceService(ServiceCore& core) : core_(core) {}

  grpc::Status ServerLive(grpc::ServerContext*, const inference::ServerLiveRequest*,
                          inference::ServerLiveResponse* response) override {
    response->set_live(true);
    return grpc::Status::OK;
  }

  grpc::Status ServerReady(grpc::ServerContext*, const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse* response) override {
    response->set_ready(core_.ready());
    return grpc::Status::OK;
  }

  grpc::Status ModelReady(grpc::ServerContext* context, const inference::ModelReadyRequest* request,
                          inference::ModelReadyResponse* response) override {
    return serve(core_, context, "grpc_v2_health", false, [&](Call& call) {
      call.model = request->name();
      response->set_ready(core_.model_not_ready_reason(request->name(), request->version()).empty());
    });
  }

  grpc::Status ServerMetadata(grpc::ServerContext*, const inference::ServerMetadataRequest*,
                              inference::ServerMetadataResponse* response) override {
    response->set_name("polyscore");
    response->set_version(ps_version_string());
    response->add_extensions("model_repository");
    return grpc::Status::OK;
  }

  grpc::Status ModelMetadata(grpc::ServerContext* context,
                             const inference::ModelMetadataRequest* request,
                             inference::ModelMetadataResponse* response) override {
    return serve(core_, context, "grpc_v2_metadata", false, [&](Call& call) {
      call.model = request->name();
      auto snapshot = core_.repository.snapshot();
      auto model = snapshot->resolve(request->name(), request->version());
      const ps_model_info& info = model->info();
      response->set_name(model->name());
      for (const auto& loaded : snapshot->models.at(model->name()).versions) {
        response->add_versions(loaded->version());
      }
      response->set_platform("polyscore");
      auto* input = response->add_inputs();
      input->set_name("input");
      input->set_datatype("FP64");
      input->add_shape(-1);
      input->add_shape(info.num_features);
      for (const wire::NamedValue& kind_name : wire::kOutputNames) {
        const int32_t kind = kind_name.value;
        auto* output = response->add_outputs();
        output->set_name(kind_name.name);
        output->set_datatype("FP64");
        for (int64_t dim : output_tensor_shape(info, kind, -1, output_width(info, kind))) output->add_shape(dim);
      }
    });
  }

  grpc::Status ModelInfer(grpc::ServerContext* context, const inference::ModelInferRequest* request,
                          inference::ModelInferResponse* response) override {
    return serve(core_, context, "grpc_v2_infer", true, [&](Call& call) {
      call.model = request->model_name();
      auto model = core_.repository.snapshot()->resolve(request->model_name(), request->model_version());
      std::vector<std::string> input_names;
      for (const auto& input : request->inputs()) input_names.push_back(input.name());
      Batch batch;
      std::vector<double> by_feature;  // one tensor per feature, laid out as rows
      std::vector<double> aligned;     // the single tensor's raw bytes, aligned
      if (is_tensor_per_feature(*model, input_names)) {
        by_feature = lay_out_feature_tensors(*model, feature_tensors(*request), &batch.rows);
        batch.set_values(by_feature.data(), by_feature.size());
        batch.cols = model->info().num_features;
      } else {
        batch = batch_of_one_tensor(*request, model->info().num_features, &aligned);
      }

      // Not named (wire::kNotNamed): the model's config decides, as on the REST and
      // polyscore.v1 paths (ModelConfig::output_for here, shap_algorithm_for in score).
      int32_t output = wire::kNotNamed;
      if (auto it = request->parameters().find("output"); it != request->parameters().end()) {
        if (!parse_output_kind(it->second.string_param(), &output)) {
          fail(ErrorKind::kBadRequest, "parameter \"output\" must be one of " + std::string(kOutputKindNames) +
                                           ", not \"" + it->second.string_param() + "\"");
        }
      }
      int32_t shap_algorithm = wire::kNotNamed;
      if (auto it = request->parameters().find("shap_algorithm"); it != request->parameters().end()) {
        if (!parse_shap_algorithm(it->second.string_param(), &shap_algorithm)) {
          fail(ErrorKind::kBadRequest, "parameter \"shap_algorithm\" must be one of " +
                                           std::string(kShapAlgorithmNames) + ", not \"" +
                                           it->second.string_param() + "\"");
        }
      }
      std::vector<int32_t> kinds;
      for (const auto& requested : request->outputs()) {
        int32_t kind = 0;
        if (!parse_output_kind(requested.name(), &kind)) {
          fail(ErrorKind::kBadRequest, "unknown output \"" + requested.name() + "\" (outputs: " + kOutputKindNames + ")");
        }
        kinds.push_back(kind);
      }
      if (kinds.empty()) kinds.push_back(model->config().output_for(output));

      response->set_model_name(model->name());
      response->set_model_version(model->version());
      response->set_id(request->id());
      for (int32_t kind : kinds) {
        ScoreOptions options;
        options.output = kind;
        options.shap_algorithm = shap_algorithm;
        auto start = call.clock.scoring_starts();
        Scores scores = score(*model, batch, options, core_.limits);
        call.scoring_seconds += seconds_since(start);
        auto* output = response->add_outputs();
        output->set_name(output_kind_name(kind));
        output->set_datatype("FP64");
        for (int64_t dim : output_tensor_shape(model->info(), kind, static_cast<int64_t>(batch.rows),
                                               scores.values_per_row)) {
          output->add_shape(dim);
        }
        response->add_raw_output_contents(reinterpret_cast<const char*>(scores.values.data()),
                                          scores.values.size() * sizeof(double));
      }
    });
  }

  grpc::Status RepositoryIndex(grpc::ServerContext* context, const inference::RepositoryIndexRequest* request,
                               inference::RepositoryIndexResponse* response) override {
    return serve(core_, context, "grpc_v2_repository", false, [&](Call&) {
      for (const auto& row : repository_index(core_, request->repository_name(), request->ready())) {
        auto* model = response->add_models();
        model->set_name(row.name);
        model->set_version(row.version);
        model->set_state(row.ready ? "READY" : "UNAVAILABLE");
        model->set_reason(row.reason);
      }
    });
  }

  grpc::Status RepositoryModelLoad(grpc::ServerContext* context,
                                   const inference::RepositoryModelLoadRequest* request,
                                   inference::RepositoryModelLoadResponse*) override {
    return serve(core_, context, "grpc_v2_repository", false, [&](Call& call) {
      call.model = request->model_name();
      repository_load(core_, request->repository_name(), request->model_name(),
                      parameter_names(request->parameters()));
    });
  }

  grpc::Status RepositoryModelUnload(grpc::ServerContext* context,
                                     const inference::RepositoryModelUnloadRequest* request,
                                     inference::RepositoryModelUnloadResponse*) override {
    return serve(core_, context, "grpc_v2_repository", false, [&](Call& call) {
      call.model = request->model_name();
      repository_unload(core_, request->repository_name(), request->model_name(),
                        parameter_names(request->parameters()));
    });
  }

 private:
  template <typename Map>
  static std::vector<std::string> parameter_names(const Map& parameters) {
    std::vector<std::string> names;
    for (const auto& [name, value] : parameters) names.push_back(name);
    return names;
  }

  ServiceCore& core_;
};

}  // namespace

GrpcServices::GrpcServices(ServiceCore& core, int fraud_threads)
    : core_(core), fraud_async_(std::make_unique<fraud::v1::FraudScorer::AsyncService>()),
      fraud_threads_(fraud_threads) {
  sync_services_.push_back(std::make_unique<ScoringService>(core));
  sync_services_.push_back(std::make_unique<InferenceService>(core));
}

GrpcServices::~GrpcServices() { stop(); }

void GrpcServices::register_on(grpc::ServerBuilder& builder) {
  for (auto& service : sync_services_) builder.RegisterService(service.get());
  builder.RegisterService(fraud_async_.get());
  for (int i = 0; i < fraud_threads_; ++i) queues_.push_back(builder.AddCompletionQueue());
}

void GrpcServices::start() {
  for (auto& queue : queues_) {
    grpc::ServerCompletionQueue* cq = queue.get();
    threads_.emplace_back([this, cq] {
      new AsyncFraudCall(core_, *fraud_async_, cq);
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<AsyncFraudCall*>(tag)->proceed(ok);
    });
  }
}

void GrpcServices::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& queue : queues_) queue->Shutdown();
  for (auto& thread : threads_) thread.join();
}

}  // namespace polyscore::server
