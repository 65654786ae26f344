#include "request_scorer.h"

#include <algorithm>
#include <limits>
#include <new>
#include <vector>

#include "feature_columns.h"
#include "output_kind.h"
#include "shap_algorithm.h"

namespace polyscore_worker {

namespace v1 = polyscore::v1;

namespace {

void set_error(v1::QueueResult* result, v1::QueueErrorKind kind, const std::string& message) {
  result->clear_response();
  result->mutable_error()->set_kind(kind);
  result->mutable_error()->set_message(message);
}

// named_rows laid out row-major in the model's feature order, by the server's rules
// (feature_columns.h: every feature exactly once, nothing else, in any order; category
// values by their text coded by category_codes.h). False with *problem naming the row
// and the names, or the feature and the value.
bool lay_out_named_rows(const LoadedModel& model, const v1::PredictRequest& request, std::vector<double>* values,
                        std::string* problem) {
  const polyscore::feature_columns::FeatureColumns columns(model.feature_names);
  if (!columns.unusable().empty()) {
    *problem = "model '" + model.name + "' " + columns.unusable() + ": send rows, cols and values";
    return false;
  }
  values->assign(static_cast<size_t>(request.named_rows_size()) * columns.size(), 0.0);
  std::vector<bool> seen;
  for (int r = 0; r < request.named_rows_size(); ++r) {
    const v1::NamedRow& row = request.named_rows(r);
    std::string uncoded;
    const std::string mismatch = columns.place(row.features(), row.categories(), model.categories,
                                               values->data() + r * columns.size(), seen, "NaN for a missing value",
                                               &uncoded);
    if (mismatch.empty() && !uncoded.empty()) {
      *problem = "named_rows[" + std::to_string(r) + "]: " + uncoded;
      return false;
    }
    if (!mismatch.empty()) {
      *problem = "named_rows[" + std::to_string(r) + "] does not match the features of model '" + model.name +
                 "' (" + polyscore::feature_columns::quote_some(columns.names()) + "): " + mismatch +
                 (uncoded.empty() ? "" : "; " + uncoded);
      return false;
    }
  }
  return true;
}

}  // namespace

RequestScorer::RequestScorer(const ModelRegistry& models, size_t max_message_bytes)
    : models_(models), max_message_bytes_(max_message_bytes) {
  if (ps_error_create(&err_) != PS_OK) throw std::bad_alloc();
}

RequestScorer::~RequestScorer() { ps_error_free(err_); }

void RequestScorer::handle(const void* data, size_t size, bool require_request_id,
                           v1::QueueResult* result) {
  result->Clear();
  v1::QueueRequest request;
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !request.ParseFromArray(data, static_cast<int>(size))) {
    set_error(result, v1::QUEUE_ERROR_KIND_UNDECODABLE,
              "the " + std::to_string(size) + " bytes are not a polyscore.v1.QueueRequest");
    return;
  }
  result->set_request_id(request.request_id());
  if (require_request_id && request.request_id().empty()) {
    set_error(result, v1::QUEUE_ERROR_KIND_MISSING_REQUEST_ID,
              "request_id is empty; a queued request needs one so its result is recorded once");
    return;
  }
  if (!request.has_request()) {
    set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST, "the request field is not set");
    return;
  }
  score(request.request(), result);
  // The answer's exact size, with the headers it is published with (the request id as
  // Polyscore-Request-Id and as JetStream's Nats-Msg-Id): score() refused the answers
  // whose values alone would not fit; this catches the few bytes around them.
  const size_t header_bytes = 2 * result->request_id().size() + 128;
  if (!result->has_error() && result->ByteSizeLong() + header_bytes > max_message_bytes_) {
    set_error(result, v1::QUEUE_ERROR_KIND_ANSWER_TOO_LARGE,
              "the answer would be " + std::to_string(result->ByteSizeLong() + header_bytes) +
                  " bytes, over the broker's max_payload of " + std::to_string(max_message_bytes_) +
                  " bytes; send fewer rows per request");
  }
}

void RequestScorer::score(const v1::PredictRequest& request, v1::QueueResult* result) {
  const LoadedModel* model = models_.find(request.model());
  if (!model) {
    set_error(result, v1::QUEUE_ERROR_KIND_UNKNOWN_MODEL,
              "no model named '" + request.model() + "' is loaded");
    return;
  }
  if (!request.version().empty() && request.version() != model->version) {
    set_error(result, v1::QUEUE_ERROR_KIND_UNKNOWN_MODEL,
              "model '" + model->name + "' has no version '" + request.version() +
                  "' (loaded: '" + model->version + "')");
    return;
  }
  std::vector<double> named;  // named_rows in the model's feature order
  if (request.named_rows_size() > 0) {
    std::string problem;
    if (request.rows() || request.cols() || request.float32_values_size() || request.float64_values_size()) {
      problem = "give either named_rows or rows, cols and a value field, not both";
    }
    if (!problem.empty() || !lay_out_named_rows(*model, request, &named, &problem)) {
      set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST, problem);
      return;
    }
  }
  const bool by_name = request.named_rows_size() > 0;
  const uint64_t rows = by_name ? static_cast<uint64_t>(request.named_rows_size()) : request.rows();
  const uint64_t cols = by_name ? model->info.num_features : request.cols();
  if (cols != model->info.num_features) {
    set_error(result, v1::QUEUE_ERROR_KIND_WRONG_FEATURE_COUNT,
              "rows have " + std::to_string(cols) + " features (cols); model '" + model->name +
                  "' takes " + std::to_string(model->info.num_features));
    return;
  }
  const bool is_f32 = request.float32_values_size() > 0;
  const bool is_f64 = by_name || request.float64_values_size() > 0;
  if (is_f32 == is_f64) {
    set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST,
              is_f32 ? "both float32_values and float64_values are set; send one"
                     : "no values: set float32_values or float64_values");
    return;
  }
  const uint64_t n_values = by_name ? named.size() : is_f32 ? request.float32_values_size()
                                                           : request.float64_values_size();
  if (rows == 0 || cols == 0 || n_values / cols != rows || n_values % cols != 0) {
    set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST,
              std::to_string(n_values) + " values do not fill rows x cols = " +
                  std::to_string(rows) + " x " + std::to_string(cols));
    return;
  }
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  int32_t output = 0;
  if (!polyscore::wire::output_of(request.output(), &output)) {
    set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST,
              "output " + std::to_string(static_cast<int>(request.output())) + " is not an OutputKind");
    return;
  }
  opts.output = model->config.output_for(output);
  int32_t shap_algorithm = 0;
  if (!polyscore::wire::shap_algorithm_of(request.shap_algorithm(), &shap_algorithm)) {
    set_error(result, v1::QUEUE_ERROR_KIND_INVALID_REQUEST,
              "shap_algorithm " + std::to_string(static_cast<int>(request.shap_algorithm())) +
                  " is not a ShapAlgorithm (" + polyscore::wire::kShapAlgorithmEnumNames + ")");
    return;
  }
  opts.shap_algorithm = model->config.shap_algorithm_for(shap_algorithm);
  opts.iteration_begin = request.iterations().begin();
  opts.iteration_end = request.iterations().end();
  if (request.base_margin_size() > 0) {  // the C library checks its length against rows
    opts.base_margin = request.base_margin().data();
    opts.base_margin_len = static_cast<size_t>(request.base_margin_size());
  }

  size_t out_len = 0;
  std::vector<double> out;
  ps_status status = ps_model_output_size(&out_len, model->handle, rows, &opts, err_);
  if (status == PS_OK && out_len > max_message_bytes_ / sizeof(double)) {  // before allocating it
    set_error(result, v1::QUEUE_ERROR_KIND_ANSWER_TOO_LARGE,
              "the answer would be " + std::to_string(out_len) + " values for " + std::to_string(rows) +
                  " rows, over the broker's max_payload of " + std::to_string(max_message_bytes_) +
                  " bytes; send fewer rows per request");
    return;
  }
  if (status == PS_OK) {
    out.resize(out_len);
    const void* values = by_name  ? static_cast<const void*>(named.data())
                         : is_f32 ? static_cast<const void*>(request.float32_values().data())
                                  : static_cast<const void*>(request.float64_values().data());
    status = ps_model_predict_dense(out.data(), out.size(), model->handle, values,
                                    is_f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_FLOAT64, rows, cols,
                                    &opts, err_);
  }
  if (status != PS_OK) {
    set_error(result,
              status == PS_ERR_SHAPE ? v1::QUEUE_ERROR_KIND_WRONG_FEATURE_COUNT
                                     : v1::QUEUE_ERROR_KIND_INVALID_REQUEST,
              std::string(ps_status_name(status)) + ": " + ps_error_message(err_));
    return;
  }
  v1::PredictResponse* response = result->mutable_response();
  response->set_model(model->name);
  response->set_version(model->version);
  response->set_rows(rows);
  response->set_cols(out_len / rows);
  response->set_output(polyscore::wire::kind_of(opts.output));
  response->mutable_values()->Add(out.begin(), out.end());
}

}  // namespace polyscore_worker
