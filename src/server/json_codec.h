// REST bodies: parsing requests with simdjson (unknown fields rejected by name; numbers
// read exactly, as float or double) and writing answers (doubles in shortest
// round-trip form, so they read back as the same bits). Schemas: proto/json/.
#ifndef POLYSCORE_SERVER_JSON_CODEC_H
#define POLYSCORE_SERVER_JSON_CODEC_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi_names.h"
#include "named_rows.h"

namespace polyscore::server {

// POST /predict (fraud.v1 PredictRequest in JSON).
struct FraudRequest {
  std::vector<double> features;  // null -> NaN (missing)
  // "named_features" or "namedFeatures" (numbers, and strings as category values) and
  // "named_categories" or "namedCategories" (category values): the row by feature name,
  // instead of features.
  NamedRow named_features;
  bool has_named_features = false;
  std::string model;
};

// POST /v1/predict (polyscore.v1 PredictRequest in JSON).
struct BatchRequest {
  std::string model, version;
  uint64_t rows = 0, cols = 0;
  bool has_rows = false, has_cols = false;
  std::vector<float> float32_values;
  std::vector<double> float64_values;
  bool has_float32 = false, has_float64 = false;
  int32_t output = wire::kNotNamed;  // PS_OUTPUT_*, or not named: the model's default
  uint32_t iteration_begin = 0, iteration_end = 0;
  std::vector<double> base_margin;  // "base_margin" or "baseMargin"; empty: none given
  // "shap_algorithm" or "shapAlgorithm": "auto", "treeshap", "quadrature", or the enum's
  // names ("SHAP_ALGORITHM_TREESHAP"). PS_SHAP_*; kNotNamed (left out, or
  // SHAP_ALGORITHM_UNSPECIFIED) = the model's configured default.
  int32_t shap_algorithm = wire::kNotNamed;
  // "named_rows" or "namedRows": [{"features": {name: value}}], instead of rows, cols and
  // a value field.
  std::vector<NamedRow> named_rows;
  bool has_named_rows = false;
};

// POST /v2/models/{name}[/versions/{v}]/infer (Open Inference Protocol).
struct InferInput {
  std::string name, datatype;
  std::vector<int64_t> shape;
  std::vector<float> float32_data;   // datatype FP32
  std::vector<double> float64_data;  // datatype FP64
  // datatype BYTES: strings (category values); nullopt for a JSON null (missing)
  std::vector<std::optional<std::string>> bytes_data;
  // parameters.binary_data_size (Triton's binary tensor extension): the data is this
  // many bytes of the binary section after the JSON, not "data". -1 = JSON data.
  int64_t binary_data_size = -1;
};
struct InferOutput {
  std::string name;
  bool binary = false;               // parameters.binary_data: answer raw little-endian bytes
};
struct InferRequest {
  std::string id;
  std::vector<InferInput> inputs;
  std::vector<InferOutput> outputs;  // requested outputs; empty = the default
  int32_t output = wire::kNotNamed;  // parameters.output (see kOutputKindNames)
  bool binary_data_output = false;   // parameters.binary_data_output: every output binary
  int32_t shap_algorithm = wire::kNotNamed;  // parameters.shap_algorithm (PS_SHAP_*; "auto", ...)
};

// POST /v2/repository/index and /v2/repository/models/{name}/load|unload (Triton's
// repository extension). An empty body is an empty request.
struct RepositoryRequest {
  bool ready = false;                    // index: only ready models
  std::vector<std::string> parameters;   // load/unload: the parameter names given
};

// Each throws ServeError(kBadRequest) naming the field or the JSON problem.
FraudRequest parse_fraud_request(std::string_view body);
BatchRequest parse_batch_request(std::string_view body);
InferRequest parse_infer_request(std::string_view body);
RepositoryRequest parse_repository_index_request(std::string_view body);
RepositoryRequest parse_repository_model_request(std::string_view body);

// Writers.
// Shortest round-trip form; NaN -> null (missing), +-infinity -> +-1e999.
void append_double(std::string& out, double value);
void append_string(std::string& out, std::string_view value);  // quoted and escaped
std::string error_body(std::string_view message);              // {"error":"..."}

}  // namespace polyscore::server

#endif
