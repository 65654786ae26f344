// The top levels of a tree walked with AVX2, 8 rows per instruction: what CPUs without
// AVX-512 get instead of avx512_walk.h (the same select tree on a lane's position, on
// 8 lanes and with all-ones lanes instead of mask registers). Compiled only on x86-64 without
// POLYSCORE_PORTABLE, run only where the CPU has AVX2 (Simd::kAvx2).
#pragma once

#include "predict/key_step.h"

namespace polyscore::key_walk {

#if POLYSCORE_X86_64
#include "predict/avx2_target_begin.h"

namespace avx2 {

inline __m256i set1(uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }

// Each lane of b where bit kBit of the lane's j is set, else of a. The bit is shifted
// into the sign bit, which is all blendvps reads.
template <int kBit>
inline __m256i pick(__m256i j, __m256i a, __m256i b) {
  const __m256 select = _mm256_castsi256_ps(_mm256_slli_epi32(j, 31 - kBit));
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), select));
}

// Reduces x[0, 2^kBits) to x[0]: lane by lane, the x[c] whose c is bits
// [kFirstBit, kFirstBit + kBits) of the lane's j.
template <int kFirstBit, int kBits>
inline void pick_by_bits(__m256i j, __m256i* x) {
  if constexpr (kBits > 0) {
#pragma GCC unroll 8
    for (int c = 0; c < (1 << (kBits - 1)); ++c) x[c] = pick<kFirstBit>(j, x[2 * c], x[2 * c + 1]);
    pick_by_bits<kFirstBit + 1, kBits - 1>(j, x);
  }
}

// One level k of the walk: the positions p of 8 rows (on level k, 0-based heap order)
// one level down. level_keys: the level's node keys with the sign bit flipped (so a
// signed compare orders them as unsigned), in max(1, 2^k / 8) vectors.
template <int k>
inline __m256i step_level(__m256i p, const uint32_t* offset, const __m256i* level_keys, const uint32_t* keys) {
  constexpr int kFirst = (1 << k) - 1;
  constexpr int kKeyBits = k < 3 ? 0 : k - 3;  // bits of j past the 3 a permute reads
  const __m256i j = _mm256_sub_epi32(p, set1(kFirst));
  // The row's key at each of the level's nodes, then the one at its own node.
  __m256i x[1 << k];
#pragma GCC unroll 16
  for (int c = 0; c < (1 << k); ++c) {
    x[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + offset[kFirst + c]));
  }
  pick_by_bits<0, k>(j, x);
  // Its own node's key.
  __m256i node_key[1 << kKeyBits];
#pragma GCC unroll 4
  for (int v = 0; v < (1 << kKeyBits); ++v) node_key[v] = _mm256_permutevar8x32_epi32(level_keys[v], j);
  pick_by_bits<3, kKeyBits>(j, node_key);
  const __m256i sign = set1(0x80000000u);
  const __m256i right = _mm256_cmpgt_epi32(_mm256_xor_si256(x[0], sign), node_key[0]);  // all ones: right
  // Children 2p + 1 (left) and 2p + 2 (right).
  return _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(p, p), set1(1)), right);
}

// All ones in each lane whose bit `code` is set in a bitset of at most 8 words held in
// one register.
inline __m256i bit(__m256i code, __m256i bits) {
  const __m256i word = _mm256_permutevar8x32_epi32(bits, _mm256_srli_epi32(code, 5));
  const __m256i one = set1(1);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_srlv_epi32(word, _mm256_and_si256(code, set1(31))), one), one);
}

// step_level for models with categorical splits: each of the level's nodes decides for
// all lanes (a compare with its flipped key, or a lookup in its bitset: node_arg), then
// each lane's own node's decision is picked by the select tree.
template <int k>
inline __m256i step_level_with_categories(__m256i p, const uint32_t* offset, const bool* categorical,
                                          const __m256i* node_arg, const uint32_t* keys) {
  constexpr int kFirst = (1 << k) - 1;
  const __m256i j = _mm256_sub_epi32(p, set1(kFirst));
  const __m256i sign = set1(0x80000000u);
  __m256i right[1 << k];
#pragma GCC unroll 16
  for (int c = 0; c < (1 << k); ++c) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + offset[kFirst + c]));
    right[c] = categorical[kFirst + c] ? bit(x, node_arg[kFirst + c])
                                       : _mm256_cmpgt_epi32(_mm256_xor_si256(x, sign), node_arg[kFirst + c]);
  }
  pick_by_bits<0, k>(j, right);
  return _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(p, p), set1(1)), right[0]);
}

template <int... k>
inline __m256i step_levels_with_categories(__m256i p, const uint32_t* offset, const bool* categorical,
                                           const __m256i* node_arg, const uint32_t* keys,
                                           std::integer_sequence<int, k...>) {
  ((p = step_level_with_categories<k>(p, offset, categorical, node_arg, keys)), ...);
  return p;
}

template <int... k>
inline __m256i step_levels(__m256i p, const uint32_t* offset, const __m256i* const* level_keys,
                           const uint32_t* keys, std::integer_sequence<int, k...>) {
  ((p = step_level<k>(p, offset, level_keys[k], keys)), ...);
  return p;
}

}  // namespace avx2

// walk_top_levels_avx2 (below) for models with categorical splits (bitsets of at most
// 8 words: checked at build).
template <int kLevels>
void walk_top_levels_avx2_with_categories(const HeapNode* nodes, const CategoryCodes::Ref* refs,
                                          const uint32_t* right_words, uint32_t bitset_words,
                                          const uint32_t* keys, size_t n, uint32_t* pos) {
  constexpr int kNodes = (1 << kLevels) - 1;
  uint32_t offset[kNodes];
  bool categorical[kNodes];
  __m256i node_arg[kNodes];
  // Only the node's own words are read.
  const __m256i words = _mm256_cmpgt_epi32(avx2::set1(bitset_words), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int i = 0; i < kNodes; ++i) {
    offset[i] = nodes[i].offset;
    categorical[i] = refs[i].code_mask != 0;
    node_arg[i] = categorical[i] ? _mm256_maskload_epi32(reinterpret_cast<const int*>(right_words + refs[i].word), words)
                                 : avx2::set1(nodes[i].key ^ 0x80000000u);
  }
  for (size_t r = 0; r < n; r += 8) {
    const __m256i p = avx2::step_levels_with_categories(_mm256_setzero_si256(), offset, categorical, node_arg,
                                                        keys + r, std::make_integer_sequence<int, kLevels>{});
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(pos + r), p);
  }
}

// Rows [0, n) of a block (rounded up to whole vectors of 8) through the first kLevels
// levels of a tree: writes each row's heap position to pos. With kCategories, refs are
// the nodes' category refs (CategoryCodes).
template <int kLevels, bool kCategories>
__attribute__((noinline)) void walk_top_levels_avx2(const HeapNode* nodes, const CategoryCodes::Ref* refs,
                                                    const uint32_t* right_words, uint32_t bitset_words,
                                                    const uint32_t* keys, size_t n, uint32_t* pos) {
  if constexpr (kCategories) {
    walk_top_levels_avx2_with_categories<kLevels>(nodes, refs, right_words, bitset_words, keys, n, pos);
    return;
  }
  static_assert(kLevels >= 1 && kLevels <= 5, "a level's keys are at most 4 vectors");
  constexpr int kNodes = (1 << kLevels) - 1;
  uint32_t offset[kNodes];
  for (int i = 0; i < kNodes; ++i) offset[i] = nodes[i].offset;
  // Each level's keys, flipped, in whole vectors (a level of fewer than 8 nodes: one).
  constexpr int kWidest = 1 << (kLevels - 1);
  constexpr int kVectors = kWidest < 8 ? 1 : kWidest / 8;
  alignas(32) uint32_t flipped[kLevels][8 * kVectors] = {};
  for (int k = 0; k < kLevels; ++k) {
    for (int c = 0; c < (1 << k); ++c) flipped[k][c] = nodes[(1 << k) - 1 + c].key ^ 0x80000000u;
  }
  __m256i vectors[kLevels][kVectors];
  const __m256i* level_keys[kLevels];
  for (int k = 0; k < kLevels; ++k) {
    for (int v = 0; v < ((1 << k) < 8 ? 1 : (1 << k) / 8); ++v) {
      vectors[k][v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&flipped[k][8 * v]));
    }
    level_keys[k] = vectors[k];
  }
  for (size_t r = 0; r < n; r += 8) {
    const __m256i p = avx2::step_levels(_mm256_setzero_si256(), offset, level_keys, keys + r,
                                        std::make_integer_sequence<int, kLevels>{});
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(pos + r), p);
  }
}

#include "predict/avx2_target_end.h"
#endif  // POLYSCORE_X86_64

}  // namespace polyscore::key_walk
