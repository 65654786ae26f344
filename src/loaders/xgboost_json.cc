// XGBoost JSON models (Booster.save_model("*.json")), parsed with simdjson's DOM API.
// The schema walk itself lives in xgboost_schema.h and is shared with the UBJSON loader.
#include <string>

#include "loaders/loaders.h"
#include "loaders/xgboost_schema.h"
#include "simdjson.h"

namespace polyscore {
namespace {

struct SimdjsonAdapter {
  using Value = simdjson::dom::element;

  static xgb::Kind kind(Value v) {
    switch (v.type()) {
      case simdjson::dom::element_type::ARRAY: return xgb::Kind::kArray;
      case simdjson::dom::element_type::OBJECT: return xgb::Kind::kObject;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64: return xgb::Kind::kInt;
      case simdjson::dom::element_type::DOUBLE: return xgb::Kind::kDouble;
      case simdjson::dom::element_type::STRING: return xgb::Kind::kString;
      case simdjson::dom::element_type::BOOL: return xgb::Kind::kBool;
      case simdjson::dom::element_type::NULL_VALUE: break;
    }
    return xgb::Kind::kNull;
  }
  static bool find(Value v, std::string_view key, Value* out) {
    simdjson::dom::object obj;
    if (v.get_object().get(obj)) return false;
    return !obj.at_key(key).get(*out);
  }
  static size_t size(Value v) {
    simdjson::dom::array arr;
    if (v.get_array().get(arr)) return 0;
    return arr.size();
  }
  template <class F>
  static void each(Value v, F&& f) {
    simdjson::dom::array arr;
    if (v.get_array().get(arr)) return;
    for (simdjson::dom::element e : arr) f(e);
  }
  static bool get_string(Value v, std::string_view* out) { return !v.get_string().get(*out); }
  static bool get_double(Value v, double* out) { return !v.get_double().get(*out); }
  static bool get_int(Value v, int64_t* out) {
    switch (v.type()) {
      case simdjson::dom::element_type::INT64:
        return !v.get_int64().get(*out);
      case simdjson::dom::element_type::UINT64: {
        uint64_t u = 0;
        if (v.get_uint64().get(u) || u > static_cast<uint64_t>(INT64_MAX)) return false;
        *out = static_cast<int64_t>(u);
        return true;
      }
      case simdjson::dom::element_type::BOOL: {
        bool b = false;
        if (v.get_bool().get(b)) return false;
        *out = b ? 1 : 0;
        return true;
      }
      default:
        return false;
    }
  }
};

}  // namespace

Forest load_xgboost_json(std::string_view bytes) {
  if (bytes.empty()) fail_parse("xgboost json: the model is empty", 0);
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse from a padded copy.
  simdjson::padded_string padded(bytes.data(), bytes.size());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    fail_parse(std::string("xgboost json: the model is not valid JSON (") +
               simdjson::error_message(error) + ")");
  }
  return xgb::build_xgboost_forest<SimdjsonAdapter>(root, ModelFormat::kXGBoostJson);
}

}  // namespace polyscore
