#include "predict/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <system_error>

namespace polyscore {
namespace {

// One call's request for helpers.
struct Job {
  const std::function<void()>* work = nullptr;
  size_t running = 0;  // helpers that took this job and have not yet returned
  std::condition_variable finished;
  std::exception_ptr failure;  // the first exception a run threw
};

// More helpers than this are never started, whatever a call asks for.
constexpr size_t kMaxWorkers = 256;

// The stack a helper gets at least: the 8 MiB the SHAP walks' depth limits are set for
// (tree_shap.h, kMaxShapDepth and kMaxQuadratureDepth), whose recursion runs on the
// helpers too, where check_shap_stack (which looks at the calling thread) does not see
// it. glibc gives new threads RLIMIT_STACK, but 2 MiB when that is unlimited
// (ulimit -s unlimited): there a 2,000-deep QuadratureTreeSHAP batch on two threads
// overflowed a helper's stack (SIGSEGV) while the caller's own stack had room.
constexpr size_t kMinHelperStack = size_t(8) << 20;

class WorkerPool {
 public:
  void run(size_t helpers, const std::function<void()>& work) {
    Job job;
    job.work = &work;
    helpers = std::min(helpers, kMaxWorkers);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (workers_ < helpers) {
        start_helper();
        ++workers_;
      }
      for (size_t i = 0; i < helpers; ++i) queue_.push_back(&job);
    }
    wake_.notify_all();
    std::exception_ptr failure;
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
    // Whatever no helper has taken yet is not needed any more: the work is shared out.
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.erase(std::remove(queue_.begin(), queue_.end(), &job), queue_.end());
    job.finished.wait(lock, [&] { return job.running == 0; });
    if (!failure) failure = job.failure;
    lock.unlock();
    if (failure) std::rethrow_exception(failure);
  }

  // fork() copies only the calling thread: the child has no workers. The mutex is held
  // across fork so that no other thread is in the middle of changing the queue; the
  // child then starts from a fresh mutex and condition variable (the copied one counts
  // the parent's waiting workers and would swallow wake-ups meant for the child's).
  void before_fork() { mutex_.lock(); }
  void after_fork_in_parent() { mutex_.unlock(); }
  void after_fork_in_child() {
    new (&mutex_) std::mutex;
    new (&wake_) std::condition_variable;
    workers_ = 0;
    queue_.clear();
  }

 private:
  // A detached thread running serve(), with at least kMinHelperStack of stack. Throws
  // std::system_error when the thread cannot be started (as std::thread did).
  void start_helper() {
    pthread_attr_t attr;
    int error = pthread_attr_init(&attr);
    if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_attr_init");
    size_t stack = 0;
    if (pthread_attr_getstacksize(&attr, &stack) != 0 || stack < kMinHelperStack) {
      pthread_attr_setstacksize(&attr, kMinHelperStack);
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    error = pthread_create(
        &thread, &attr,
        [](void* pool) -> void* {
          static_cast<WorkerPool*>(pool)->serve();
          return nullptr;
        },
        this);
    pthread_attr_destroy(&attr);
    if (error != 0) throw std::system_error(error, std::generic_category(), "pthread_create");
  }

  void serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !queue_.empty(); });
      Job* job = queue_.front();
      queue_.pop_front();
      ++job->running;
      lock.unlock();
      std::exception_ptr failure;
      try {
        (*job->work)();
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      if (failure && !job->failure) job->failure = failure;
      if (--job->running == 0) job->finished.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;  // one entry per helper a running call still wants
  size_t workers_ = 0;
};

// Never destroyed: its threads wait for work until the process ends. The library is
// linked with -z nodelete, so they never outlive its code.
WorkerPool& pool() {
  static WorkerPool* const instance = [] {
    auto* p = new WorkerPool;
    pthread_atfork([] { pool().before_fork(); }, [] { pool().after_fork_in_parent(); },
                   [] { pool().after_fork_in_child(); });
    return p;
  }();
  return *instance;
}

}  // namespace

void run_with_helpers(size_t helpers, const std::function<void()>& work) {
  if (helpers == 0) {
    work();
    return;
  }
  pool().run(helpers, work);
}

}  // namespace polyscore
