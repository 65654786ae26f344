// Ends the region opened by avx512_target_begin.h or avx512vbmi_target_begin.h.
// No include guard on purpose.
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
