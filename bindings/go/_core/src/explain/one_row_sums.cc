// one_row_sums.h: the lanes compiled for AVX2 and AVX-512, picked at run time.
#include "explain/one_row_sums.h"

#include <cstring>

#include "predict/cpu_features.h"
#include "predict/key_step.h"  // POLYSCORE_X86_64: x86-64 and not POLYSCORE_PORTABLE

namespace polyscore {
namespace {

// Lanes per vector: 256 bits (AVX2) and 512 (AVX-512).
typedef float Float8 __attribute__((vector_size(32)));
typedef float Float16 __attribute__((vector_size(64)));
typedef double Double4 __attribute__((vector_size(32)));
typedef double Double8 __attribute__((vector_size(64)));

}  // namespace

#if POLYSCORE_X86_64
namespace one_row_avx2 {
#include "predict/avx2_target_begin.h"
#include "explain/one_row_sums_kernel.inc"
void float_sums(const float* zero, const float* one, const float* pweight, uint32_t depth, float* total) {
  sums_all<float, Float8>(zero, one, pweight, depth, total);
}
void double_sums(const double* zero, const double* one, const double* pweight, uint32_t depth, double* total) {
  sums_all<double, Double4>(zero, one, pweight, depth, total);
}
void float_leaves(const float* zero, const float* one, const float* pweight, uint32_t depth, uint32_t leaves,
                  float* total) {
  sums_leaves<float, Float8>(zero, one, pweight, depth, leaves, total);
}
void double_leaves(const double* zero, const double* one, const double* pweight, uint32_t depth, uint32_t leaves,
                   double* total) {
  sums_leaves<double, Double4>(zero, one, pweight, depth, leaves, total);
}
void float_extend(const float* old_pweight, float* pweight, uint32_t depth, float zero, float one) {
  extend_all<float, Float8>(old_pweight, pweight, depth, zero, one);
}
void double_extend(const double* old_pweight, double* pweight, uint32_t depth, double zero, double one) {
  extend_all<double, Double4>(old_pweight, pweight, depth, zero, one);
}
#include "predict/avx2_target_end.h"
}  // namespace one_row_avx2

namespace one_row_avx512 {
#include "predict/avx512_target_begin.h"
#include "explain/one_row_sums_kernel.inc"
// A path that fits half a register takes the half (same lanes, fewer wasted divisions).
void float_sums(const float* zero, const float* one, const float* pweight, uint32_t depth, float* total) {
  if (depth <= 8) return sums_all<float, Float8>(zero, one, pweight, depth, total);
  sums_all<float, Float16>(zero, one, pweight, depth, total);
}
void double_sums(const double* zero, const double* one, const double* pweight, uint32_t depth, double* total) {
  if (depth <= 4) return sums_all<double, Double4>(zero, one, pweight, depth, total);
  sums_all<double, Double8>(zero, one, pweight, depth, total);
}
// Leaves of depth <= 8 floats take 8 lanes (as above); of doubles, 8 lanes.
void float_leaves(const float* zero, const float* one, const float* pweight, uint32_t depth, uint32_t leaves,
                  float* total) {
  sums_leaves<float, Float8>(zero, one, pweight, depth, leaves, total);
}
void double_leaves(const double* zero, const double* one, const double* pweight, uint32_t depth, uint32_t leaves,
                   double* total) {
  sums_leaves<double, Double8>(zero, one, pweight, depth, leaves, total);
}
// Paths of up to half a register's elements take the half, as float_sums above.
void float_extend(const float* old_pweight, float* pweight, uint32_t depth, float zero, float one) {
  if (depth < 8) return extend_all<float, Float8>(old_pweight, pweight, depth, zero, one);
  extend_all<float, Float16>(old_pweight, pweight, depth, zero, one);
}
void double_extend(const double* old_pweight, double* pweight, uint32_t depth, double zero, double one) {
  if (depth < 4) return extend_all<double, Double4>(old_pweight, pweight, depth, zero, one);
  extend_all<double, Double8>(old_pweight, pweight, depth, zero, one);
}
#include "predict/avx512_target_end.h"
}  // namespace one_row_avx512

#endif  // POLYSCORE_X86_64

// sums_all and extend_all read and write whole vectors: at most one vector (16 lanes)
// past depth.
uint32_t one_row_sums_padded(uint32_t depth) { return depth + 16; }

template <>
OneRowSums<float> one_row_unwound_sums<float>() {
  OneRowSums<float> sums;
  if (set_in_environment("POLYSCORE_CONTRIB_ONE_ROW_SCALAR")) return sums;
#if POLYSCORE_X86_64
  if (avx512_allowed()) {
    sums = {one_row_avx512::float_sums, one_row_avx512::float_leaves, one_row_avx512::float_extend, 8};
  } else if (avx2_allowed()) {
    sums = {one_row_avx2::float_sums, one_row_avx2::float_leaves, one_row_avx2::float_extend, 8};
  }
#endif
  return sums;
}

template <>
OneRowSums<double> one_row_unwound_sums<double>() {
  OneRowSums<double> sums;
  if (set_in_environment("POLYSCORE_CONTRIB_ONE_ROW_SCALAR")) return sums;
#if POLYSCORE_X86_64
  if (avx512_allowed()) {
    sums = {one_row_avx512::double_sums, one_row_avx512::double_leaves, one_row_avx512::double_extend, 8};
  } else if (avx2_allowed()) {
    sums = {one_row_avx2::double_sums, one_row_avx2::double_leaves, one_row_avx2::double_extend, 4};
  }
#endif
  return sums;
}

}  // namespace polyscore
