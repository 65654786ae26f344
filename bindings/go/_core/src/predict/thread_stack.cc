#include "predict/thread_stack.h"

#include <pthread.h>

#include <cstdint>

namespace polyscore {
namespace {

// The lowest address of the calling thread's stack, 0 when it cannot be known.
uintptr_t stack_low_end() {
  thread_local uintptr_t low = [] {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return uintptr_t(0);
    void* address = nullptr;
    size_t size = 0;
    const bool known = pthread_attr_getstack(&attr, &address, &size) == 0;
    pthread_attr_destroy(&attr);
    return known ? reinterpret_cast<uintptr_t>(address) : uintptr_t(0);
  }();
  return low;
}

}  // namespace

size_t thread_stack_left() {
  const uintptr_t low = stack_low_end();
  char here;
  const uintptr_t sp = reinterpret_cast<uintptr_t>(&here);
  if (low == 0 || sp <= low) return SIZE_MAX;
  return static_cast<size_t>(sp - low);
}

}  // namespace polyscore
