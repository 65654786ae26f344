#include "scorer.h"

#include <string>

#include "errors.h"

namespace polyscore::server {
namespace {

// One ps_error per thread, reused: the C API wants a caller-owned error object.
struct ThreadError {
  ps_error* err = nullptr;
  ThreadError() { ps_error_create(&err); }
  ~ThreadError() { ps_error_free(err); }
};

ps_error* thread_error() {
  thread_local ThreadError holder;
  return holder.err;
}

[[noreturn]] void fail_from(ps_error* err) {
  ps_status code = ps_error_code(err);
  std::string message = std::string(ps_status_name(code)) + ": " + ps_error_message(err);
  if (code == PS_ERR_SHAPE || code == PS_ERR_INVALID_ARGUMENT) fail(ErrorKind::kBadRequest, message);
  if (code == PS_ERR_UNSUPPORTED) fail(ErrorKind::kFailedPrecondition, message);  // e.g. leaf of gblinear
  fail(ErrorKind::kInternal, message);
}

}  // namespace

std::vector<int64_t> output_tensor_shape(const ps_model_info& info, int32_t output, int64_t rows,
                                         size_t values_per_row) {
  int64_t per_feature = int64_t(info.num_features) + 1;
  if (output == PS_OUTPUT_CONTRIB) {
    return {rows, static_cast<int64_t>(values_per_row) / per_feature, per_feature};
  }
  if (output == PS_OUTPUT_INTERACTIONS) {  // XGBoost's pred_interactions layout
    return {rows, static_cast<int64_t>(values_per_row) / (per_feature * per_feature), per_feature, per_feature};
  }
  return {rows, static_cast<int64_t>(values_per_row)};
}

size_t output_width(const ps_model_info& info, int32_t output) {
  switch (output) {
    case PS_OUTPUT_MARGIN: return info.num_margins;
    case PS_OUTPUT_LEAF: return info.num_trees;
    case PS_OUTPUT_CONTRIB: return size_t(info.num_margins) * (size_t(info.num_features) + 1);
    case PS_OUTPUT_INTERACTIONS:
      return size_t(info.num_margins) * (size_t(info.num_features) + 1) * (size_t(info.num_features) + 1);
    default: return info.num_outputs;
  }
}

Scores score(const LoadedModel& model, const Batch& batch, const ScoreOptions& options,
             const Limits& limits) {
  const ps_model_info& info = model.info();
  if (batch.rows > limits.max_rows) {
    fail(ErrorKind::kTooLarge, std::to_string(batch.rows) + " rows in one request; the limit is " +
                                   std::to_string(limits.max_rows) + " (--max-rows)");
  }
  if (batch.cols != info.num_features) {
    fail(ErrorKind::kBadRequest, "model \"" + model.name() + "\" takes " +
                                     std::to_string(info.num_features) + " features per row, got " +
                                     std::to_string(batch.cols));
  }
  if (batch.count != batch.rows * batch.cols) {
    fail(ErrorKind::kBadRequest, std::to_string(batch.count) + " values for " +
                                     std::to_string(batch.rows) + " rows of " +
                                     std::to_string(batch.cols) + " features (" +
                                     std::to_string(batch.rows * batch.cols) + " expected)");
  }
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = model.config().output_for(options.output);
  opts.iteration_begin = options.iteration_begin;
  opts.iteration_end = options.iteration_end;
  opts.base_margin = options.base_margin_len ? options.base_margin : nullptr;
  opts.base_margin_len = options.base_margin_len;
  opts.shap_algorithm = model.config().shap_algorithm_for(options.shap_algorithm);
  ps_error* err = thread_error();

  Scores scores;
  scores.output = opts.output;
  size_t per_row = 0;
  if (ps_model_output_size(&per_row, model.handle(), 1, &opts, err) != PS_OK) fail_from(err);
  scores.values_per_row = per_row;
  // per_row is at most (2^24 + 1)^2 * margins and rows at most 2^30: compared by division,
  // so the product cannot wrap.
  const size_t max_values = limits.max_answer_bytes / sizeof(double);
  if (batch.rows != 0 && per_row > max_values / batch.rows) {
    fail(ErrorKind::kTooLarge, "the answer would hold " + std::to_string(per_row) + " values per row x " +
                                   std::to_string(batch.rows) + " rows, over the limit of " +
                                   std::to_string(limits.max_answer_bytes) +
                                   " bytes (--max-answer-bytes); send fewer rows");
  }
  scores.values.resize(per_row * batch.rows);
  // No rows: nothing to score, but offsets given for none are still the C library's to refuse.
  if (batch.rows == 0 && opts.base_margin_len == 0) return scores;
  ps_status status;
  if (batch.rows == 1 && batch.dtype == PS_DTYPE_FLOAT64) {  // the no-allocation row path
    status = ps_model_predict_row(scores.values.data(), scores.values.size(), model.handle(),
                                  static_cast<const double*>(batch.values), batch.cols, &opts, err);
  } else {
    status = ps_model_predict_dense(scores.values.data(), scores.values.size(), model.handle(),
                                    batch.values, batch.dtype, batch.rows, batch.cols, &opts, err);
  }
  if (status != PS_OK) fail_from(err);
  return scores;
}

FraudScore fraud_score(const LoadedModel& model, const Batch& row, const Limits& limits, std::string_view refusal) {
  ScoreOptions options;
  options.output = PS_OUTPUT_VALUE;
  Scores scores = score(model, row, options, limits);
  if (scores.values_per_row != 1) {
    fail(ErrorKind::kFailedPrecondition, "model \"" + model.name() + "\" gives " +
                                             std::to_string(scores.values_per_row) + " values per row; " +
                                             std::string(refusal));
  }
  FraudScore fraud;
  fraud.score = scores.values[0];
  const auto& labels = model.config().labels;
  if (!labels.empty()) fraud.label = &labels[fraud.score >= model.config().threshold ? 1 : 0];
  return fraud;
}

}  // namespace polyscore::server
