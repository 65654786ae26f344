// The limit on the scratch of one SHAP call, checked before any of it is allocated.
//
// Exact TreeSHAP keeps a path per level of the recursion, so its scratch grows with the
// square of the deepest tree's depth (docs/explain.md, "Very deep trees"): a LightGBM
// chain of tens of thousands of splits asks for tens of GiB per thread. Linux grants
// such an allocation and then kills the process when the zero-filling touches it, which
// no caller can catch. So each walk counts what it would allocate, and a call whose
// threads together would need more than the limit is refused with a typed error
// (PS_ERR_OUT_OF_MEMORY) that names the depth and the bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace polyscore {

// Bytes of SHAP scratch one call may allocate (all its threads together): half the
// memory the process can have (process_memory.h: the machine's physical memory, or its
// cgroup's limit when lower). Half, because the scratch is all touched at once and the
// model, the rows, the output and the rest of the process need memory too; a realistic
// model (trees a few hundred deep) needs a few MiB. POLYSCORE_SHAP_SCRATCH_LIMIT (bytes,
// read at every call; the tests set it) sets another limit.
uint64_t shap_scratch_limit();

// Throws Error(PS_ERR_OUT_OF_MEMORY) when `threads` threads of `per_thread_bytes` each
// (plus `shared_bytes` once) exceed shap_scratch_limit(). what: the call, for the
// message ("SHAP contributions"); max_depth: the deepest tree's depth, which the scratch
// grows with.
void check_shap_scratch(const char* what, uint32_t max_depth, double per_thread_bytes, size_t threads,
                        double shared_bytes = 0);

// Throws Error(PS_ERR_UNSUPPORTED) when the calling thread's stack has less room left
// than max_depth levels of a walk's recursion, bytes_per_level each, plus a margin for
// the frames around them. The depth limits (kMaxShapDepth, kMaxQuadratureDepth) are
// set for the 8 MiB stacks Linux gives threads by default; a thread with a smaller one
// (a Java thread's default is 1 MiB) would overflow it on a tree they allow, a crash no
// caller can catch. The worker pool's threads get at least 8 MiB (worker_pool.cc).
// walk: the arithmetic, for the message.
void check_shap_stack(const char* walk, uint32_t max_depth, size_t bytes_per_level);

}  // namespace polyscore
