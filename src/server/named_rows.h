// Rows given by feature name (REST objects, polyscore.v1 NamedRow maps, one Open
// Inference Protocol tensor per feature), laid out in the model's feature order, with
// the server's errors. The rules and the words are src/feature_columns', which the
// worker shares: every feature given once, nothing else, a typo never scored silently.
#ifndef POLYSCORE_SERVER_NAMED_ROWS_H
#define POLYSCORE_SERVER_NAMED_ROWS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace polyscore::server {

class LoadedModel;

// One row: (feature name, value) pairs in the order given; NaN is missing.
using NamedRow = std::vector<std::pair<std::string, double>>;

// rows laid out row-major, rows.size() x the model's num_features. `where` names the
// rows in errors (e.g. "named_rows"): a row lacking a feature, holding a name the model
// does not have, or giving one twice is ServeError(kBadRequest) naming the row and the
// names.
std::vector<double> lay_out_named_rows(const LoadedModel& model, const std::vector<NamedRow>& rows,
                                       const std::string& where);
// For columns given one by one under a name each (Open Inference Protocol tensors): the
// position in `names` of each of the model's features, in the model's order. `names`
// must be exactly the model's feature names, in any order; otherwise a 400 naming
// `where` and the unknown, repeated and missing names.
std::vector<size_t> match_feature_names(const LoadedModel& model, const std::vector<std::string>& names,
                                        const std::string& where);
// One Open Inference Protocol input tensor holding one feature (MLServer's PandasCodec
// convention): named by the feature name, of shape [rows] or [rows, 1].
struct FeatureTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;  // FP32 values widened (exactly)
};

// True when OIP inputs are one tensor per feature rather than one [rows, num_features]
// tensor: more than one input, or a single one named as one of the model's features.
bool is_tensor_per_feature(const LoadedModel& model, const std::vector<std::string>& input_names);

// The per-feature tensors as a row-major float64 batch in the model's feature order;
// *rows is set to their common length. A wrong shape, a value count other than the
// shape's, tensors of different lengths, and names other than exactly the model's
// features are a 400 naming the input.
std::vector<double> lay_out_feature_tensors(const LoadedModel& model, const std::vector<FeatureTensor>& inputs,
                                            size_t* rows);

// One row, named `where` in errors.
std::vector<double> lay_out_named_row(const LoadedModel& model, const NamedRow& row, const std::string& where);

}  // namespace polyscore::server

#endif
