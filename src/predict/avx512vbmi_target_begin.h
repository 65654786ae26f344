// Compiles the functions that follow, up to the matching avx512_target_end.h, for
// AVX-512 (F, BW, DQ, VL) and VBMI (byte permutes). Include inside `#if POLYSCORE_X86_64`;
// such code runs only after the CPU was checked (avx512vbmi_allowed).
// No include guard on purpose: a file may open several such regions.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vbmi")
// As in avx512_target_begin.h: GCC 12's false positive on its own _mm512_undefined_*.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
