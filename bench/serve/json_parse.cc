// Parse time of a REST batch body alone: the server's codec (src/server/json_codec.cc)
// against simdjson's on-demand API reading the same numbers into a reused buffer, the
// floor for any codec built on simdjson. The bodies are what a client sends: ROWS x COLS
// doubles in shortest round-trip form (as Python's json and the server's own writer print
// them), about 1% null (missing), for POST /v1/predict (float64_values, float32_values)
// and POST /v2/models/{m}/infer (an FP64 tensor).
//
//   polyscore_serve_json_parse [--rows 1000] [--cols 50] [--repeats 15] [--min-ms 200]
//
// Each repeat times every contender in turn (interleaved, so machine load hits them
// alike) for at least --min-ms of this thread's CPU time (not wall-clock time, which on a
// shared machine counts other processes' turns); the table gives CPU microseconds per
// row: the median over the
// repeats, the min-max spread, and the ratio of the medians to the simdjson floor.
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "json_codec.h"
#include "simdjson.h"

namespace {

namespace server = polyscore::server;

struct Args {
  size_t rows = 1000, cols = 50;
  int repeats = 15;
  double min_ms = 200;
};

// ROWS x COLS numbers: features of mixed scale, as a real request carries.
std::string numbers_text(const Args& args, bool as_float) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> scale(-3, 5);
  std::uniform_int_distribution<int> percent(0, 99);
  std::string out;
  char buffer[32];
  for (size_t i = 0; i < args.rows * args.cols; ++i) {
    if (i) out += ',';
    if (percent(rng) == 0) {
      out += "null";
      continue;
    }
    double value = unit(rng) * std::pow(10.0, scale(rng));
    auto end = as_float ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value)).ptr
                        : std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  }
  return out;
}

std::string batch_body(const Args& args, const char* field, bool as_float) {
  return "{\"model\":\"bench\",\"rows\":" + std::to_string(args.rows) + ",\"cols\":" +
         std::to_string(args.cols) + ",\"" + field + "\":[" + numbers_text(args, as_float) + "]}";
}

std::string infer_body(const Args& args) {
  return "{\"id\":\"bench\",\"inputs\":[{\"name\":\"input\",\"shape\":[" + std::to_string(args.rows) +
         "," + std::to_string(args.cols) + "],\"datatype\":\"FP64\",\"data\":[" +
         numbers_text(args, false) + "]}]}";
}

// The floor: simdjson on-demand over an already padded body, a parser reused across
// calls, the array `field` of the top-level object read with get_double into a reused
// buffer (null -> NaN). No checks beyond what simdjson does itself.
class SimdjsonFloor {
 public:
  SimdjsonFloor(const std::string& body, std::vector<const char*> path)
      : padded_(body), path_(std::move(path)) {}

  size_t parse() {
    values_.clear();
    simdjson::ondemand::document doc = parser_.iterate(padded_);
    simdjson::ondemand::value v = doc.get_value();
    for (const char* key : path_) {
      if (key[0] == '#') v = v.get_array().at(0);  // "#": the first element
      else v = v.find_field_unordered(key);
    }
    for (auto element : v.get_array()) {
      double d;
      if (element.get_double().get(d)) {
        if (!element.is_null()) std::abort();
        d = std::numeric_limits<double>::quiet_NaN();
      }
      values_.push_back(d);
    }
    return values_.size();
  }

 private:
  simdjson::padded_string padded_;
  std::vector<const char*> path_;
  simdjson::ondemand::parser parser_;
  std::vector<double> values_;
};

struct Contender {
  std::string name;
  std::function<size_t()> parse;  // returns the number of values read
  std::vector<double> us_per_row;
};

// CPU time of this thread: on a shared machine wall-clock time would count the other
// processes' turns on the cores.
double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--rows") args.rows = std::stoul(value);
    else if (flag == "--cols") args.cols = std::stoul(value);
    else if (flag == "--repeats") args.repeats = std::stoi(value);
    else if (flag == "--min-ms") args.min_ms = std::stod(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::string f64 = batch_body(args, "float64_values", false);
  const std::string f32 = batch_body(args, "float32_values", true);
  const std::string oip = infer_body(args);
  const size_t expected = args.rows * args.cols;

  SimdjsonFloor floor_f64(f64, {"float64_values"});
  SimdjsonFloor floor_oip(oip, {"inputs", "#", "data"});
  std::vector<Contender> contenders;
  contenders.push_back({"simdjson floor, float64_values", [&] { return floor_f64.parse(); }, {}});
  contenders.push_back({"codec /v1/predict float64_values",
                        [&] { return server::parse_batch_request(f64).float64_values.size(); }, {}});
  contenders.push_back({"codec /v1/predict float32_values",
                        [&] { return server::parse_batch_request(f32).float32_values.size(); }, {}});
  contenders.push_back({"simdjson floor, OIP data", [&] { return floor_oip.parse(); }, {}});
  contenders.push_back({"codec /v2/.../infer FP64",
                        [&] { return server::parse_infer_request(oip).inputs.at(0).float64_data.size(); }, {}});

  for (auto& c : contenders) {  // warm up, and check each reads every value
    if (c.parse() != expected) {
      std::fprintf(stderr, "%s read the wrong number of values\n", c.name.c_str());
      return 1;
    }
  }
  for (int r = 0; r < args.repeats; ++r) {
    for (auto& c : contenders) {
      size_t calls = 0;
      double start = thread_cpu_ms(), elapsed_ms = 0;
      do {
        c.parse();
        ++calls;
        elapsed_ms = thread_cpu_ms() - start;
      } while (elapsed_ms < args.min_ms);
      c.us_per_row.push_back(elapsed_ms * 1000.0 / double(calls) / double(args.rows));
    }
  }

  double loads[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &loads[0], &loads[1], &loads[2]) != 3) loads[0] = -1;
    std::fclose(f);
  }
  std::printf("CPU %s; simdjson " SIMDJSON_STRINGIFY(SIMDJSON_VERSION) ", runtime %s; g++ %s; load average %.2f %.2f %.2f\n",
              cpu_model().c_str(), simdjson::get_active_implementation()->name().c_str(),
              __VERSION__, loads[0], loads[1], loads[2]);
  std::printf("%zu rows x %zu cols; bodies %zu (float64), %zu (float32), %zu (OIP) bytes; %d repeats\n",
              args.rows, args.cols, f64.size(), f32.size(), oip.size(), args.repeats);
  std::printf("%-36s %12s %20s %10s\n", "parser", "us/row p50", "spread (min-max)", "x floor");
  double floor_median = 0;
  for (auto& c : contenders) {
    double m = median(c.us_per_row);
    if (c.name.rfind("simdjson floor", 0) == 0) floor_median = m;
    auto [lo, hi] = std::minmax_element(c.us_per_row.begin(), c.us_per_row.end());
    std::printf("%-36s %12.3f %9.3f - %-8.3f %10.2f\n", c.name.c_str(), m, *lo, *hi, m / floor_median);
  }
  return 0;
}
