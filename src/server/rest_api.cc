#include "rest_api.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "categorical_features.h"
#include "errors.h"
#include "json_codec.h"
#include "named_rows.h"
#include "repository_api.h"
#include "scorer.h"

namespace polyscore::server {
namespace {

std::vector<std::string_view> split_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> parts;
  while (!target.empty()) {
    if (target.front() == '/') { target.remove_prefix(1); continue; }
    size_t end = target.find('/');
    parts.push_back(target.substr(0, end));
    target = end == std::string_view::npos ? std::string_view() : target.substr(end);
  }
  return parts;
}

void append_versions(std::string& out, const ModelEntry& entry) {
  out += '[';
  for (size_t i = 0; i < entry.versions.size(); ++i) {
    if (i) out += ',';
    append_string(out, entry.versions[i]->version());
  }
  out += ']';
}

void append_shape(std::string& out, const std::vector<int64_t>& shape) {
  out += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(shape[i]);
  }
  out += ']';
}

// ,"categorical_features":[...],"unpaired_category_lists":N,"code_only_categorical_features":[...]:
// GetModelMetadataResponse's fields under their proto names, enums by name, every field
// given (as the rest of this answer), every value of every list.
void append_categorical_features(std::string& out, const LoadedModel& model) {
  out += ",\"categorical_features\":[";
  bool first = true;
  for (const CategoricalFeature& feature : categorical_features(model)) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    append_string(out, feature.name);
    out += ",\"index\":" + std::to_string(feature.index) + ",\"values\":[";
    for (size_t i = 0; i < feature.values.size(); ++i) {
      if (i) out += ',';
      append_string(out, feature.values[i]);
    }
    out += "],\"invalid_utf8_codes\":[";
    for (size_t i = 0; i < feature.invalid_utf8_codes.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(feature.invalid_utf8_codes[i]);
    }
    out += feature.paired_by_config
               ? "],\"source\":\"CATEGORY_SOURCE_CONFIG_CATEGORICAL_COLUMNS\",\"unknown\":\"UNKNOWN_CATEGORY_MISSING\""
               : "],\"source\":\"CATEGORY_SOURCE_MODEL_FILE\",\"unknown\":\"UNKNOWN_CATEGORY_REFUSED\"";
    out += ",\"kind\":\"" + std::string(category_kind_name(feature.kind)) + "\",\"value_kinds\":[";
    for (size_t i = 0; i < feature.value_kinds.size(); ++i) {
      out += i ? ",\"" : "\"";
      out += category_kind_name(feature.value_kinds[i]);
      out += '"';
    }
    out += "]}";
  }
  out += "],\"unpaired_category_lists\":" + std::to_string(model.categories().unpaired());
  out += ",\"code_only_categorical_features\":[";
  const std::vector<uint32_t> code_only = code_only_categorical_features(model);
  for (size_t i = 0; i < code_only.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(code_only[i]);
  }
  out += ']';
}

// Scoring endpoints hold a slot; past --max-concurrent they answer 429 at once.
struct Slot {
  AdmissionSlot slot;
  explicit Slot(ServiceCore& core) : slot(core.admission) {
    if (!slot.held()) {
      fail(ErrorKind::kOverloaded, "too many requests in flight (--max-concurrent " +
                                       std::to_string(core.admission.limit()) + ")");
    }
  }
};

struct Route {
  std::string endpoint = "http_unknown";
  std::string model;
  double scoring_seconds = 0;
  RequestClock clock;
};

HttpAnswer fraud_predict(ServiceCore& core, std::string_view body, Route& route) {
  Slot slot(core);
  FraudRequest request = parse_fraud_request(body);
  route.model = request.model;
  auto model = core.repository.snapshot()->resolve(request.model, "");
  if (request.has_named_features) {
    request.features = lay_out_named_row(*model, request.named_features, "named_features");
  }
  Batch batch{request.features.data(), PS_DTYPE_FLOAT64, 1, request.features.size(),
              request.features.size()};
  auto start = route.clock.scoring_starts();
  FraudScore fraud =
      fraud_score(*model, batch, core.limits, "/predict answers models with one score (use /v1/predict)");
  route.scoring_seconds = seconds_since(start);
  HttpAnswer answer;
  answer.body = "{\"score\":";
  append_double(answer.body, fraud.score);
  if (fraud.label) {
    answer.body += ",\"label\":";
    append_string(answer.body, *fraud.label);
  }
  answer.body += ",\"model_version\":";
  append_string(answer.body, model->version());
  answer.body += "}\n";
  return answer;
}

HttpAnswer batch_predict(ServiceCore& core, std::string_view body, Route& route) {
  Slot slot(core);
  BatchRequest request = parse_batch_request(body);
  route.model = request.model;
  auto model = core.repository.snapshot()->resolve(request.model, request.version);
  Batch batch;
  batch.rows = request.rows;
  batch.cols = request.cols;
  if (request.has_named_rows) {
    request.float64_values = lay_out_named_rows(*model, request.named_rows, "named_rows");
    batch.rows = request.named_rows.size();
    batch.cols = model->info().num_features;
    batch.set_values(request.float64_values.data(), request.float64_values.size());
  } else if (request.has_float32) {
    batch.set_values(request.float32_values.data(), request.float32_values.size());
  } else {
    batch.set_values(request.float64_values.data(), request.float64_values.size());
  }
  ScoreOptions options{request.output, request.iteration_begin, request.iteration_end,
                       request.base_margin.data(), request.base_margin.size(), request.shap_algorithm};
  auto start = route.clock.scoring_starts();
  Scores scores = score(*model, batch, options, core.limits);
  route.scoring_seconds = seconds_since(start);
  HttpAnswer answer;
  std::string& out = answer.body;
  out.reserve(64 + scores.values.size() * 20);
  out = "{\"model\":";
  append_string(out, model->name());
  out += ",\"version\":";
  append_string(out, model->version());
  out += ",\"rows\":" + std::to_string(batch.rows);
  out += ",\"cols\":" + std::to_string(scores.values_per_row);
  out += ",\"output\":\"";
  out += output_kind_name(scores.output);
  out += "\",\"values\":[";
  for (size_t i = 0; i < scores.values.size(); ++i) {
    if (i) out += ',';
    append_double(out, scores.values[i]);
  }
  out += "]}\n";
  return answer;
}

HttpAnswer v1_models(ServiceCore& core, const std::vector<std::string_view>& parts) {
  auto snapshot = core.repository.snapshot();
  HttpAnswer answer;
  std::string& out = answer.body;
  if (parts.size() == 2) {
    out = "{\"models\":[";
    bool first = true;
    for (const auto& [name, entry] : snapshot->models) {
      if (!first) out += ',';
      first = false;
      out += "{\"name\":";
      append_string(out, name);
      out += ",\"versions\":";
      append_versions(out, entry);
      out += ",\"last_error\":";
      append_string(out, entry.last_error);
      out += '}';
    }
    out += "]}\n";
    return answer;
  }
  std::string version = parts.size() == 5 && parts[3] == "versions" ? std::string(parts[4]) : "";
  if (parts.size() != 3 && version.empty()) fail(ErrorKind::kNotFound, "no such path");
  auto model = snapshot->resolve(std::string(parts[2]), version);
  const ps_model_info& info = model->info();
  out = "{\"model\":";
  append_string(out, model->name());
  out += ",\"version\":";
  append_string(out, model->version());
  out += ",\"versions\":";
  append_versions(out, snapshot->models.at(model->name()));
  out += ",\"format\":";
  append_string(out, format_name(info.format));
  out += ",\"objective\":";
  append_string(out, info.objective);
  out += ",\"booster\":";
  append_string(out, info.booster);
  out += ",\"num_features\":" + std::to_string(info.num_features);
  out += ",\"feature_names\":[";
  for (size_t i = 0; i < model->feature_names().size(); ++i) {
    if (i) out += ',';
    append_string(out, model->feature_names()[i]);
  }
  out += "],\"num_outputs\":" + std::to_string(info.num_outputs);
  out += ",\"num_margins\":" + std::to_string(info.num_margins);
  out += ",\"num_trees\":" + std::to_string(info.num_trees);
  out += ",\"num_iterations\":" + std::to_string(info.num_iterations);
  out += ",\"default_output\":\"";
  out += output_kind_name(model->config().default_output);
  out += "\",\"default_shap_algorithm\":\"";
  out += shap_algorithm_name(model->config().shap_algorithm);
  out += "\",\"labels\":[";
  for (size_t i = 0; i < model->config().labels.size(); ++i) {
    if (i) out += ',';
    append_string(out, model->config().labels[i]);
  }
  out += "],\"threshold\":";
  append_double(out, model->config().threshold);
  append_categorical_features(out, *model);
  out += "}\n";
  return answer;
}

HttpAnswer oip_model_metadata(const RepositorySnapshot& snapshot, const LoadedModel& model) {
  HttpAnswer answer;
  std::string& out = answer.body;
  out = "{\"name\":";
  append_string(out, model.name());
  out += ",\"versions\":";
  append_versions(out, snapshot.models.at(model.name()));
  out += ",\"platform\":\"polyscore\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP64\",\"shape\":[-1,";
  out += std::to_string(model.info().num_features);
  out += "]}],\"outputs\":[";
  for (const wire::NamedValue& kind_name : wire::kOutputNames) {
    const int32_t kind = kind_name.value;
    if (kind != PS_OUTPUT_VALUE) out += ',';
    out += "{\"name\":\"";
    out += kind_name.name;
    out += "\",\"datatype\":\"FP64\",\"shape\":";
    append_shape(out, output_tensor_shape(model.info(), kind, -1, output_width(model.info(), kind)));
    out += "}";
  }
  out += "]}\n";
  return answer;
}

// Triton's binary tensor extension: the first `header` bytes of the body are the JSON
// request, the rest the inputs' raw little-endian values, in input order, as long as
// their binary_data_size says.
void read_binary_inputs(std::string_view binary, InferRequest& request) {
  size_t offset = 0;
  for (InferInput& input : request.inputs) {
    if (input.binary_data_size < 0) continue;
    size_t size = static_cast<size_t>(input.binary_data_size);
    size_t element = input.datatype == "FP32" ? sizeof(float) : sizeof(double);
    if (size > binary.size() - offset) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name + "\": binary_data_size " + std::to_string(size) +
                                       " runs past the " + std::to_string(binary.size()) +
                                       " bytes after the JSON header");
    }
    if (input.datatype == "BYTES") {  // length-prefixed strings
      input.bytes_data = bytes_elements(binary.substr(offset, size), input.name);
      offset += size;
      continue;
    }
    if (size % element != 0) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name + "\": binary_data_size " + std::to_string(size) +
                                       " is not a whole number of " + input.datatype + " values");
    }
    if (element == sizeof(float)) {
      input.float32_data.resize(size / element);
      std::memcpy(input.float32_data.data(), binary.data() + offset, size);
    } else {
      input.float64_data.resize(size / element);
      std::memcpy(input.float64_data.data(), binary.data() + offset, size);
    }
    offset += size;
  }
  if (offset != binary.size()) {
    fail(ErrorKind::kBadRequest, std::to_string(binary.size() - offset) +
                                     " bytes after the JSON header belong to no input's binary_data_size");
  }
}

// The inputs as per-feature tensors (is_tensor_per_feature).
std::vector<FeatureTensor> feature_tensors(const std::vector<InferInput>& inputs) {
  std::vector<FeatureTensor> tensors;
  for (const InferInput& input : inputs) {
    FeatureTensor& t = tensors.emplace_back();
    t.name = input.name;
    t.shape = input.shape;
    if (input.datatype == "BYTES") {
      t.bytes = true;
      t.texts = input.bytes_data;
    } else if (input.datatype == "FP32") {
      t.values.assign(input.float32_data.begin(), input.float32_data.end());
    } else {
      t.values = input.float64_data;
    }
  }
  return tensors;
}

std::vector<std::string> names_of(const std::vector<InferInput>& inputs) {
  std::vector<std::string> names;
  for (const InferInput& input : inputs) names.push_back(input.name);
  return names;
}

// Today's single input: a [rows, num_features] tensor (or [num_features], one row).
Batch batch_of_one_tensor(const LoadedModel& model, const std::vector<InferInput>& inputs) {
  if (inputs.size() != 1) {
    fail(ErrorKind::kBadRequest, "expected 1 input tensor, got " + std::to_string(inputs.size()) +
                                     " (or one tensor per feature, each named by a feature name)");
  }
  const InferInput& input = inputs[0];
  if (input.datatype == "BYTES") {
    fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" has datatype BYTES: only a tensor of one feature, "
                                     "named by its feature name, may hold category values");
  }
  Batch batch;
  if (input.datatype == "FP32") {
    batch.set_values(input.float32_data.data(), input.float32_data.size());
  } else {
    batch.set_values(input.float64_data.data(), input.float64_data.size());
  }
  if (input.shape.size() == 2) {
    batch.rows = static_cast<size_t>(input.shape[0]);
    batch.cols = static_cast<size_t>(input.shape[1]);
  } else if (input.shape.size() == 1) {
    batch.rows = 1;
    batch.cols = static_cast<size_t>(input.shape[0]);
  } else {
    fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" must have shape [rows, " +
                                     std::to_string(model.info().num_features) + "]");
  }
  return batch;
}

HttpAnswer oip_infer(ServiceCore& core, const std::string& name, const std::string& version,
                     std::string_view body, std::string_view inference_header, Route& route) {
  Slot slot(core);
  route.model = name;
  std::string_view json = body, binary;
  if (!inference_header.empty()) {
    size_t length = 0;
    auto [end, ec] = std::from_chars(inference_header.data(), inference_header.data() + inference_header.size(), length);
    if (ec != std::errc() || end != inference_header.data() + inference_header.size() || length > body.size()) {
      fail(ErrorKind::kBadRequest, "Inference-Header-Content-Length \"" + std::string(inference_header) +
                                       "\" is not a length within the " + std::to_string(body.size()) + "-byte body");
    }
    json = body.substr(0, length);
    binary = body.substr(length);
  }
  InferRequest request = parse_infer_request(json);
  read_binary_inputs(binary, request);
  auto model = core.repository.snapshot()->resolve(name, version);
  Batch batch;
  std::vector<double> by_feature;  // the per-feature tensors laid out as rows
  if (is_tensor_per_feature(*model, names_of(request.inputs))) {
    by_feature = lay_out_feature_tensors(*model, feature_tensors(request.inputs), &batch.rows);
    batch.set_values(by_feature.data(), by_feature.size());
    batch.cols = model->info().num_features;
  } else {
    batch = batch_of_one_tensor(*model, request.inputs);
  }
  std::vector<int32_t> kinds;
  std::vector<bool> binary_outputs;
  for (const InferOutput& output : request.outputs) {
    int32_t kind = 0;
    if (!parse_output_kind(output.name, &kind)) {
      fail(ErrorKind::kBadRequest, "unknown output \"" + output.name + "\" (outputs: " + kOutputKindNames + ")");
    }
    kinds.push_back(kind);
    binary_outputs.push_back(output.binary || request.binary_data_output);
  }
  if (kinds.empty()) {
    kinds.push_back(model->config().output_for(request.output));
    binary_outputs.push_back(request.binary_data_output);
  }
  std::string binary_out;  // the binary outputs' bytes, after the JSON

  HttpAnswer answer;
  std::string& out = answer.body;
  out = "{\"model_name\":";
  append_string(out, model->name());
  out += ",\"model_version\":";
  append_string(out, model->version());
  if (!request.id.empty()) {
    out += ",\"id\":";
    append_string(out, request.id);
  }
  out += ",\"outputs\":[";
  for (size_t k = 0; k < kinds.size(); ++k) {
    ScoreOptions options;
    options.output = kinds[k];
    options.shap_algorithm = request.shap_algorithm;
    auto start = route.clock.scoring_starts();
    Scores scores = score(*model, batch, options, core.limits);
    route.scoring_seconds += seconds_since(start);
    if (k) out += ',';
    out += "{\"name\":\"";
    out += output_kind_name(kinds[k]);
    out += "\",\"datatype\":\"FP64\",\"shape\":";
    append_shape(out, output_tensor_shape(model->info(), kinds[k], static_cast<int64_t>(batch.rows),
                                          scores.values_per_row));
    if (binary_outputs[k]) {  // little-endian doubles, as on every platform polyscore builds for
      size_t bytes = scores.values.size() * sizeof(double);
      out += ",\"parameters\":{\"binary_data_size\":" + std::to_string(bytes) + "}}";
      binary_out.append(reinterpret_cast<const char*>(scores.values.data()), bytes);
      continue;
    }
    out += ",\"data\":[";
    for (size_t i = 0; i < scores.values.size(); ++i) {
      if (i) out += ',';
      append_double(out, scores.values[i]);
    }
    out += "]}";
  }
  out += "]}\n";
  if (std::find(binary_outputs.begin(), binary_outputs.end(), true) != binary_outputs.end()) {
    answer.inference_header_length = static_cast<long long>(out.size());
    answer.content_type = "application/octet-stream";
    out += binary_out;
  }
  return answer;
}

// POST /v2/repository/index, /v2/repository/models/{name}/load and .../unload.
HttpAnswer repository_route(ServiceCore& core, const std::vector<std::string_view>& parts,
                            std::string_view body, Route& route) {
  HttpAnswer answer;
  if (parts.size() == 3 && parts[2] == "index") {
    RepositoryRequest request = parse_repository_index_request(body);
    std::string& out = answer.body;
    out = "[";
    bool first = true;
    for (const auto& row : repository_index(core, "", request.ready)) {
      if (!first) out += ',';
      first = false;
      out += "{\"name\":";
      append_string(out, row.name);
      if (!row.version.empty()) {
        out += ",\"version\":";
        append_string(out, row.version);
      }
      out += row.ready ? ",\"state\":\"READY\"" : ",\"state\":\"UNAVAILABLE\"";
      if (!row.reason.empty()) {
        out += ",\"reason\":";
        append_string(out, row.reason);
      }
      out += '}';
    }
    out += "]\n";
    return answer;
  }
  if (parts.size() == 5 && parts[2] == "models" && (parts[4] == "load" || parts[4] == "unload")) {
    std::string name(parts[3]);
    route.model = name;
    RepositoryRequest request = parse_repository_model_request(body);
    if (parts[4] == "load") repository_load(core, "", name, request.parameters);
    else repository_unload(core, "", name, request.parameters);
    answer.body = "{}\n";
    return answer;
  }
  fail(ErrorKind::kNotFound, "no such path");
}

HttpAnswer json_flag(const char* key, bool value, int status_if_false) {
  HttpAnswer answer;
  answer.status = value ? 200 : status_if_false;
  answer.body = std::string("{\"") + key + "\":" + (value ? "true" : "false") + "}\n";
  return answer;
}

// A health answer of the Open Inference Protocol: 200 {"ready":true}, or 400
// {"ready":false,"error":REASON}.
HttpAnswer ready_answer(const std::string& not_ready_reason) {
  if (not_ready_reason.empty()) return json_flag("ready", true, 200);
  HttpAnswer answer;
  answer.status = 400;
  answer.body = "{\"ready\":false,\"error\":";
  append_string(answer.body, not_ready_reason);
  answer.body += "}\n";
  return answer;
}

HttpAnswer route_request(ServiceCore& core, std::string_view method, std::string_view target,
                         std::string_view body, std::string_view inference_header, Route& route) {
  auto parts = split_path(target);
  bool get = method == "GET", post = method == "POST";
  auto wrong_method = [&](const char* allowed) -> HttpAnswer {
    HttpAnswer answer;
    answer.status = 405;
    answer.body = error_body(std::string(method) + " is not allowed here; use " + allowed);
    return answer;
  };

  if (parts.size() == 1 && parts[0] == "predict") {
    route.endpoint = "http_predict";
    return post ? fraud_predict(core, body, route) : wrong_method("POST");
  }
  if (parts.size() == 1 && parts[0] == "metrics") {
    route.endpoint = "http_metrics";
    if (!get) return wrong_method("GET");
    HttpAnswer answer;
    answer.body = core.metrics.render(*core.repository.snapshot(), core.admission.in_flight());
    answer.content_type = "text/plain; version=0.0.4";
    return answer;
  }
  if (!parts.empty() && parts[0] == "v1") {
    if (parts.size() == 2 && parts[1] == "predict") {
      route.endpoint = "http_v1_predict";
      return post ? batch_predict(core, body, route) : wrong_method("POST");
    }
    if (parts.size() >= 2 && parts[1] == "models") {
      route.endpoint = "http_v1_models";
      if (parts.size() >= 3) route.model = std::string(parts[2]);
      return get ? v1_models(core, parts) : wrong_method("GET");
    }
  }
  if (!parts.empty() && parts[0] == "v2") {
    route.endpoint = "http_v2_health";
    if (parts.size() == 1) {
      if (!get) return wrong_method("GET");
      HttpAnswer answer;
      answer.body = "{\"name\":\"polyscore\",\"version\":";
      append_string(answer.body, ps_version_string());
      answer.body += ",\"extensions\":[\"model_repository\",\"binary_tensor_data\"]}\n";
      return answer;
    }
    if (parts.size() >= 2 && parts[1] == "repository") {
      route.endpoint = "http_v2_repository";
      return post ? repository_route(core, parts, body, route) : wrong_method("POST");
    }
    if (parts.size() == 3 && parts[1] == "health" && (parts[2] == "live" || parts[2] == "ready")) {
      if (!get) return wrong_method("GET");
      if (parts[2] == "live") return json_flag("live", true, 200);
      // Not ready is a 4xx in the Open Inference Protocol ("a 200 status code indicates
      // true and a 4xx status code indicates false"), 400 as Triton answers; the body
      // says why (draining, a model that never loaded).
      return ready_answer(core.not_ready_reason());
    }
    if (parts.size() >= 3 && parts[1] == "models") {
      std::string name(parts[2]);
      route.model = name;
      size_t next = 3;
      std::string version;
      if (parts.size() >= 5 && parts[3] == "versions") {
        version = std::string(parts[4]);
        next = 5;
      }
      std::string_view action = parts.size() == next + 1 ? parts[next] : "";
      if (parts.size() > next + 1) fail(ErrorKind::kNotFound, "no such path: " + std::string(target));
      auto snapshot = core.repository.snapshot();
      if (action.empty()) {
        route.endpoint = "http_v2_metadata";
        if (!get) return wrong_method("GET");
        return oip_model_metadata(*snapshot, *snapshot->resolve(name, version));
      }
      if (action == "ready") {
        if (!get) return wrong_method("GET");
        // As the server's readiness: 400 for false; 503 would say the server failed.
        return ready_answer(core.model_not_ready_reason(name, version));
      }
      if (action == "infer") {
        route.endpoint = "http_v2_infer";
        return post ? oip_infer(core, name, version, body, inference_header, route) : wrong_method("POST");
      }
    }
  }
  fail(ErrorKind::kNotFound, "no such path: " + std::string(target));
}

}  // namespace

HttpAnswer handle_rest(ServiceCore& core, std::string_view method, std::string_view target,
                       std::string_view body, std::string_view inference_header,
                       Clock::time_point arrival) {
  Route route;
  route.clock.arrival = arrival;
  HttpAnswer answer;
  try {
    answer = route_request(core, method, target, body, inference_header, route);
  } catch (const ServeError& e) {
    answer.status = http_status_of(e.kind());
    answer.body = error_body(e.what());
    answer.content_type = "application/json";
  } catch (const std::bad_alloc&) {
    answer.status = 500;
    answer.body = error_body("out of memory");
  }
  if (route.endpoint != "http_metrics") {
    // A model label only for models the repository has: no label per mistyped name.
    if (!route.model.empty() && !core.repository.snapshot()->models.count(route.model)) route.model.clear();
    core.metrics.record(route.endpoint, route.model, std::to_string(answer.status),
                        seconds_since(arrival), route.scoring_seconds, route.clock.queue_seconds);
  }
  return answer;
}

}  // namespace polyscore::server
