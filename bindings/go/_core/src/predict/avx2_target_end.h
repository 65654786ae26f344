// Ends the AVX2 region opened by avx2_target_begin.h. No include guard on purpose.
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
