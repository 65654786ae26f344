// The REST codec's numbers (src/server/json_codec.cc): every JSON number becomes the
// value std::from_chars (strtod/strtof past the type's range) reads from the same text,
// bit for bit, as double and as float, through simdjson's fast path or the slow one; the
// errors for malformed numbers and wrong types name the value as they always have.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "errors.h"
#include "json_codec.h"

namespace polyscore::server {
namespace {

template <typename T>
T reference(const std::string& token) {
  T out{};
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  EXPECT_EQ(end, token.data() + token.size()) << token;
  if (ec == std::errc::result_out_of_range) {
    if constexpr (sizeof(T) == 4) out = std::strtof(token.c_str(), nullptr);
    else out = std::strtod(token.c_str(), nullptr);
  }
  return out;
}

template <typename T>
uint64_t bits_of(T value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof value);
  return bits;
}

std::string batch_body(const std::vector<std::string>& tokens, const char* field) {
  std::string body = "{\"model\":\"m\",\"rows\":1,\"cols\":" + std::to_string(tokens.size()) + ",\"" +
                     field + "\":[";
  for (size_t i = 0; i < tokens.size(); ++i) body += (i ? "," : "") + tokens[i];
  return body + "]}";
}

// Parses tokens as float64_values and float32_values and compares each value with the
// reference, bit for bit.
void expect_exact(const std::vector<std::string>& tokens) {
  BatchRequest f64 = parse_batch_request(batch_body(tokens, "float64_values"));
  BatchRequest f32 = parse_batch_request(batch_body(tokens, "float32_values"));
  ASSERT_EQ(f64.float64_values.size(), tokens.size());
  ASSERT_EQ(f32.float32_values.size(), tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(bits_of(f64.float64_values[i]), bits_of(reference<double>(tokens[i]))) << tokens[i];
    EXPECT_EQ(bits_of(f32.float32_values[i]), bits_of(reference<float>(tokens[i]))) << tokens[i] << " as float";
  }
}

// The exact decimal of a double (every binary fraction has a finite one).
std::string exact_decimal(double value) {
  char buffer[1200];
  std::snprintf(buffer, sizeof buffer, "%.1100f", value);
  std::string text = buffer;
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

TEST(JsonCodecNumbers, EdgeCasesReadExactly) {
  expect_exact({"0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.4", "1.2", "1e0", "1E+2", "1e-2",
                "123456789012345678901234567890", "0.000000000000000000000000000001234567890123456789",
                "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "-1e999", "1e999",
                "2.2250738585072014e-308", "4.9406564584124654e-324", "2e-324", "1e-400", "-1e-400",
                "3.4028234663852886e38", "3.4028235677973366e38", "3.4028236e38", "1e39", "-1e39",
                "1.1754943508222875e-38", "1.401298464324817e-45", "7e-46", "1e-50",
                "9007199254740993", "0.30000000000000004", "1e00000000000000000000000001",
                // simdjson 3.0.1's get_double misreads these (simdjson issue 2093)
                "0.95000000000000000000", "-0.95000000000000000000", "0.923015675736817143237484e223",
                "0.00000000000000000012345678901234567890123"});
}

TEST(JsonCodecNumbers, RandomNumbersReadExactly) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> exponent(-330, 310), digits(1, 25), digit(0, 9);
  std::vector<std::string> tokens;
  char buffer[64];
  for (int i = 0; i < 20000; ++i) {
    std::string token;
    switch (i % 3) {
      case 0: {  // shortest round-trip, as clients print doubles
        double value = std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng), exponent(rng) / 2);
        token.assign(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
        break;
      }
      case 1: {  // the shortest text of a float, as float32 clients print
        float value = static_cast<float>(std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
        token.assign(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
        break;
      }
      default: {  // long digit strings with any exponent
        int n = digits(rng);
        token = "0.";
        for (int d = 0; d < n; ++d) token += char('0' + digit(rng));
        token += "e" + std::to_string(exponent(rng));
      }
    }
    tokens.push_back(token);
  }
  expect_exact(tokens);
}

// A decimal whose nearest double lies exactly halfway between two floats: rounding that
// double to float would round to even, while the decimal itself lies a little above or
// below the halfway point. float32 values must come from the decimal.
TEST(JsonCodecNumbers, Float32IsRoundedFromTheDecimalNotFromTheDouble) {
  std::vector<std::string> tokens;
  for (float low : {1.0f, 0.4f, 3.0e-10f, 12345.678f, 1.0e30f}) {
    float high = std::nextafter(low, 2 * low);
    double halfway = (double(low) + double(high)) / 2;  // exact in double
    std::string decimal = exact_decimal(halfway);
    tokens.push_back(decimal);  // exactly halfway: ties to even
    if (decimal.find('.') == std::string::npos) decimal += ".";
    tokens.push_back(decimal + "00000000000000000000001");  // just above: rounds to high
    std::string below = exact_decimal(std::nextafter(halfway, 0.0));
    tokens.push_back(below);  // a double just below halfway: low
    ASSERT_EQ(std::strtod(tokens[tokens.size() - 2].c_str(), nullptr), halfway);
  }
  expect_exact(tokens);
  // The float from the decimal, not the double: the first token rounds up to `high`.
  BatchRequest f32 = parse_batch_request(batch_body(tokens, "float32_values"));
  EXPECT_EQ(f32.float32_values[1], std::nextafter(1.0f, 2.0f));
}

TEST(JsonCodecNumbers, OipDataBeforeItsDatatypeIsReadAsThatDatatype) {
  float high = std::nextafter(1.0f, 2.0f);
  std::string above_halfway = exact_decimal((1.0 + double(high)) / 2) + "0000000000000001";
  for (bool datatype_first : {true, false}) {
    std::string data = "\"data\":[[" + above_halfway + ",null],[2,3]]";
    std::string input = datatype_first ? "{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,2]," + data + "}"
                                       : "{" + data + ",\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\"}";
    InferRequest request = parse_infer_request("{\"inputs\":[" + input + "]}");
    const std::vector<float>& values = request.inputs.at(0).float32_data;
    ASSERT_EQ(values.size(), 4u) << input;
    EXPECT_EQ(values[0], high) << input;
    EXPECT_TRUE(std::isnan(values[1])) << input;
    EXPECT_EQ(values[3], 3.0f) << input;
    EXPECT_TRUE(request.inputs[0].float64_data.empty());
  }
  InferRequest fp64 = parse_infer_request(
      "{\"inputs\":[{\"data\":[0.1,1e999],\"datatype\":\"FP64\",\"name\":\"x\",\"shape\":[2]}]}");
  EXPECT_EQ(fp64.inputs.at(0).float64_data, (std::vector<double>{0.1, INFINITY}));
}

std::string error_of(const std::string& body, bool infer = false) {
  try {
    if (infer) parse_infer_request(body);
    else parse_batch_request(body);
  } catch (const ServeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
    return e.what();
  }
  return "no error";
}

TEST(JsonCodecNumbers, MalformedNumbersAndWrongTypesAreNamed) {
  for (const char* token : {"01", "-01", "1.", "1.e5", "1e", "1e+", "-", "-inf", "1.5x", "0x10"}) {
    EXPECT_EQ(error_of(batch_body({"1", "2", token}, "float64_values")),
              std::string("\"float64_values[2]\" is not a JSON number: ") + token);
    EXPECT_EQ(error_of(batch_body({"1", "2", token}, "float32_values")),
              std::string("\"float32_values[2]\" is not a JSON number: ") + token);
  }
  EXPECT_EQ(error_of(batch_body({"1", "\"2\""}, "float64_values")),
            "\"float64_values[1]\" is a string, not a number or null");
  EXPECT_EQ(error_of(batch_body({"1", "[2]"}, "float64_values")),
            "\"float64_values[1]\" is an array, not a number or null");
  // Nested tensor data: a malformed number by its index in the flattened values, a wrong
  // type by its place in the nesting.
  EXPECT_EQ(error_of("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP64\",\"shape\":[2,2],"
                     "\"data\":[[1,2],[3,1.]]}]}", true),
            "\"inputs[0].data[3]\" is not a JSON number: 1.");
  EXPECT_EQ(error_of("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,2],"
                     "\"data\":[[1,2],[true,1]]}]}", true),
            "\"inputs[0].data[1][0]\" is a boolean, not a number or null");
}

// rows x cols is only a hint for the buffer: a request claiming more values than its body
// can hold is read as sent (and refused later by the shape check), not allocated for.
TEST(JsonCodecNumbers, ClaimedCountsDoNotAllocate) {
  BatchRequest request = parse_batch_request(
      "{\"model\":\"m\",\"rows\":4000000000000,\"cols\":4000000000000,\"float64_values\":[1,2]}");
  EXPECT_EQ(request.float64_values, (std::vector<double>{1, 2}));
  InferRequest infer = parse_infer_request(
      "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[4000000000000,4000000000000],"
      "\"data\":[1,2]}]}");
  EXPECT_EQ(infer.inputs.at(0).float32_data, (std::vector<float>{1, 2}));
}

// JSON text is UTF-8: each byte that does not start a valid sequence becomes U+FFFD;
// valid text (two to four bytes) goes through unchanged, and
// quotes and controls are still escaped.
TEST(JsonCodecStrings, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(error_body("caf\xe9 \"x\"\n"), "{\"error\":\"caf\xef\xbf\xbd \\\"x\\\"\\u000a\"}\n");
  const std::string valid = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";  // é, euro sign, an emoji
  EXPECT_EQ(error_body(valid), "{\"error\":\"" + valid + "\"}\n");
  const std::string fffd = "\xef\xbf\xbd";
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF.
  EXPECT_EQ(error_body("\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"),
            "{\"error\":\"" + fffd + "|" + fffd + fffd + "|" + fffd + fffd + "|" + fffd + fffd + fffd + "|" + fffd +
                fffd + fffd + fffd + "\"}\n");
}

}  // namespace
}  // namespace polyscore::server
