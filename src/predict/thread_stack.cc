#include "predict/thread_stack.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace polyscore {
namespace {

// The calling thread's stack as the thread library knows it: [low, high), empty when it
// cannot be known.
struct StackBounds {
  uintptr_t low = 0;
  uintptr_t high = 0;
};

StackBounds read_stack_bounds() {
#if !defined(__GLIBC__)
  // The first thread's stack grows on demand up to RLIMIT_STACK. glibc reports that
  // limit; musl reports only what is mapped so far (about 128 KiB at the start), which
  // would refuse calls the stack could grow to take. Left unknown there.
  if (getpid() == static_cast<pid_t>(syscall(SYS_gettid))) return {};
#endif
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return {};
  void* address = nullptr;
  size_t size = 0;
  const bool known = pthread_attr_getstack(&attr, &address, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!known) return {};
  const uintptr_t low = reinterpret_cast<uintptr_t>(address);
  return {low, low + size};
}

}  // namespace

size_t thread_stack_left() {
  thread_local const StackBounds bounds = read_stack_bounds();
  char here;
  const uintptr_t sp = reinterpret_cast<uintptr_t>(&here);
  // Outside the thread's own stack (a coroutine's or fiber's stack, a signal handler's
  // alternate stack), or its bounds unknown: not known.
  if (sp < bounds.low || sp >= bounds.high) return SIZE_MAX;
  return static_cast<size_t>(sp - bounds.low);
}

}  // namespace polyscore
