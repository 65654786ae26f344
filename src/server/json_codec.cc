#include "json_codec.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "errors.h"
#include "log.h"
#include "model_repository.h"
#include "output_kind.h"
#include "polyscore/v1/scoring.pb.h"
#include "shap_algorithm.h"
#include "simdjson.h"

namespace polyscore::server {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

[[noreturn]] void bad(const std::string& message) { fail(ErrorKind::kBadRequest, message); }

// The value of a simdjson result; a JSON error becomes simdjson_error (caught in parse_object).
template <typename T>
T unwrap(simdjson::simdjson_result<T>&& result) {
  T value;
  if (auto error = std::move(result).get(value)) throw simdjson::simdjson_error(error);
  return value;
}

const char* type_name(json_type type) {
  switch (type) {
    case json_type::array: return "an array";
    case json_type::object: return "an object";
    case json_type::number: return "a number";
    case json_type::string: return "a string";
    case json_type::boolean: return "a boolean";
    case json_type::null: return "null";
  }
  return "unknown";
}

// True if s is exactly one JSON number (RFC 8259 grammar).
bool is_json_number(std::string_view s) {
  size_t i = 0, n = s.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && s[i] == '.') { ++i; if (!digits()) return false; }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

std::string_view trimmed_token(value& v) {
  std::string_view token = v.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' ||
                            token.back() == '\r' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return token;
}

// The number `token` (a JSON number token, whitespace trimmed) as T, or a 400 naming it
// if it is not one. `where` and `flat_index` name the value in the error.
template <typename T>
T number_from_token(std::string_view token, const std::string& where, size_t flat_index) {
  T out{};
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  if (!is_json_number(token) || end != token.data() + token.size()) {
    bad("\"" + where + "[" + std::to_string(flat_index) + "]\" is not a JSON number: " + std::string(token));
  }
  if (ec == std::errc::result_out_of_range) {
    // Past the type's range: round as IEEE does (to +-infinity, or to zero or a
    // subnormal), the way the writer's 1e999 for infinity reads back. strtod and
    // strtof round correctly and the server never changes the C locale.
    std::string text(token);
    if constexpr (sizeof(T) == 4) out = std::strtof(text.c_str(), nullptr);
    else out = std::strtod(text.c_str(), nullptr);
  }
  return out;
}

// The float nearest to the decimal `element`, given d, the double nearest to it. Rounding
// d to float gives the same float unless d is exactly halfway between two floats (the
// decimal may lie on either side of that point), or lies where float is subnormal or out
// of range; then the decimal is read again as a float.
float nearest_float(double d, value& element, const std::string& where, size_t flat_index) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  constexpr uint64_t kDroppedBits = (uint64_t{1} << 29) - 1;  // double's 52 fraction bits - float's 23
  constexpr uint64_t kHalfway = uint64_t{1} << 28;
  double magnitude = std::fabs(d);
  bool float_normal = magnitude >= std::numeric_limits<float>::min() &&
                      magnitude <= std::numeric_limits<float>::max();
  if (((bits & kDroppedBits) != kHalfway && float_normal) || d == 0) return static_cast<float>(d);
  return number_from_token<float>(trimmed_token(element), where, flat_index);
}

// simdjson 3.0.1 misreads a number that starts with "0." and has more than 19 digits
// (0.95000000000000000000 gives 0.0276628: its overflow check for a leading zero counts
// the wrong digits; https://github.com/simdjson/simdjson/issues/2093, fixed in 3.6.3).
// True for such tokens, which then take the slow path. Shortest round-trip doubles have at
// most 17 digits, so real clients' numbers stay on the fast path.
bool simdjson_may_misread(value& element) {
  std::string_view token = element.raw_json_token();  // may include trailing whitespace
  size_t i = !token.empty() && token[0] == '-' ? 1 : 0;
  if (token.size() <= i + 21 || token[i] != '0' || token[i + 1] != '.') return false;
  i += 2;
  while (i < token.size() && token[i] == '0') ++i;  // leading zeros are not significant
  size_t digits = 0;
  while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i, ++digits;
  return digits > 19;
}

// Reads the array v (numbers and nulls; nested arrays too when `nested`, as OIP tensors
// may be written) onto the end of out, row-major, null as NaN (missing). Each number goes
// through simdjson's exact double parser straight into out; what that parser refuses
// (null, other types, numbers past double's range, malformed numbers) takes the slow path,
// which gives the same values as the fast one and the errors.
// path: the array's name in type errors (nested: "data[1]"); where: the outermost array's,
// for malformed numbers, which are named by their index in the flattened values.
template <typename T>
void read_numbers(value v, std::vector<T>& out, const std::string& path, const std::string& where,
                  size_t first, bool nested) {
  json_type type = v.type();
  if (type != json_type::array) bad("\"" + path + "\" must be an array, not " + type_name(type));
  size_t index = 0;
  for (auto element_result : v.get_array()) {
    value element = element_result.value();
    double d;
    if (!element.get_double().get(d) && !simdjson_may_misread(element)) {
      if constexpr (sizeof(T) == 4) out.push_back(nearest_float(d, element, where, out.size() - first));
      else out.push_back(d);
      ++index;
      continue;
    }
    json_type element_type = element.type();
    if (element_type == json_type::array && nested) {
      read_numbers(element, out, path + "[" + std::to_string(index) + "]", where, first, true);
    } else if (element_type == json_type::null) {
      element.is_null();
      out.push_back(std::numeric_limits<T>::quiet_NaN());
    } else if (element_type == json_type::number) {
      out.push_back(number_from_token<T>(trimmed_token(element), where, out.size() - first));
    } else {
      bad("\"" + path + "[" + std::to_string(index) + "]\" is " + type_name(element_type) +
          ", not a number or null");
    }
    ++index;
  }
}

// expected: how many values the request says it sends (rows x cols, the shape), reserved
// up front when the body can hold that many (each value takes at least two bytes), so a
// large batch is not copied as its buffer grows; 0 if not known.
template <typename T>
void read_numbers(value v, std::vector<T>& out, const std::string& where, bool nested,
                  uint64_t expected = 0, std::string_view body = {}) {
  out.clear();
  if (expected > 0 && expected <= body.size() / 2) out.reserve(expected);
  read_numbers(v, out, where, where, 0, nested);
}

// The product of dims, 0 if empty or past 2^64.
uint64_t count_of(const std::vector<uint64_t>& dims) {
  if (dims.empty()) return 0;
  uint64_t count = 1;
  for (uint64_t d : dims) {
    if (d != 0 && count > UINT64_MAX / d) return 0;
    count *= d;
  }
  return count;
}

std::string read_string(value v, std::string_view field) {
  json_type type = v.type();
  if (type != json_type::string) {
    bad("\"" + std::string(field) + "\" must be a string, not " + type_name(type));
  }
  return std::string(std::string_view(v.get_string()));
}

uint64_t read_count(value v, std::string_view field) {
  json_type type = v.type();
  uint64_t count = 0;
  if (type != json_type::number || v.get_uint64().get(count)) {
    bad("\"" + std::string(field) + "\" must be a non-negative integer");
  }
  return count;
}

bool read_bool(value v, std::string_view field) {
  bool flag = false;
  if (v.type() != json_type::boolean || v.get_bool().get(flag)) {
    bad("\"" + std::string(field) + "\" must be true or false");
  }
  return flag;
}

// "value", "margin", ... (what the CLI and the bindings take); with `proto_names`
// (polyscore.v1 in JSON) also its OutputKind names as the proto3 JSON mapping writes them
// ("OUTPUT_KIND_MARGIN"; read by protobuf's own table), OUTPUT_KIND_UNSPECIFIED being the
// model's default (wire::kNotNamed). The Open Inference Protocol's parameter takes the short names
// only, as its gRPC twin and infer-request.schema.json do.
int32_t read_output(value v, std::string_view field, bool proto_names) {
  const std::string name = read_string(v, field);
  int32_t output = 0;
  polyscore::v1::OutputKind kind{};
  if (proto_names && polyscore::v1::OutputKind_Parse(name, &kind) && wire::output_of(kind, &output)) {
    return output;
  }
  if (!parse_output_kind(name, &output)) {
    bad("\"" + std::string(field) + "\" must be one of " + kOutputKindNames + ", not \"" + name + "\"");
  }
  return output;
}

// "auto", "treeshap", "quadrature" (what the CLI and the bindings take; "auto" is
// explicit, whatever the model's config says); with `proto_names` (polyscore.v1 in JSON)
// also the names of its ShapAlgorithm as the proto3 JSON mapping writes them (read by
// protobuf's own table), SHAP_ALGORITHM_UNSPECIFIED being wire::kNotNamed, the model's
// configured default, as when the field is left out. The Open Inference Protocol's parameter takes
// the short names only, as its gRPC twin does.
int32_t read_shap_algorithm(value v, std::string_view field, bool proto_names) {
  const std::string text = read_string(v, field);
  int32_t shap_algorithm = 0;
  polyscore::v1::ShapAlgorithm algorithm{};
  if (proto_names && polyscore::v1::ShapAlgorithm_Parse(text, &algorithm) &&
      wire::shap_algorithm_of(algorithm, &shap_algorithm)) {
    return shap_algorithm;
  }
  if (!parse_shap_algorithm(text, &shap_algorithm)) {
    bad("\"" + std::string(field) + "\" must be one of " + kShapAlgorithmNames + ", not \"" + text + "\"");
  }
  return shap_algorithm;
}

[[noreturn]] void unknown_field(std::string_view where, std::string_view key, const char* expected) {
  bad("unknown field \"" + std::string(key) + "\"" +
      (where.empty() ? std::string() : " in \"" + std::string(where) + "\"") + " (expected " +
      expected + ")");
}

// simdjson's parser and the padded copy of the body it reads, one per thread and reused:
// a new parser allocates its index of the document (several bytes per byte of body), which
// for a 1 MB batch took longer than reading the numbers. Buffers grown past kKeepBytes by
// one large body are given back after it.
class ThreadParser {
 public:
  static constexpr size_t kKeepBytes = size_t{4} << 20;

  simdjson::simdjson_result<simdjson::ondemand::document> iterate(std::string_view body) {
    padded_.resize(body.size() + simdjson::SIMDJSON_PADDING);  // padding bytes: any value
    std::memcpy(padded_.data(), body.data(), body.size());
    return parser_.iterate(padded_.data(), body.size(), padded_.size());
  }
  // After the document is done with.
  void trim() {
    if (padded_.size() <= kKeepBytes) return;
    padded_ = std::string();
    parser_ = simdjson::ondemand::parser();
  }

 private:
  std::string padded_;
  simdjson::ondemand::parser parser_;
};

// A BYTES tensor's data: strings or null (missing), in nested arrays or flat
// (row-major), appended to out.
void read_strings(value v, std::vector<std::optional<std::string>>& out, const std::string& where) {
  json_type type = v.type();
  if (type == json_type::string) {
    out.emplace_back(std::string(unwrap(v.get_string())));
    return;
  }
  if (type == json_type::null) {
    v.is_null();
    out.emplace_back(std::nullopt);
    return;
  }
  if (type != json_type::array) {
    bad("\"" + where + "\" holds " + type_name(type) + ", not a string or null (datatype BYTES)");
  }
  size_t index = 0;
  for (auto element : v.get_array()) {
    read_strings(element.value(), out, where + "[" + std::to_string(index++) + "]");
  }
}

// One value of a row given by feature name: a number, or null (NaN, missing). `where`
// names it in errors ("named_rows[0].features.amount").
double read_named_number(value v, const std::string& where) {
  double d;
  if (!v.get_double().get(d) && !simdjson_may_misread(v)) return d;
  json_type type = v.type();
  if (type == json_type::null) {
    v.is_null();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (type != json_type::number) {
    bad("\"" + where + "\" is " + type_name(type) + ", not a number, null or a category's string");
  }
  std::string_view token = trimmed_token(v);
  if (!is_json_number(token)) bad("\"" + where + "\" is not a JSON number: " + std::string(token));
  return std::strtod(std::string(token).c_str(), nullptr);  // past double's range: +-inf, as elsewhere
}

// A row by feature name: the object v of feature names and values, in the order given.
// A string is a category value (coded later, by the model's training categories).
void read_named_row(value v, NamedRow& row, const std::string& where) {
  json_type type = v.type();
  if (type != json_type::object) {
    bad("\"" + where + "\" must be an object of feature names and values, not " + type_name(type));
  }
  for (auto field_result : v.get_object()) {
    simdjson::ondemand::field field = unwrap(std::move(field_result));
    std::string name(std::string_view(field.unescaped_key()));
    value field_value = field.value();
    if (field_value.type() == json_type::string) {
      row.categories.emplace_back(std::move(name), std::string(unwrap(field_value.get_string())));
    } else {
      double number = read_named_number(field_value, where + "." + name);
      row.numbers.emplace_back(std::move(name), number);
    }
  }
}

// NamedRow.categories in JSON: an object of feature names and category values (strings).
void read_named_categories(value v, NamedRow& row, const std::string& where) {
  json_type type = v.type();
  if (type != json_type::object) {
    bad("\"" + where + "\" must be an object of feature names and category values, not " + type_name(type));
  }
  for (auto field_result : v.get_object()) {
    simdjson::ondemand::field field = unwrap(std::move(field_result));
    std::string name(std::string_view(field.unescaped_key()));
    value field_value = field.value();
    json_type value_type = field_value.type();
    if (value_type != json_type::string) {
      bad("\"" + where + "." + name + "\" is " + type_name(value_type) + ", not a string (a category value)");
    }
    row.categories.emplace_back(std::move(name), std::string(unwrap(field_value.get_string())));
  }
}

// polyscore.v1 named_rows: [{"features": {name: value}, "categories": {name: string}},
// ...] (NamedRow in the proto3 JSON mapping); a string in "features" is a category value
// too.
void read_named_rows(value v, std::vector<NamedRow>& rows, const std::string& where) {
  json_type type = v.type();
  if (type != json_type::array) bad("\"" + where + "\" must be an array, not " + type_name(type));
  rows.clear();
  for (auto element_result : v.get_array()) {
    value element = element_result.value();
    std::string at = where + "[" + std::to_string(rows.size()) + "]";
    if (element.type() != json_type::object) bad("\"" + at + "\" must be an object {\"features\": {...}}");
    NamedRow& row = rows.emplace_back();
    bool has_features = false;
    for (auto field_result : element.get_object()) {
      simdjson::ondemand::field field = unwrap(std::move(field_result));
      std::string_view key = field.unescaped_key();
      if (key == "features") {
        read_named_row(field.value(), row, at + ".features");
      } else if (key == "categories") {
        read_named_categories(field.value(), row, at + ".categories");
      } else {
        unknown_field(at, key, "features, categories");
      }
      has_features = true;
    }
    if (!has_features) bad("missing field \"" + at + ".features\" (or \"" + at + ".categories\")");
  }
}

// Runs parse(object) over the body's top-level object; turns JSON errors into 400s.
template <typename Parse>
void parse_object(std::string_view body, Parse parse) {
  thread_local ThreadParser parser;
  struct Trim {
    ThreadParser& parser;
    ~Trim() { parser.trim(); }
  } trim{parser};
  try {
    simdjson::ondemand::document doc = unwrap(parser.iterate(body));
    if (doc.type() != json_type::object) bad("the request body must be a JSON object");
    parse(doc.get_object());
    // Anything left after the object's closing brace (current_location fails at the end).
    if (!doc.current_location().error()) bad("malformed JSON: content after the top-level object");
  } catch (const simdjson::simdjson_error& e) {
    bad(std::string("malformed JSON: ") + e.what());
  }
}

// Runs on_field(key, field) for each field of an optional body's object: an empty body
// is an empty object (the repository calls may be sent without a body).
template <typename OnField>
void for_each_field_of_optional_body(std::string_view body, OnField on_field) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  parse_object(body, [&](simdjson::ondemand::object object) {
    for (auto field_result : object) {
      simdjson::ondemand::field field = unwrap(std::move(field_result));
      on_field(std::string_view(field.unescaped_key()), field);
    }
  });
}

}  // namespace

FraudRequest parse_fraud_request(std::string_view body) {
  FraudRequest request;
  bool has_features = false, has_numbers = false, has_categories = false;
  parse_object(body, [&](simdjson::ondemand::object object) {
    for (auto field_result : object) {
      simdjson::ondemand::field field = unwrap(std::move(field_result));
      std::string_view key = field.unescaped_key();
      if (key == "features") {
        read_numbers(field.value(), request.features, "features", false);
        has_features = true;
      } else if (key == "named_features" || key == "namedFeatures") {
        if (has_numbers) bad("give one of \"named_features\" and \"namedFeatures\", not both");
        read_named_row(field.value(), request.named_features, std::string(key));
        has_numbers = true;
      } else if (key == "named_categories" || key == "namedCategories") {
        if (has_categories) bad("give one of \"named_categories\" and \"namedCategories\", not both");
        read_named_categories(field.value(), request.named_features, std::string(key));
        has_categories = true;
      } else if (key == "model") {
        request.model = read_string(field.value(), "model");
      } else {
        unknown_field("", key, "features, named_features, named_categories, model");
      }
    }
  });
  request.has_named_features = has_numbers || has_categories;
  if (has_features == request.has_named_features) {
    bad(has_features ? "give one of \"features\" and \"named_features\", not both"
                     : "missing field \"features\" (or \"named_features\", \"named_categories\")");
  }
  if (request.model.empty()) bad("missing field \"model\"");
  return request;
}

BatchRequest parse_batch_request(std::string_view body) {
  BatchRequest request;
  bool has_base_margin = false, has_shap_algorithm = false;
  parse_object(body, [&](simdjson::ondemand::object object) {
    for (auto field_result : object) {
      simdjson::ondemand::field field = unwrap(std::move(field_result));
      std::string_view key = field.unescaped_key();
      if (key == "model") {
        request.model = read_string(field.value(), "model");
      } else if (key == "version") {
        request.version = read_string(field.value(), "version");
      } else if (key == "rows") {
        request.rows = read_count(field.value(), "rows");
        request.has_rows = true;
      } else if (key == "cols") {
        request.cols = read_count(field.value(), "cols");
        request.has_cols = true;
      } else if (key == "float32_values") {
        read_numbers(field.value(), request.float32_values, "float32_values", false,
                     count_of({request.rows, request.cols}), body);
        request.has_float32 = true;
      } else if (key == "float64_values") {
        read_numbers(field.value(), request.float64_values, "float64_values", false,
                     count_of({request.rows, request.cols}), body);
        request.has_float64 = true;
      } else if (key == "output") {
        request.output = read_output(field.value(), "output", true);
      } else if (key == "iterations") {
        value v = field.value();
        if (v.type() != json_type::object) bad("\"iterations\" must be an object");
        for (auto inner_result : v.get_object()) {
          simdjson::ondemand::field inner = unwrap(std::move(inner_result));
          std::string_view inner_key = inner.unescaped_key();
          uint64_t n = 0;
          if (inner_key == "begin" || inner_key == "end") {
            n = read_count(inner.value(), "iterations." + std::string(inner_key));
            if (n > UINT32_MAX) bad("\"iterations." + std::string(inner_key) + "\" is too large");
          } else {
            unknown_field("iterations", inner_key, "begin, end");
          }
          (inner_key == "begin" ? request.iteration_begin : request.iteration_end) =
              static_cast<uint32_t>(n);
        }
      } else if (key == "base_margin" || key == "baseMargin") {
        // Both names, as the proto3 JSON mapping has parsers accept (the proto field name
        // and its lowerCamelCase json_name); a body with both is ambiguous.
        if (has_base_margin) bad("give one of \"base_margin\" and \"baseMargin\", not both");
        read_numbers(field.value(), request.base_margin, std::string(key), false);
        has_base_margin = true;
      } else if (key == "shap_algorithm" || key == "shapAlgorithm") {
        if (has_shap_algorithm) bad("give one of \"shap_algorithm\" and \"shapAlgorithm\", not both");
        request.shap_algorithm = read_shap_algorithm(field.value(), key, true);
        has_shap_algorithm = true;
      } else if (key == "named_rows" || key == "namedRows") {
        if (request.has_named_rows) bad("give one of \"named_rows\" and \"namedRows\", not both");
        read_named_rows(field.value(), request.named_rows, std::string(key));
        request.has_named_rows = true;
      } else {
        unknown_field("", key,
                      "model, version, rows, cols, float32_values, float64_values, named_rows, output, "
                      "iterations, base_margin, shap_algorithm");
      }
    }
  });
  if (request.model.empty()) bad("missing field \"model\"");
  if (request.has_named_rows) {
    if (request.has_rows || request.has_cols || request.has_float32 || request.has_float64) {
      bad("give either \"named_rows\" or \"rows\", \"cols\" and a value field, not both");
    }
    return request;
  }
  if (!request.has_rows) bad("missing field \"rows\"");
  if (!request.has_cols) bad("missing field \"cols\"");
  if (request.has_float32 == request.has_float64) {
    bad("give exactly one of \"float32_values\" and \"float64_values\"");
  }
  return request;
}

InferRequest parse_infer_request(std::string_view body) {
  InferRequest request;
  parse_object(body, [&](simdjson::ondemand::object object) {
    for (auto field_result : object) {
      simdjson::ondemand::field field = unwrap(std::move(field_result));
      std::string_view key = field.unescaped_key();
      if (key == "id") {
        request.id = read_string(field.value(), "id");
      } else if (key == "parameters") {
        value v = field.value();
        if (v.type() != json_type::object) bad("\"parameters\" must be an object");
        for (auto p_result : v.get_object()) {
          simdjson::ondemand::field p = unwrap(std::move(p_result));
          std::string_view p_key = p.unescaped_key();
          if (p_key == "output") request.output = read_output(p.value(), "parameters.output", false);
          if (p_key == "binary_data_output") request.binary_data_output = read_bool(p.value(), "parameters.binary_data_output");
          if (p_key == "shap_algorithm") {
            request.shap_algorithm = read_shap_algorithm(p.value(), "parameters.shap_algorithm", false);
          }
          // Other parameters are extensions polyscore does not use; the OIP lets
          // servers ignore them.
        }
      } else if (key == "inputs") {
        value v = field.value();
        if (v.type() != json_type::array) bad("\"inputs\" must be an array");
        for (auto input_result : v.get_array()) {
          value input_value = input_result.value();
          std::string where = "inputs[" + std::to_string(request.inputs.size()) + "]";
          if (input_value.type() != json_type::object) bad("\"" + where + "\" must be an object");
          InferInput input;
          bool has_data = false;
          // "data" before "datatype" is read in a second pass over the input, once its
          // type is known: FP32 data must be rounded from the decimals, not from doubles.
          bool data_deferred = false;
          auto read_data = [&](value data) {
            std::vector<uint64_t> dims(input.shape.begin(), input.shape.end());
            if (input.datatype == "BYTES") {
              read_strings(data, input.bytes_data, where + ".data");
            } else if (input.datatype == "FP32") {
              read_numbers(data, input.float32_data, where + ".data", true, count_of(dims), body);
            } else {  // FP64, or a datatype refused below
              read_numbers(data, input.float64_data, where + ".data", true, count_of(dims), body);
            }
          };
          simdjson::ondemand::object input_object = unwrap(input_value.get_object());
          for (auto f_result : input_object) {
            simdjson::ondemand::field f = unwrap(std::move(f_result));
            std::string_view f_key = f.unescaped_key();
            if (f_key == "name") {
              input.name = read_string(f.value(), where + ".name");
            } else if (f_key == "datatype") {
              input.datatype = read_string(f.value(), where + ".datatype");
            } else if (f_key == "shape") {
              value shape = f.value();
              if (shape.type() != json_type::array) bad("\"" + where + ".shape\" must be an array");
              for (auto dim : shape.get_array()) {
                input.shape.push_back(static_cast<int64_t>(read_count(dim.value(), where + ".shape")));
              }
            } else if (f_key == "data") {
              if (input.datatype.empty()) data_deferred = true;
              else read_data(f.value());
              has_data = true;
            } else if (f_key == "parameters") {
              value p = f.value();
              if (p.type() != json_type::object) bad("\"" + where + ".parameters\" must be an object");
              for (auto p_result : p.get_object()) {
                simdjson::ondemand::field param = unwrap(std::move(p_result));
                std::string_view p_key = param.unescaped_key();
                if (p_key == "binary_data_size") {
                  input.binary_data_size =
                      static_cast<int64_t>(read_count(param.value(), where + ".parameters.binary_data_size"));
                }
              }
            } else {
              unknown_field(where, f_key, "name, shape, datatype, parameters, data");
            }
          }
          if (data_deferred && !input.datatype.empty()) {
            unwrap(input_object.reset());
            read_data(unwrap(input_object.find_field_unordered("data")));
          }
          if (input.name.empty()) bad("missing field \"" + where + ".name\"");
          bool binary = input.binary_data_size >= 0;
          if (!has_data && !binary) bad("missing field \"" + where + ".data\"");
          if (has_data && binary) bad("\"" + where + "\" has both data and parameters.binary_data_size");
          if (input.datatype.empty()) bad("missing field \"" + where + ".datatype\"");
          if (input.datatype != "FP32" && input.datatype != "FP64" && input.datatype != "BYTES") {
            bad("\"" + where + ".datatype\" is " + input.datatype +
                "; polyscore takes FP32 or FP64 (or BYTES for a categorical feature's tensor of its own)");
          }
          request.inputs.push_back(std::move(input));
        }
      } else if (key == "outputs") {
        value v = field.value();
        if (v.type() != json_type::array) bad("\"outputs\" must be an array");
        for (auto output_result : v.get_array()) {
          value output_value = output_result.value();
          std::string where = "outputs[" + std::to_string(request.outputs.size()) + "]";
          if (output_value.type() != json_type::object) bad("\"" + where + "\" must be an object");
          InferOutput output;
          for (auto f_result : output_value.get_object()) {
            simdjson::ondemand::field f = unwrap(std::move(f_result));
            std::string_view f_key = f.unescaped_key();
            if (f_key == "name") {
              output.name = read_string(f.value(), where + ".name");
            } else if (f_key == "parameters") {
              value p = f.value();
              if (p.type() != json_type::object) bad("\"" + where + ".parameters\" must be an object");
              for (auto p_result : p.get_object()) {
                simdjson::ondemand::field param = unwrap(std::move(p_result));
                if (std::string_view(param.unescaped_key()) == "binary_data") {
                  output.binary = read_bool(param.value(), where + ".parameters.binary_data");
                }
              }
            } else {
              unknown_field(where, f_key, "name, parameters");
            }
          }
          if (output.name.empty()) bad("missing field \"" + where + ".name\"");
          request.outputs.push_back(std::move(output));
        }
      } else {
        unknown_field("", key, "id, parameters, inputs, outputs");
      }
    }
  });
  return request;
}

RepositoryRequest parse_repository_index_request(std::string_view body) {
  RepositoryRequest request;
  for_each_field_of_optional_body(body, [&](std::string_view key, simdjson::ondemand::field& field) {
    if (key == "ready") {
      value v = field.value();
      if (v.type() != json_type::boolean) bad("\"ready\" must be true or false");
      request.ready = unwrap(v.get_bool());
    } else {
      unknown_field("", key, "ready");
    }
  });
  return request;
}

RepositoryRequest parse_repository_model_request(std::string_view body) {
  RepositoryRequest request;
  for_each_field_of_optional_body(body, [&](std::string_view key, simdjson::ondemand::field& field) {
    if (key == "parameters") {
      value v = field.value();
      if (v.type() != json_type::object) bad("\"parameters\" must be an object");
      for (auto p_result : v.get_object()) {
        simdjson::ondemand::field p = unwrap(std::move(p_result));
        request.parameters.emplace_back(std::string_view(p.unescaped_key()));
      }
    } else {
      unknown_field("", key, "parameters");
    }
  });
  return request;
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "null";
    return;
  }
  if (std::isinf(value)) {  // JSON has no infinity; 1e999 is a number every parser rounds to it
    out += value > 0 ? "1e999" : "-1e999";
    return;
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_string(std::string& out, std::string_view value) {
  out += '"';
  append_json_escaped(out, value);
  out += '"';
}

std::string error_body(std::string_view message) {
  std::string out = "{\"error\":";
  append_string(out, message);
  out += "}\n";
  return out;
}

}  // namespace polyscore::server
