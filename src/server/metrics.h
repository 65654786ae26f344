// Prometheus metrics: requests by endpoint, model and status; latency histograms of the
// whole request, of its queue time (arrival to scoring) and of the scoring call;
// in-flight requests; models loaded.
#ifndef POLYSCORE_SERVER_METRICS_H
#define POLYSCORE_SERVER_METRICS_H

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>

#include "model_repository.h"

namespace polyscore::server {

class Metrics {
 public:
  // Records one finished request. status is the HTTP code or the gRPC code name;
  // queue_seconds < 0 for a request that never reached scoring. Allocates nothing once
  // the endpoint, model and status have been seen.
  void record(std::string_view endpoint, std::string_view model, std::string_view status,
              double total_seconds, double scoring_seconds, double queue_seconds = -1);

  // The text exposition format (version 0.0.4), with the repository's gauges.
  std::string render(const RepositorySnapshot& repository, int in_flight) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
      0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size() + 1> counts{};  // the last is +Inf
    double sum = 0;
    uint64_t count = 0;
    void observe(double seconds);
  };
  mutable std::mutex mutex_;
  // std::less<>: looked up by string_view, so a request builds no key strings.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> request_seconds_, queue_seconds_, scoring_seconds_;
};

// Bounds the requests being served at once; past the bound a request is refused
// (429 / RESOURCE_EXHAUSTED) instead of queued.
class Admission {
 public:
  explicit Admission(int limit) : limit_(limit) {}
  bool try_enter() {
    if (in_flight_.fetch_add(1, std::memory_order_acq_rel) >= limit_) {
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      return false;
    }
    return true;
  }
  void leave() { in_flight_.fetch_sub(1, std::memory_order_acq_rel); }
  int in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  int limit() const { return limit_; }

 private:
  int limit_;
  std::atomic<int> in_flight_{0};
};

// Holds an Admission slot for a scope.
class AdmissionSlot {
 public:
  explicit AdmissionSlot(Admission& admission) : admission_(admission), held_(admission.try_enter()) {}
  ~AdmissionSlot() { if (held_) admission_.leave(); }
  AdmissionSlot(const AdmissionSlot&) = delete;
  AdmissionSlot& operator=(const AdmissionSlot&) = delete;
  bool held() const { return held_; }

 private:
  Admission& admission_;
  bool held_;
};

}  // namespace polyscore::server

#endif
