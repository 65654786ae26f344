// Compiles the functions that follow, up to the matching avx512_target_end.h, for
// AVX-512 (F, BW, DQ, VL). Include inside `#if POLYSCORE_X86_64`; such code runs only
// after the CPU was checked (Simd::kAvx512, KeyRanks::counting).
// No include guard on purpose: a file may open several such regions.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
// GCC 12 warns inside its own headers about the _mm512_undefined_* sources of some
// intrinsics (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
