// thread_start: evidence for the batch worker pool (src/predict/worker_pool.h), NOT part
// of the benchmark. Built only with -DPOLYSCORE_BENCH_EXPERIMENTS=ON; no polyscore code.
//
// A ~15 ms CPU job of 160 blocks, taken from a shared counter by two threads, timed in
// samples of 0.15 s after a pause, as bench.py times its implementations:
//   1t     the calling thread alone
//   spawn  a second thread started and joined per call (polyscore before the pool)
//   pool   a second thread started once, woken per call through a condition variable
// Prints the speed-up of spawn and pool over 1t, per sample. Run it on an idle machine.
//
//   thread_start [PAUSE_MS]    (300, as bench.py, by default; 0 for back-to-back samples)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

volatile double sink;
constexpr int kBlocks = 160;

void block_work(int b) {
  double x = b;
  for (int i = 0; i < 55000; ++i) x = x * 1.0000001 + 1e-9;
  sink = x;
}

void run_blocks(std::atomic<int>& next) {
  for (int b; (b = next.fetch_add(1)) < kBlocks;) block_work(b);
}

double call_alone() {
  std::atomic<int> next{0};
  const auto t0 = Clock::now();
  run_blocks(next);
  return ms_since(t0);
}

double call_spawn() {
  std::atomic<int> next{0};
  const auto t0 = Clock::now();
  std::thread helper([&] { run_blocks(next); });
  run_blocks(next);
  helper.join();
  return ms_since(t0);
}

class Helper {
 public:
  Helper() : thread_([this] { serve(); }) {}
  ~Helper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  double call() {
    std::atomic<int> next{0};
    const auto t0 = Clock::now();
    int job;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      next_ = &next;
      job = ++posted_;
    }
    wake_.notify_one();
    run_blocks(next);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return finished_ == job; });
    return ms_since(t0);
  }

 private:
  void serve() {
    int seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return posted_ != seen || quit_; });
      if (quit_) return;
      seen = posted_;
      std::atomic<int>* next = next_;
      lock.unlock();
      run_blocks(*next);
      lock.lock();
      finished_ = seen;
      done_.notify_one();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  int posted_ = 0, finished_ = 0;
  bool quit_ = false;
  std::atomic<int>* next_ = nullptr;
  std::thread thread_;
};

template <class Call>
double sample(Call call) {  // mean ms per call over >= 0.15 s
  double total = 0;
  int calls = 0;
  const auto t0 = Clock::now();
  while (ms_since(t0) < 150) {
    total += call();
    ++calls;
  }
  return total / calls;
}

}  // namespace

int main(int argc, char** argv) {
  const int pause_ms = argc > 1 ? std::atoi(argv[1]) : 300;
  Helper helper;
  for (int r = 0; r < 8; ++r) {
    usleep(pause_ms * 1000);
    const double alone = sample(call_alone);
    usleep(pause_ms * 1000);
    const double spawn = sample(call_spawn);
    usleep(pause_ms * 1000);
    const double pool = sample([&] { return helper.call(); });
    std::printf("1t %.2f ms  spawn %.2fx  pool %.2fx\n", alone, alone / spawn, alone / pool);
  }
}
