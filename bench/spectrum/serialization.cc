// Serialization alone: the same scoring request and response encoded and decoded as
// protobuf and as JSON, with the bytes of each (bench/spectrum/README.md).
//
// Formats:
//   protobuf       libprotobuf binary, the gRPC and queue wire format
//   json-protobuf  the proto3 JSON mapping by libprotobuf (util::MessageToJsonString),
//                  what a server gets for free from the schema
//   json-direct    written with std::to_chars (shortest round-trip) and read with
//                  simdjson On-Demand, what a fast REST server does by hand
// Every encode starts from the rows in memory and every decode ends with them in
// memory; each round trip is checked bit for bit before anything is timed.
// Times are CPU time of this thread (the machine is shared), the median of repeats with
// the lowest and highest repeat.
#include <google/protobuf/util/json_util.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fraud/v1/fraud.pb.h"
#include "polyscore/v1/scoring.pb.h"
#include "simdjson.h"

namespace {

namespace pb = polyscore::v1;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

// ---- the data

struct Batch {
  std::string what;          // "fraud.v1 request", ...
  size_t rows = 0, cols = 0;
  std::vector<double> values;  // rows x cols, NaN = missing
};

// Rows like the benchmark model's (bench/make_models.py): standard normal features at
// full double precision, 5% missing; or like the fraud example's hand-typed 0.4, 1.2.
std::vector<double> feature_rows(size_t rows, size_t cols, bool short_decimals, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit;
  std::vector<double> v(rows * cols);
  for (double& x : v) {
    x = normal(rng);
    if (short_decimals) x = std::round(x * 10) / 10;
    else if (unit(rng) < 0.05) x = NAN;
  }
  return v;
}

std::vector<double> scores(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit;
  std::vector<double> v(rows);
  for (double& x : v) x = unit(rng);
  return v;
}

bool same_bits(const std::vector<double>& a, const double* b, size_t n) {
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

// ---- json-direct: writing

void append_double(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void append_array(std::string* out, const std::vector<double>& v) {
  *out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) *out += ',';
    append_double(out, v[i]);
  }
  *out += ']';
}

// ---- json-direct: reading

double get_double_or_null(simdjson::ondemand::value value) {
  if (value.is_null()) return NAN;
  return double(value.get_double());
}

void read_array(simdjson::ondemand::value array, std::vector<double>* out) {
  out->clear();
  for (auto element : array.get_array()) out->push_back(get_double_or_null(element.value()));
}

// ---- one format of one message

struct Codec {
  std::string format;
  std::function<void(std::string*)> encode;      // rows in memory -> bytes
  std::function<void(const std::string&)> decode;  // bytes -> rows in memory
  std::function<bool()> decoded_equals_input;
};

struct Timing {
  double median_ns, low_ns, high_ns;
};

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

Timing time_it(const std::function<void()>& op) {
  // Calibrate: enough calls for ~20 ms per repeat.
  size_t calls = 1;
  for (;;) {
    double t0 = thread_cpu_ns();
    for (size_t i = 0; i < calls; ++i) op();
    if (thread_cpu_ns() - t0 > 2e7 || calls > (1u << 24)) break;
    calls *= 2;
  }
  std::vector<double> per_call;
  for (int r = 0; r < 9; ++r) {
    double t0 = thread_cpu_ns();
    for (size_t i = 0; i < calls; ++i) op();
    per_call.push_back((thread_cpu_ns() - t0) / calls);
  }
  std::sort(per_call.begin(), per_call.end());
  return {per_call[per_call.size() / 2], per_call.front(), per_call.back()};
}

// ---- the messages

// The two codecs the schema gives for free: protobuf binary and protobuf's JSON
// mapping. fill(m) writes the rows into an empty message; equal(d) checks a decoded one.
template <typename Message, typename Fill, typename Equal>
std::vector<Codec> schema_codecs(Fill fill, Equal equal) {
  auto msg = std::make_shared<Message>();
  auto decoded = std::make_shared<Message>();
  auto fill_msg = [msg, fill] { msg->Clear(); fill(msg.get()); };
  auto check = [decoded, equal] { return equal(*decoded); };
  return {
      {"protobuf", [=](std::string* out) { fill_msg(); msg->SerializeToString(out); },
       [=](const std::string& in) { decoded->ParseFromString(in); }, check},
      {"json-protobuf", [=](std::string* out) { fill_msg(); out->clear(); (void)MessageToJsonString(*msg, out); },
       [=](const std::string& in) { decoded->Clear(); (void)JsonStringToMessage(in, decoded.get()); }, check},
  };
}

// json-direct decoding: calls on_field(key, value) for each field of the object in `in`.
template <typename OnField>
void for_each_field(simdjson::ondemand::parser* parser, const std::string& in, OnField on_field) {
  simdjson::padded_string padded(in);
  auto doc = parser->iterate(padded);
  for (auto field : doc.get_object()) on_field(field.unescaped_key().value(), field.value());
}

std::vector<Codec> fraud_request_codecs(const Batch& b) {
  using Message = fraud::v1::PredictRequest;
  auto codecs = schema_codecs<Message>(
      [&b](Message* m) {
        m->mutable_features()->Add(b.values.begin(), b.values.end());
        m->set_model("fraud-v3");
      },
      [&b](const Message& d) {
        return same_bits(b.values, d.features().data(), d.features_size()) && d.model() == "fraud-v3";
      });
  auto direct = std::make_shared<std::vector<double>>();
  auto parser = std::make_shared<simdjson::ondemand::parser>();
  codecs.push_back(
      {"json-direct",
       [&b](std::string* out) {
         out->assign("{\"features\":");
         append_array(out, b.values);
         *out += ",\"model\":\"fraud-v3\"}";
       },
       [=](const std::string& in) {
         std::string_view model;
         for_each_field(parser.get(), in, [&](std::string_view key, simdjson::ondemand::value value) {
           if (key == "features") read_array(value, direct.get());
           else if (key == "model") model = value.get_string();
         });
         if (model != "fraud-v3") throw std::runtime_error("model lost");
       },
       [=, &b] { return same_bits(b.values, direct->data(), direct->size()); }});
  return codecs;
}

std::vector<Codec> fraud_response_codecs(const Batch& b) {
  using Message = fraud::v1::PredictResponse;
  auto codecs = schema_codecs<Message>(
      [&b](Message* m) {
        m->set_score(b.values[0]);
        m->set_label("fraud");
        m->set_model_version("1");
      },
      [&b](const Message& d) { return d.score() == b.values[0] && d.label() == "fraud"; });
  auto direct = std::make_shared<double>(0);
  auto parser = std::make_shared<simdjson::ondemand::parser>();
  codecs.push_back(
      {"json-direct",
       [&b](std::string* out) {
         out->assign("{\"score\":");
         append_double(out, b.values[0]);
         *out += ",\"label\":\"fraud\",\"modelVersion\":\"1\"}";
       },
       [=](const std::string& in) {
         for_each_field(parser.get(), in, [&](std::string_view key, simdjson::ondemand::value value) {
           if (key == "score") *direct = double(value.get_double());
           else if (key == "label" || key == "modelVersion") (void)value.get_string();
         });
       },
       [=, &b] { return *direct == b.values[0]; }});
  return codecs;
}

std::vector<Codec> batch_request_codecs(const Batch& b) {
  using Message = pb::PredictRequest;
  auto codecs = schema_codecs<Message>(
      [&b](Message* m) {
        m->set_model("bench");
        m->set_rows(b.rows);
        m->set_cols(b.cols);
        m->mutable_float64_values()->Add(b.values.begin(), b.values.end());
      },
      [&b](const Message& d) {
        return same_bits(b.values, d.float64_values().data(), d.float64_values_size()) &&
               d.rows() == b.rows && d.cols() == b.cols;
      });
  auto direct = std::make_shared<std::vector<double>>();
  auto parser = std::make_shared<simdjson::ondemand::parser>();
  codecs.push_back(
      {"json-direct",
       [&b](std::string* out) {
         out->assign("{\"model\":\"bench\",\"rows\":");
         *out += std::to_string(b.rows) + ",\"cols\":" + std::to_string(b.cols) + ",\"float64Values\":";
         append_array(out, b.values);
         *out += '}';
       },
       [=](const std::string& in) {
         for_each_field(parser.get(), in, [&](std::string_view key, simdjson::ondemand::value value) {
           if (key == "float64Values") read_array(value, direct.get());
           else if (key == "rows" || key == "cols") (void)uint64_t(value.get_uint64());
           else if (key == "model") (void)value.get_string();
         });
       },
       [=, &b] { return same_bits(b.values, direct->data(), direct->size()); }});
  return codecs;
}

std::vector<Codec> batch_response_codecs(const Batch& b) {
  using Message = pb::PredictResponse;
  auto codecs = schema_codecs<Message>(
      [&b](Message* m) {
        m->set_model("bench");
        m->set_version("1");
        m->set_rows(b.rows);
        m->set_cols(1);
        m->mutable_values()->Add(b.values.begin(), b.values.end());
        m->set_output(pb::OUTPUT_KIND_VALUE);
      },
      [&b](const Message& d) { return same_bits(b.values, d.values().data(), d.values_size()); });
  auto direct = std::make_shared<std::vector<double>>();
  auto parser = std::make_shared<simdjson::ondemand::parser>();
  codecs.push_back(
      {"json-direct",
       [&b](std::string* out) {
         out->assign("{\"model\":\"bench\",\"version\":\"1\",\"rows\":");
         *out += std::to_string(b.rows) + ",\"cols\":1,\"values\":";
         append_array(out, b.values);
         *out += ",\"output\":\"OUTPUT_KIND_VALUE\"}";
       },
       [=](const std::string& in) {
         for_each_field(parser.get(), in, [&](std::string_view key, simdjson::ondemand::value value) {
           if (key == "values") read_array(value, direct.get());
           else if (key == "rows" || key == "cols") (void)uint64_t(value.get_uint64());
           else (void)value.get_string();
         });
       },
       [=, &b] { return same_bits(b.values, direct->data(), direct->size()); }});
  return codecs;
}

std::string fmt_ns(double ns) {
  char buf[32];
  if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%.1f µs", ns / 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  return buf;
}

std::string fmt_timing(const Timing& t) {
  return fmt_ns(t.median_ns) + " (" + fmt_ns(t.low_ns) + "–" + fmt_ns(t.high_ns) + ")";
}

}  // namespace

int main() {
  std::vector<std::pair<Batch, std::vector<Codec> (*)(const Batch&)>> cases;
  auto add = [&](std::string what, size_t rows, size_t cols, std::vector<double> values,
                 std::vector<Codec> (*codecs)(const Batch&)) {
    cases.push_back({Batch{std::move(what), rows, cols, std::move(values)}, codecs});
  };
  add("fraud.v1 request, typed decimals (0.4, 1.2)", 1, 2, {0.4, 1.2}, fraud_request_codecs);
  add("fraud.v1 request, full-precision features", 1, 2, feature_rows(1, 2, false, 1), fraud_request_codecs);
  add("fraud.v1 response", 1, 1, {0.8551127314567566}, fraud_response_codecs);
  for (size_t cols : {size_t{2}, size_t{50}})
    for (size_t rows : {size_t{1}, size_t{16}, size_t{256}, size_t{1000}})
      add("polyscore.v1 request, " + std::to_string(cols) + " features", rows, cols,
          feature_rows(rows, cols, false, rows * 100 + cols), batch_request_codecs);
  for (size_t rows : {size_t{1}, size_t{16}, size_t{256}, size_t{1000}})
    add("polyscore.v1 response", rows, 1, scores(rows, rows), batch_response_codecs);

  std::printf("| message | rows x cols | format | bytes | bytes / protobuf | encode | decode |\n");
  std::printf("| --- | --- | --- | ---: | ---: | --- | --- |\n");
  for (auto& [batch, make] : cases) {
    std::vector<Codec> codecs = make(batch);
    size_t protobuf_bytes = 0;
    for (Codec& c : codecs) {
      std::string bytes;
      c.encode(&bytes);
      c.decode(bytes);
      if (!c.decoded_equals_input()) {
        std::fprintf(stderr, "%s as %s does not round-trip bit for bit\n", batch.what.c_str(),
                     c.format.c_str());
        return 1;
      }
      if (c.format == "protobuf") protobuf_bytes = bytes.size();
      std::string scratch;
      Timing enc = time_it([&] { c.encode(&scratch); });
      Timing dec = time_it([&] { c.decode(bytes); });
      std::printf("| %s | %zu x %zu | %s | %zu | %.2f | %s | %s |\n", batch.what.c_str(), batch.rows,
                  batch.cols, c.format.c_str(), bytes.size(),
                  double(bytes.size()) / double(protobuf_bytes), fmt_timing(enc).c_str(),
                  fmt_timing(dec).c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
