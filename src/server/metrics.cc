#include "metrics.h"

#include <charconv>

#include "log.h"

namespace polyscore::server {
namespace {

void append_number(std::string& out, double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_label(std::string& out, const char* key, const std::string& value, bool first) {
  if (!first) out += ',';
  out += key;
  out += "=\"";
  append_json_escaped(out, value);  // the same escapes Prometheus wants: \" \\ and controls
  out += '"';
}

}  // namespace

void Metrics::Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  counts[i] += 1;
  sum += seconds;
  count += 1;
}

namespace {

// by_endpoint[endpoint], made on first use.
template <typename Map>
auto& entry(Map& by_endpoint, std::string_view endpoint) {
  auto it = by_endpoint.find(endpoint);
  if (it == by_endpoint.end()) it = by_endpoint.emplace(std::string(endpoint), typename Map::mapped_type{}).first;
  return it->second;
}

}  // namespace

void Metrics::record(std::string_view endpoint, std::string_view model, std::string_view status,
                     double total_seconds, double scoring_seconds, double queue_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_tuple(endpoint, model, status);
  auto it = requests_.find(key);
  if (it == requests_.end()) {
    it = requests_.emplace(std::make_tuple(std::string(endpoint), std::string(model), std::string(status)), 0).first;
  }
  it->second += 1;
  entry(request_seconds_, endpoint).observe(total_seconds);
  if (queue_seconds >= 0) entry(queue_seconds_, endpoint).observe(queue_seconds);
  if (scoring_seconds > 0) entry(scoring_seconds_, endpoint).observe(scoring_seconds);
}

std::string Metrics::render(const RepositorySnapshot& repository, int in_flight) const {
  std::string out;
  out.reserve(4096);
  auto histograms = [&](const char* name, const char* help,
                        const std::map<std::string, Histogram, std::less<>>& by_endpoint) {
    out += "# HELP "; out += name; out += ' '; out += help; out += '\n';
    out += "# TYPE "; out += name; out += " histogram\n";
    for (const auto& [endpoint, h] : by_endpoint) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= kBuckets.size(); ++i) {
        cumulative += h.counts[i];
        out += name; out += "_bucket{";
        append_label(out, "endpoint", endpoint, true);
        out += ",le=\"";
        if (i < kBuckets.size()) append_number(out, kBuckets[i]); else out += "+Inf";
        out += "\"} " + std::to_string(cumulative) + "\n";
      }
      out += name; out += "_sum{"; append_label(out, "endpoint", endpoint, true); out += "} ";
      append_number(out, h.sum); out += '\n';
      out += name; out += "_count{"; append_label(out, "endpoint", endpoint, true);
      out += "} " + std::to_string(h.count) + "\n";
    }
  };
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out += "# HELP polyscore_requests_total Requests answered, by endpoint, model and status.\n";
    out += "# TYPE polyscore_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      out += "polyscore_requests_total{";
      append_label(out, "endpoint", std::get<0>(key), true);
      append_label(out, "model", std::get<1>(key), false);
      append_label(out, "status", std::get<2>(key), false);
      out += "} " + std::to_string(count) + "\n";
    }
    histograms("polyscore_request_duration_seconds",
               "Time from a request's arrival to its answer.", request_seconds_);
    // Triton's nv_inference_queue_duration_us is this histogram's _sum, in microseconds.
    histograms("polyscore_queue_duration_seconds",
               "Time from a request's arrival to the start of its scoring (parsing, admission, "
               "waiting for a thread); apart from the scoring time.",
               queue_seconds_);
    histograms("polyscore_scoring_duration_seconds",
               "Time spent in the libpolyscore scoring call.", scoring_seconds_);
  }
  out += "# HELP polyscore_requests_in_flight Requests being served now.\n";
  out += "# TYPE polyscore_requests_in_flight gauge\n";
  out += "polyscore_requests_in_flight " + std::to_string(in_flight) + "\n";
  out += "# HELP polyscore_model_versions_loaded Versions loaded and serving, by model.\n";
  out += "# TYPE polyscore_model_versions_loaded gauge\n";
  for (const auto& [name, entry] : repository.models) {
    out += "polyscore_model_versions_loaded{";
    append_label(out, "model", name, true);
    out += "} " + std::to_string(entry.versions.size()) + "\n";
  }
  out += "# HELP polyscore_model_load_error 1 if the newest load of a model failed.\n";
  out += "# TYPE polyscore_model_load_error gauge\n";
  for (const auto& [name, entry] : repository.models) {
    out += "polyscore_model_load_error{";
    append_label(out, "model", name, true);
    out += entry.last_error.empty() ? "} 0\n" : "} 1\n";
  }
  out += "# HELP polyscore_model_load_failures_total Model loads that failed.\n";
  out += "# TYPE polyscore_model_load_failures_total counter\n";
  out += "polyscore_model_load_failures_total " + std::to_string(repository.load_failures) + "\n";
  out += "# HELP polyscore_repository_scans_total Scans of the model directory.\n";
  out += "# TYPE polyscore_repository_scans_total counter\n";
  out += "polyscore_repository_scans_total " + std::to_string(repository.reloads) + "\n";
  return out;
}

}  // namespace polyscore::server
