#include "explain/shap_scratch.h"

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "explain/process_memory.h"
#include "model/error.h"
#include "predict/thread_stack.h"

namespace polyscore {
namespace {

uint64_t default_limit() {
  const uint64_t memory = process_memory_limit();
  // Unknown memory: 16 GiB, far above a realistic model's need and below most machines'.
  return memory > 0 ? memory / 2 : uint64_t(16) << 30;
}

// "12.0 GiB" (or MiB, below one GiB).
std::string gib(double bytes) {
  char text[48];
  const double one_gib = double(uint64_t(1) << 30);
  if (bytes >= one_gib) {
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / one_gib);
  } else {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / double(uint64_t(1) << 20));
  }
  return text;
}

}  // namespace

void check_shap_stack(const char* walk, uint32_t max_depth, size_t bytes_per_level) {
  // The frames between this call and the walks (the C API, the dispatch, a row's
  // scratch on the stack) and a guard page's worth of slack.
  constexpr size_t kMargin = size_t(64) << 10;
  const double needed = double(max_depth) * double(bytes_per_level) + double(kMargin);
  // Checked at every call, whatever the need: a thread of 64 KiB explaining a 380-deep
  // tree overflowed when needs under 256 KiB skipped it. The stack is read once a thread.
  const size_t stack_left = thread_stack_left();
  if (stack_left == SIZE_MAX) return;  // unknown: the depth limit alone holds
  const double left = double(stack_left);
  if (needed <= left) return;
  throw Error(PS_ERR_UNSUPPORTED,
              std::string(walk) + " of a tree " + std::to_string(max_depth) + " deep needs about " +
                  gib(needed) + " of stack (its walk recurses once per level); this thread has " + gib(left) +
                  " left. Call from a thread with a larger stack (a Java thread's default is 1 MiB: "
                  "java -Xss, or new Thread(group, task, name, stackSize)), or use a model with shallower trees");
}

uint64_t shap_scratch_limit() {
  // Read at every call (one getenv per SHAP call), so that a test can set it.
  if (const char* text = std::getenv("POLYSCORE_SHAP_SCRATCH_LIMIT")) {
    char* end = nullptr;
    const unsigned long long bytes = std::strtoull(text, &end, 10);
    if (end != text && *end == '\0' && bytes > 0) return bytes;
  }
  static const uint64_t limit = default_limit();
  return limit;
}

void check_shap_scratch(const char* what, uint32_t max_depth, double per_thread_bytes, size_t threads,
                        double shared_bytes) {
  threads = std::max<size_t>(threads, 1);
  const double total = per_thread_bytes * double(threads) + shared_bytes;
  const uint64_t limit = shap_scratch_limit();
  if (total <= double(limit)) return;
  std::string message = std::string(what) + " for a tree " + std::to_string(max_depth) + " deep need " +
                        gib(per_thread_bytes) + " of scratch per thread";
  if (threads > 1 || shared_bytes > 0) {
    message += ", " + gib(total) + " on " + std::to_string(threads) + (threads > 1 ? " threads" : " thread");
  }
  message += "; the limit is " + gib(double(limit)) +
             " (half the memory of the machine or cgroup, or POLYSCORE_SHAP_SCRATCH_LIMIT). Exact TreeSHAP's "
             "scratch grows with the square of the depth: use fewer threads or rows, or a model with "
             "shallower trees (max_depth, num_leaves)";
  throw Error(PS_ERR_OUT_OF_MEMORY, message);
}

}  // namespace polyscore
