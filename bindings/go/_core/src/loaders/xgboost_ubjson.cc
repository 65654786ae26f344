// XGBoost UBJSON models (Booster.save_model("*.ubj"), the default format since 2.0), read
// with ubjson::Document (ubjson_reader.h): one pass over the bytes into a flat node table,
// strings as views into the input, and XGBoost's optimized typed arrays ("[$d#L<count>"
// and friends) kept as views of their big-endian payload, decoded only as the schema walk
// reads them. The schema walk itself lives in xgboost_schema.h, shared with JSON.
#include <cstdint>
#include <string>
#include <utility>

#include "loaders/loaders.h"
#include "loaders/ubjson_reader.h"
#include "loaders/xgboost_schema.h"

namespace polyscore {
namespace {

struct UbjsonAdapter {
  using Value = ubjson::Value;
  using Doc = ubjson::Document;

  static xgb::Kind kind(Value v) {
    switch (v.tag()) {
      case ubjson::Tag::kObject: return xgb::Kind::kObject;
      case ubjson::Tag::kArray:
      case ubjson::Tag::kTypedArray: return xgb::Kind::kArray;
      case ubjson::Tag::kString: return xgb::Kind::kString;
      case ubjson::Tag::kBool: return xgb::Kind::kBool;
      case ubjson::Tag::kInt:
      case ubjson::Tag::kUint: return xgb::Kind::kInt;
      case ubjson::Tag::kDouble: return xgb::Kind::kDouble;
      case ubjson::Tag::kNull: break;
    }
    return xgb::Kind::kNull;
  }
  static bool find(Value v, std::string_view key, Value* out) { return Doc::find(v, key, out); }
  // Arrays only (the schema asks size() of arrays; an object is not one).
  static size_t size(Value v) { return kind(v) == xgb::Kind::kArray ? Doc::size(v) : 0; }
  template <class F>
  static void each(Value v, F&& f) {
    if (kind(v) == xgb::Kind::kArray) Doc::each(v, std::forward<F>(f));
  }
  static bool get_string(Value v, std::string_view* out) { return Doc::get_string(v, out); }
  static bool get_double(Value v, double* out) { return Doc::get_double(v, out); }
  static bool get_int(Value v, int64_t* out) { return Doc::get_int(v, out); }
};

}  // namespace

Forest load_xgboost_ubjson(std::string_view bytes) {
  if (bytes.empty()) fail_parse("xgboost ubjson: the model is empty", 0);
  ubjson::Document doc;
  try {
    doc.parse(bytes);
  } catch (const Error& e) {
    fail_parse(std::string("xgboost ubjson: the model is not valid UBJSON (") + e.what() + ")", e.offset());
  }
  return xgb::build_xgboost_forest<UbjsonAdapter>(doc.root(), ModelFormat::kXGBoostUbjson);
}

}  // namespace polyscore
