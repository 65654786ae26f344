// Compiles the functions that follow, up to the matching avx2_target_end.h, for AVX2 (and POPCNT,
// which every AVX2 CPU has).
// Include inside `#if POLYSCORE_X86_64`; such code runs only after the CPU was checked
// (Simd::kAvx2). No include guard on purpose: a file may open
// several such regions.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,popcnt")
#endif
