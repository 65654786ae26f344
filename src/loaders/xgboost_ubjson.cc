// XGBoost UBJSON models (Booster.save_model("*.ubj"), the default format since 2.0), read
// with nlohmann::json's UBJSON parser (which understands XGBoost's optimized typed arrays
// "[$d#<count>"). The schema walk itself lives in xgboost_schema.h, shared with JSON.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "loaders/loaders.h"
#include "loaders/xgboost_schema.h"

namespace polyscore {
namespace {

using Json = nlohmann::json;

struct NlohmannAdapter {
  using Value = const Json*;

  static xgb::Kind kind(Value v) {
    switch (v->type()) {
      case Json::value_t::object: return xgb::Kind::kObject;
      case Json::value_t::array: return xgb::Kind::kArray;
      case Json::value_t::string: return xgb::Kind::kString;
      case Json::value_t::boolean: return xgb::Kind::kBool;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned: return xgb::Kind::kInt;
      case Json::value_t::number_float: return xgb::Kind::kDouble;
      default: return xgb::Kind::kNull;
    }
  }
  static bool find(Value v, std::string_view key, Value* out) {
    if (!v->is_object()) return false;
    const auto& obj = v->get_ref<const Json::object_t&>();
    auto it = obj.find(std::string(key));
    if (it == obj.end()) return false;
    *out = &it->second;
    return true;
  }
  static size_t size(Value v) { return v->is_array() ? v->size() : 0; }
  template <class F>
  static void each(Value v, F&& f) {
    if (!v->is_array()) return;
    for (const Json& e : v->get_ref<const Json::array_t&>()) f(&e);
  }
  static bool get_string(Value v, std::string_view* out) {
    if (!v->is_string()) return false;
    *out = v->get_ref<const std::string&>();
    return true;
  }
  static bool get_double(Value v, double* out) {
    switch (v->type()) {
      case Json::value_t::number_float: *out = v->get<double>(); return true;
      case Json::value_t::number_integer: *out = static_cast<double>(v->get<int64_t>()); return true;
      case Json::value_t::number_unsigned: *out = static_cast<double>(v->get<uint64_t>()); return true;
      default: return false;
    }
  }
  static bool get_int(Value v, int64_t* out) {
    switch (v->type()) {
      case Json::value_t::number_integer: *out = v->get<int64_t>(); return true;
      case Json::value_t::number_unsigned: {
        uint64_t u = v->get<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX)) return false;
        *out = static_cast<int64_t>(u);
        return true;
      }
      case Json::value_t::boolean: *out = v->get<bool>() ? 1 : 0; return true;
      default: return false;
    }
  }
};

// Builds the DOM like nlohmann's own DOM parser, but refuses element counts that the input
// cannot hold, so a corrupt count cannot make us build a huge document.
class GuardedDomSax {
 public:
  GuardedDomSax(Json& root, size_t input_size) : dom_(root, true), limit_(input_size + 1) {}

  bool null() { return tick() && dom_.null(); }
  bool boolean(bool v) { return tick() && dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return tick() && dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return tick() && dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return tick() && dom_.number_float(v, s); }
  bool string(Json::string_t& v) { return tick() && dom_.string(v); }
  bool binary(Json::binary_t& v) { return tick() && dom_.binary(v); }
  bool start_object(std::size_t n) { return count_ok(n) && tick() && dom_.start_object(n); }
  bool key(Json::string_t& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return count_ok(n) && tick() && dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& ex) {
    return dom_.parse_error(pos, token, ex);
  }

 private:
  bool tick() {
    if (++values_ > limit_) fail_parse("xgboost ubjson: more values than the input can hold");
    return true;
  }
  bool count_ok(std::size_t n) {
    if (n != static_cast<std::size_t>(-1) && n > limit_)
      fail_parse("xgboost ubjson: a container declares " + std::to_string(n) +
                 " elements, more than the input can hold");
    return true;
  }
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  size_t limit_;
  size_t values_ = 0;
};

}  // namespace

Forest load_xgboost_ubjson(std::string_view bytes) {
  if (bytes.empty()) fail_parse("xgboost ubjson: the model is empty", 0);
  Json root;
  try {
    GuardedDomSax sax(root, bytes.size());
    const auto* first = reinterpret_cast<const uint8_t*>(bytes.data());
    Json::sax_parse(first, first + bytes.size(), &sax, nlohmann::detail::input_format_t::ubjson, true);
  } catch (const Json::parse_error& e) {
    fail_parse(std::string("xgboost ubjson: the model is not valid UBJSON (") + e.what() + ")",
               static_cast<int64_t>(e.byte));
  } catch (const Json::exception& e) {
    fail_parse(std::string("xgboost ubjson: the model is not valid UBJSON (") + e.what() + ")");
  }
  return xgb::build_xgboost_forest<NlohmannAdapter>(&root, ModelFormat::kXGBoostUbjson);
}

}  // namespace polyscore
