// How much stack the calling thread has left: the calls that keep their scratch on the
// stack (single rows, SHAP's recursion) refuse a thread too small for them with an
// error instead of overflowing it, a crash no caller can catch.
#pragma once

#include <cstddef>

namespace polyscore {

// The bytes between the caller's frame and the lowest address of the calling thread's
// stack, or SIZE_MAX when that cannot be known: the thread library does not say, the
// caller runs on a stack other than its thread's own (a fiber's, a coroutine's, a
// signal handler's alternate stack), or it is the first thread of a process whose C
// library does not report that thread's stack limit (not glibc). The stack's bounds are
// read once per thread (for the process's first thread glibc reads /proc/self/maps).
size_t thread_stack_left();

}  // namespace polyscore
