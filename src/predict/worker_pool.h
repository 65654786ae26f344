// The threads that help score a batch. They are started once, when a call first asks for
// them, and then wait for work: a thread started for each call would first have to be
// placed on a core, and after an idle spell the scheduler often puts it on the caller's
// own, busy core for the first milliseconds (measured on the 2-core bench VM: a 15 ms
// batch split in two ran 1.2-1.6x faster than on one thread with a new thread per call,
// 1.9-2.0x with a waiting one; bench/results/analysis.md).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>

namespace polyscore {

// Runs work() on the calling thread and on up to `helpers` pool threads at once, and
// returns when every run that started has returned. work must share out the job itself
// (each run takes pieces until none are left): a helper that starts late, or never
// because the pool is busy with other calls, simply finds nothing to do.
void run_with_helpers(size_t helpers, const std::function<void()>& work);

// Runs task(i, state) for every i in [0, n_tasks) on the calling thread and up to
// num_threads - 1 pool threads (0 counts as 1, and no more threads than tasks), handing
// the tasks out one at a time in order, so that a thread that gets less of a core takes
// fewer. Each thread makes its own state with make_state() (its scratch buffers).
template <typename MakeState, typename Task>
void share_tasks(size_t n_tasks, unsigned num_threads, MakeState&& make_state, Task&& task) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    auto state = make_state();
    for (size_t i; (i = next.fetch_add(1)) < n_tasks;) task(i, state);
  };
  const size_t threads = std::min<size_t>(std::max(1u, num_threads), n_tasks);
  if (threads <= 1) return work();
  run_with_helpers(threads - 1, work);
}

}  // namespace polyscore
