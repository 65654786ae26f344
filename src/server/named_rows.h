// Rows given by feature name (REST objects, polyscore.v1 NamedRow maps, one Open
// Inference Protocol tensor per feature), laid out in the model's feature order, with
// the server's errors. The rules and the words are src/feature_columns', which the
// worker shares: every feature given once, nothing else, a typo never scored silently.
#ifndef POLYSCORE_SERVER_NAMED_ROWS_H
#define POLYSCORE_SERVER_NAMED_ROWS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyscore::server {

class LoadedModel;

// One row: (feature name, number) pairs, NaN missing, and (feature name, category value)
// pairs, the value as its text (a JSON string, a NamedRow's categories), in the order
// given. A feature is in one of them once.
struct NamedRow {
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::string>> categories;
};

// rows laid out row-major, rows.size() x the model's num_features, each category value
// replaced by its training code (src/feature_columns/category_codes.h). `where` names the
// rows in errors (e.g. "named_rows"): a row lacking a feature, holding a name the model
// does not have, or giving one twice, or a category value without a code, is
// ServeError(kBadRequest) naming the row, the names and the value.
std::vector<double> lay_out_named_rows(const LoadedModel& model, const std::vector<NamedRow>& rows,
                                       const std::string& where);
// For columns given one by one under a name each (Open Inference Protocol tensors): the
// position in `names` of each of the model's features, in the model's order. `names`
// must be exactly the model's feature names, in any order; otherwise a 400 naming
// `where` and the unknown, repeated and missing names.
std::vector<size_t> match_feature_names(const LoadedModel& model, const std::vector<std::string>& names,
                                        const std::string& where);
// One Open Inference Protocol input tensor holding one feature (MLServer's PandasCodec
// convention): named by the feature name, of shape [rows] or [rows, 1]. Numbers (FP32,
// FP64), or category values by their text (BYTES: strings), coded as in named rows.
struct FeatureTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;       // FP32 values widened (exactly)
  std::vector<std::optional<std::string>> texts;  // BYTES; nullopt is missing (JSON null)
  bool bytes = false;               // datatype BYTES: texts, not values
};

// The strings of a BYTES tensor sent as raw bytes (Triton's binary form, gRPC
// raw_input_contents and the REST binary extension): each a 4-byte little-endian length
// and that many bytes. A length that runs past the end is a 400 naming the input.
std::vector<std::optional<std::string>> bytes_elements(std::string_view raw, const std::string& input_name);

// True when OIP inputs are one tensor per feature rather than one [rows, num_features]
// tensor: more than one input, or a single one named as one of the model's features.
bool is_tensor_per_feature(const LoadedModel& model, const std::vector<std::string>& input_names);

// The per-feature tensors as a row-major float64 batch in the model's feature order;
// *rows is set to their common length. A wrong shape, a value count other than the
// shape's, tensors of different lengths, names other than exactly the model's
// features, and a BYTES value without a training code are a 400 naming the input.
std::vector<double> lay_out_feature_tensors(const LoadedModel& model, const std::vector<FeatureTensor>& inputs,
                                            size_t* rows);

// One row, named `where` in errors.
std::vector<double> lay_out_named_row(const LoadedModel& model, const NamedRow& row, const std::string& where);

}  // namespace polyscore::server

#endif
