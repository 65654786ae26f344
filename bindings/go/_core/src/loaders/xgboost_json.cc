// XGBoost JSON models (Booster.save_model("*.json")), parsed with simdjson's DOM API.
// The schema walk itself lives in xgboost_schema.h and is shared with the UBJSON loader.
#include <limits>
#include <string>

#include "loaders/loaders.h"
#include "loaders/xgboost_schema.h"
#include "simdjson.h"

namespace polyscore {
namespace {

// XGBoost's JSON writer prints non-finite floats as the bare words NaN, Infinity and
// -Infinity (1.7 writes NaN as split_conditions of categorical nodes), which is not JSON.
// When a document has them, they are rewritten (outside strings) to numbers that no float32
// can be, and the adapter maps those back.
constexpr double kNanSentinel = 1.7976931348623157e308;  // DBL_MAX
constexpr double kInfSentinel = 1.7976931348623155e308;  // the double below DBL_MAX

bool rewrite_non_finite(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() + 64);
  bool changed = false, in_string = false;
  size_t i = 0, copied = 0;
  auto emit = [&](size_t at, size_t len, const char* repl) {
    out->append(in.data() + copied, at - copied);
    out->append(repl);
    copied = at + len;
    i = at + len;
    changed = true;
  };
  while (i < in.size()) {
    const char c = in[i];
    if (in_string) {
      if (c == '\\') i += 2;
      else {
        if (c == '"') in_string = false;
        ++i;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      ++i;
    } else if (c == 'N' && in.substr(i, 3) == "NaN") {
      emit(i, 3, "1.7976931348623157e308");
    } else if (c == 'I' && in.substr(i, 8) == "Infinity") {
      emit(i, 8, "1.7976931348623155e308");
    } else {
      ++i;
    }
  }
  out->append(in.data() + copied, in.size() - copied);
  return changed;
}

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
  static bool get_double(Value v, double* out) {
    if (v.get_double().get(*out)) return false;
    if (*out == kNanSentinel) *out = std::numeric_limits<double>::quiet_NaN();
    else if (*out == kInfSentinel) *out = std::numeric_limits<double>::infinity();
    else if (*out == -kInfSentinel) *out = -std::numeric_limits<double>::infinity();
    return true;
  }
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
  if (error && (bytes.find("NaN") != std::string_view::npos ||
                bytes.find("Infinity") != std::string_view::npos)) {
    std::string rewritten;
    if (rewrite_non_finite(bytes, &rewritten)) {
      padded = simdjson::padded_string(rewritten.data(), rewritten.size());
      error = parser.parse(padded).get(root);
    }
  }
  if (error) {
    fail_parse(std::string("xgboost json: the model is not valid JSON (") +
               simdjson::error_message(error) + ")");
  }
  return xgb::build_xgboost_forest<SimdjsonAdapter>(root, ModelFormat::kXGBoostJson);
}

}  // namespace polyscore
