// What model metadata says of a model's categorical features (polyscore.v1
// GetModelMetadataResponse.categorical_features, its REST twin GET /v1/models/{name}):
// which features take category values by their text, the values in code order, where the
// list comes from and what a value not in it scores as. Read from the codes the server
// codes requests by (LoadedModel::categories), so metadata and scoring cannot disagree.
#ifndef POLYSCORE_SERVER_CATEGORICAL_FEATURES_H
#define POLYSCORE_SERVER_CATEGORICAL_FEATURES_H

#include <cstdint>
#include <string>
#include <vector>

namespace polyscore::server {

class LoadedModel;

struct CategoricalFeature {
  std::string name;
  uint32_t index = 0;
  // The training categories in code order, as text, valid UTF-8 for the wire: a value
  // whose bytes are not (see valid_utf8.h) has each bad byte as U+FFFD, and its code is in
  // invalid_utf8_codes (such a value can be given by its code only).
  std::vector<std::string> values;
  std::vector<uint32_t> invalid_utf8_codes;
  // What kind of value the categories are, as the model file holds them (the training
  // frame's categories' dtype): the PS_CATEGORY_* kind they all share, 0 for a list with
  // no value, or kMixedKinds when they differ (a pandas object column of strings and
  // numbers), value_kinds then giving each value's (empty otherwise).
  static constexpr int32_t kMixedKinds = -1;
  int32_t kind = 0;
  std::vector<int32_t> value_kinds;
  // true: a list of LightGBM's pandas_categorical paired by config.json
  // categorical_columns, a value not in it scoring as missing; false: a list the model
  // file pairs (XGBoost 3.1+), a value not in it refused.
  bool paired_by_config = false;
};

// The model's categorical features in feature order.
std::vector<CategoricalFeature> categorical_features(const LoadedModel& model);

// The features its splits test as categories that have no list of values: they take
// codes only (GetModelMetadataResponse.code_only_categorical_features). Ascending.
std::vector<uint32_t> code_only_categorical_features(const LoadedModel& model);

// A CategoricalFeature kind as polyscore.v1 CategoryKind: its number (PS_CATEGORY_* 1 to
// 4 keep theirs, kMixedKinds is MIXED, 5; a kind newer than this server UNSPECIFIED, 0)
// and its name, for gRPC and REST alike.
int category_kind_number(int32_t kind);
const char* category_kind_name(int32_t kind);

}  // namespace polyscore::server

#endif
