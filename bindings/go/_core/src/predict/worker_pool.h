// The threads that help score a batch. They are started once, when a call first asks for
// them, and then wait for work: a thread started for each call would first have to be
// placed on a core, and after an idle spell the scheduler often puts it on the caller's
// own, busy core for the first milliseconds (measured on the 2-core bench VM: a 15 ms
// batch split in two ran 1.2-1.6x faster than on one thread with a new thread per call,
// 1.9-2.0x with a waiting one; bench/results/analysis.md).
#pragma once

#include <cstddef>
#include <functional>

namespace polyscore {

// Runs work() on the calling thread and on up to `helpers` pool threads at once, and
// returns when every run that started has returned. work must share out the job itself
// (each run takes pieces until none are left): a helper that starts late, or never
// because the pool is busy with other calls, simply finds nothing to do.
void run_with_helpers(size_t helpers, const std::function<void()>& work);

}  // namespace polyscore
