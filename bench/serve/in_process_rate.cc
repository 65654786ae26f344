// In-process throughput, the yardstick for the load generators in throughput.sh: THREADS
// threads each call ps_model_predict_row on one row in a loop for SECONDS, and the rows
// scored per second over all threads are printed.
//
//   polyscore_serve_in_process_rate --model-file PATH --features 0.4,1.2 [--threads 2] [--seconds 5]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "polyscore/polyscore.h"

int main(int argc, char** argv) {
  std::string model_file;
  std::vector<double> features{0.4, 1.2};
  int threads = 2;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model-file") model_file = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--seconds") seconds = std::stod(value);
    else if (flag == "--features") {
      features.clear();
      for (size_t start = 0; start <= value.size();) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        features.push_back(std::stod(value.substr(start, end - start)));
        start = end + 1;
      }
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  ps_error* err = nullptr;
  ps_error_create(&err);
  ps_model* model = nullptr;
  if (ps_model_load_file(&model, model_file.c_str(), nullptr, err) != PS_OK) {
    std::fprintf(stderr, "load %s: %s\n", model_file.c_str(), ps_error_message(err));
    return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<unsigned long long> counts(threads, 0);
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ps_error* thread_err = nullptr;
      ps_error_create(&thread_err);
      double out = 0;
      unsigned long long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (ps_model_predict_row(&out, 1, model, features.data(), features.size(), nullptr, thread_err) != PS_OK) {
          failed = true;
          break;
        }
        ++n;
      }
      counts[t] = n;
      ps_error_free(thread_err);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "ps_model_predict_row failed (wrong --features for the model?)\n");
    return 1;
  }
  unsigned long long total = 0;
  for (auto n : counts) total += n;
  std::printf("in-process ps_model_predict_row, %d threads: %.0f rows/s\n", threads, double(total) / elapsed);
  ps_model_free(model);
  ps_error_free(err);
  return 0;
}
