#include "predict/key_encoding.h"

#include <cmath>

#include "predict/key_step.h"

namespace polyscore::key_walk {
namespace {

// ---- Ranks by counting, with AVX-512 or AVX2 (KeyRanks::counting): compiled for that
// down to the matching end, run only when the CPU has it.
#if POLYSCORE_X86_64

// Ranks (KeyRanks) by counting: the fences below a key give its block, the keys below
// it in that block its place there. Compares of 8 keys at a time replace a binary
// search's chain of dependent loads, so the features of a row overlap. below(p): how many
// of the 8 keys at p are below the key, compared with AVX-512 or AVX2 (always inlined
// into its callers, each in its own ISA's region, where below is inlined too).
template <typename Below8>
__attribute__((always_inline)) inline uint32_t rank_by_fences(const KeyRanks& ranks, size_t f, Below8 below) {
  const KeyRanks::Feature& feature = ranks.features[f];
  const uint64_t* fences = ranks.fences.data() + feature.fences;
  const uint32_t blocks = feature.count / KeyRanks::kBlock;
  uint32_t block = 0;
  for (uint32_t i = 0; i < blocks; i += KeyRanks::kFenceVector) block += below(fences + i);
  // The last fence is all ones, so the block is one of the feature's own.
  const uint64_t* keys = ranks.keys.data() + feature.keys + KeyRanks::kBlock * block;
  return KeyRanks::kBlock * block + below(keys) + below(keys + 8);
}

#include "predict/avx512_target_begin.h"

inline uint32_t rank_by_count(const KeyRanks& ranks, size_t f, uint64_t key) {
  const __m512i k = _mm512_set1_epi64(static_cast<long long>(key));
  return rank_by_fences(ranks, f, [&](const uint64_t* p) {
    return uint32_t(__builtin_popcount(_mm512_cmplt_epu64_mask(_mm512_loadu_si512(p), k)));
  });
}

// out[i] = the rank of feature f's value x[i * stride], for i < n (NaN: any rank).
__attribute__((noinline)) void ranks_by_count(const KeyRanks& ranks, size_t f, const double* x,
                                              size_t stride, size_t n, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = rank_by_count(ranks, f, key_of(x[i * stride]));
}

// out[f] = the rank of feature f's value row[f], for f < n (NaN: any rank).
__attribute__((noinline)) void row_ranks_by_count(const KeyRanks& ranks, const double* row, size_t n,
                                                  uint32_t* out) {
  for (size_t f = 0; f < n; ++f) out[f] = rank_by_count(ranks, f, key_of(row[f]));
}

#include "predict/avx512_target_end.h"
#include "predict/avx2_target_begin.h"

// rank_by_count with AVX2: 4 keys per compare, and AVX2 compares signed 64-bit integers
// only, so both sides get their sign bit flipped (which orders them as unsigned).
inline uint32_t rank_by_count_avx2(const KeyRanks& ranks, size_t f, uint64_t key) {
  const __m256i sign = _mm256_set1_epi64x(static_cast<long long>(uint64_t(1) << 63));
  const __m256i k = _mm256_xor_si256(_mm256_set1_epi64x(static_cast<long long>(key)), sign);
  auto below4 = [&](const uint64_t* p) {
    const __m256i x = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), sign);
    return _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k, x)));
  };
  return rank_by_fences(ranks, f,
                        [&](const uint64_t* p) { return uint32_t(__builtin_popcount(below4(p) | below4(p + 4) << 4)); });
}

__attribute__((noinline)) void ranks_by_count_avx2(const KeyRanks& ranks, size_t f, const double* x,
                                                   size_t stride, size_t n, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = rank_by_count_avx2(ranks, f, key_of(x[i * stride]));
}

__attribute__((noinline)) void row_ranks_by_count_avx2(const KeyRanks& ranks, const double* row, size_t n,
                                                       uint32_t* out) {
  for (size_t f = 0; f < n; ++f) out[f] = rank_by_count_avx2(ranks, f, key_of(row[f]));
}

#include "predict/avx2_target_end.h"
#endif  // POLYSCORE_X86_64

// The code (CategoryCodes) of a categorical feature's value v, converted.
uint32_t category_code(const CategoryCodes& cc, double v) {
  if (std::isnan(v)) return cc.codes + 1;
  const double lowest = cc.lightgbm ? -1.0 : 0.0;
  if ((v > lowest || v == 0.0) && v < cc.codes) return static_cast<uint32_t>(v < 0.0 ? 0.0 : v);
  return cc.codes;
}

bool reads_category(const PreparedModel& model, size_t f) {
  return model.category_codes.any && model.category_codes.categorical_feature[f];
}

}  // namespace

void block_keys(const PreparedModel& model, const double* x, size_t n, uint32_t* keys) {
  const size_t nf = model.num_used_features();
  const KeyRanks& ranks = model.ranks;
  for (size_t f = 0; f < nf; ++f) {
    uint32_t* left = keys + f * kBlockRows;
    uint32_t* right = keys + (f + nf) * kBlockRows;
    if (reads_category(model, f)) {
      for (size_t r = 0; r < n; ++r) left[r] = right[r] = category_code(model.category_codes, x[r * nf + f]);
      continue;
    }
    if (ranks.counting != Simd::kScalar) {
#if POLYSCORE_X86_64
      if (ranks.counting == Simd::kAvx512) ranks_by_count(ranks, f, x + f, nf, n, left);
      else ranks_by_count_avx2(ranks, f, x + f, nf, n, left);
#endif
    } else {
      for (size_t r = 0; r < n; ++r) left[r] = key_of_value(model, f, x[r * nf + f]);
    }
    for (size_t r = 0; r < n; ++r) {
      const bool nan = std::isnan(x[r * nf + f]);
      right[r] = nan ? kNanRight : left[r];
      left[r] = nan ? kNanLeft : left[r];
    }
  }
}

void row_keys(const PreparedModel& model, const double* row, uint32_t* keys) {
  const size_t nf = model.num_used_features();
  if (model.ranks.counting != Simd::kScalar) {
#if POLYSCORE_X86_64
    if (model.ranks.counting == Simd::kAvx512) row_ranks_by_count(model.ranks, row, nf, keys);
    else row_ranks_by_count_avx2(model.ranks, row, nf, keys);
#endif
  } else {
    for (size_t f = 0; f < nf; ++f) keys[f] = key_of_value(model, f, row[f]);
  }
  for (size_t f = 0; f < nf; ++f) {
    const double v = row[f];
    if (reads_category(model, f)) {
      keys[f] = keys[f + nf] = category_code(model.category_codes, v);
      continue;
    }
    const bool nan = std::isnan(v);
    keys[f + nf] = nan ? kNanRight : keys[f];
    keys[f] = nan ? kNanLeft : keys[f];
  }
}

}  // namespace polyscore::key_walk
