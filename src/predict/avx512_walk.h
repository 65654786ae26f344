// The top levels of a tree walked with AVX-512, 16 rows per instruction (the heap walk
// walks whole shallow trees' first levels so, the linked walk each tree's first
// kLinkedTopLevels). Compiled only on x86-64 without POLYSCORE_PORTABLE, run only where
// the CPU has AVX-512 (Simd::kAvx512).
#pragma once

#include "predict/key_step.h"

namespace polyscore::key_walk {

// ---- The top levels with AVX-512. All rows start at the root, so level k has only
// 2^k nodes: each lane's key comes from 2^k plain vector loads (one per node's feature)
// and a blend tree on the lane's position, instead of one dependent load per lane.
// Everything down to the matching pop is compiled for AVX-512 (and runs only when the
// CPU has it: Simd::kAvx512).
#if POLYSCORE_X86_64
#include "predict/avx512_target_begin.h"


// 16 rows of 32-bit keys.
struct Keys32x16 {
  using M = __mmask16;
  static constexpr int kLanes = 16;
  static __m512i set1(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static __m512i add(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
  static __m512i sub(__m512i a, __m512i b) { return _mm512_sub_epi32(a, b); }
  static __m512i add_where(M m, __m512i a, __m512i b) { return _mm512_mask_add_epi32(a, m, a, b); }
  static M test(__m512i a, __m512i b) { return _mm512_test_epi32_mask(a, b); }
  static __m512i blend(M m, __m512i a, __m512i b) { return _mm512_mask_blend_epi32(m, a, b); }
  static M greater(__m512i a, __m512i b) { return _mm512_cmpgt_epu32_mask(a, b); }
  // The key of node j of a level, from its nodes (8-byte HeapNodes: keys at even dwords).
  static __m512i node_keys(__m512i j, __m512i lo, __m512i hi) {
    return _mm512_permutex2var_epi32(lo, _mm512_add_epi32(j, j), hi);
  }
  static void store_positions(uint32_t* pos, __m512i p) { _mm512_storeu_si512(pos, p); }
  // Bit `code` of a 512-bit bitset held in one register, for each lane.
  static M bit(__m512i code, __m512i bits) {
    const __m512i word = _mm512_permutexvar_epi32(_mm512_srli_epi32(code, 5), bits);
    return _mm512_test_epi32_mask(_mm512_srlv_epi32(word, _mm512_and_si512(code, set1(31))), set1(1));
  }
};

// walk_top_levels (below) for models with categorical splits: each of a level's nodes
// decides for all lanes (a compare, or a lookup in its bitset), then each lane's own
// node's decision is picked by a select tree on the lane's position.
template <int kLevels>
void walk_top_levels_with_categories(const HeapNode* nodes,
                                     const CategoryCodes::Ref* refs, const uint32_t* right_words,
                                     uint32_t bitset_words, const uint32_t* keys, size_t n,
                                     uint32_t* pos) {
  using S = Keys32x16;
  using M = S::M;
  constexpr int kNodes = (1 << kLevels) - 1;
  uint32_t offset[kNodes];
  __m512i key[kNodes];
  for (int j = 0; j < kNodes; ++j) {
    offset[j] = nodes[j].offset;
    key[j] = S::set1(nodes[j].key);
  }
  const __m512i one = S::set1(1);
  for (size_t r = 0; r < n; r += S::kLanes) {
    __m512i p = S::set1(0);
#pragma GCC unroll 8
    for (int k = 0; k < kLevels; ++k) {
      const int first = (1 << k) - 1;
      const __m512i j = S::sub(p, S::set1(first));
      M right[1 << (kLevels - 1)];
#pragma GCC unroll 16
      for (int c = 0; c < (1 << k); ++c) {
        const __m512i x = _mm512_loadu_si512(keys + offset[first + c] + r);
        const CategoryCodes::Ref& ref = refs[first + c];
        if (ref.code_mask) {
          // Only the node's own words are read (bitset_words <= 16: checked at build).
          const __m512i bits = _mm512_maskz_loadu_epi32(__mmask16((1u << bitset_words) - 1),
                                                        right_words + ref.word);
          right[c] = S::bit(x, bits);
        } else {
          right[c] = S::greater(x, key[first + c]);
        }
      }
#pragma GCC unroll 4
      for (int b = 0; b < k; ++b) {
        const M odd = S::test(j, S::set1(1u << b));
#pragma GCC unroll 8
        for (int c = 0; c < (1 << (k - b - 1)); ++c) {
          right[c] = M((right[2 * c] & ~odd) | (right[2 * c + 1] & odd));
        }
      }
      p = S::add_where(right[0], S::add(S::add(p, p), one), one);
    }
    S::store_positions(pos + r, p);
  }
}

// Rows [0, n) of a block (rounded up to whole vectors) through the first kLevels levels
// of a tree: writes each row's heap position to pos.
template <int kLevels, bool kCategories>
__attribute__((noinline)) void walk_top_levels(const HeapNode* nodes,
                                               const CategoryCodes::Ref* refs,
                                               const uint32_t* right_words, uint32_t bitset_words,
                                               const uint32_t* keys, size_t n, uint32_t* pos) {
  if constexpr (kCategories) {
    walk_top_levels_with_categories<kLevels>(nodes, refs, right_words, bitset_words, keys, n, pos);
    return;
  }
  using S = Keys32x16;
  static_assert(kLevels >= 1 && (int(sizeof(HeapNode)) << (kLevels - 1)) <= 128,
                "the nodes of a level are read as two vectors");
  constexpr int kNodes = (1 << kLevels) - 1;
  constexpr int kLevelBytes = 128;  // two vectors
  uint32_t offset[kNodes];
  for (int j = 0; j < kNodes; ++j) offset[j] = nodes[j].offset;
  __m512i level_lo[kLevels], level_hi[kLevels];
  for (int k = 0; k < kLevels; ++k) {
    const int first = (1 << k) - 1, bytes = int(sizeof(HeapNode)) << k;
    const char* start = reinterpret_cast<const char*>(nodes + first);
    // Only the level's own bytes are read (the tree may end right after them).
    const __mmask64 lo_bytes = bytes >= 64 ? ~__mmask64(0) : (__mmask64(1) << bytes) - 1;
    const __mmask64 hi_bytes = bytes >= kLevelBytes ? ~__mmask64(0)
                               : bytes > 64         ? (__mmask64(1) << (bytes - 64)) - 1
                                                    : 0;
    level_lo[k] = _mm512_maskz_loadu_epi8(lo_bytes, start);
    level_hi[k] = _mm512_maskz_loadu_epi8(hi_bytes, start + 64);
  }
  const __m512i one = S::set1(1);
  for (size_t r = 0; r < n; r += S::kLanes) {
    __m512i p = S::set1(0);
#pragma GCC unroll 8
    for (int k = 0; k < kLevels; ++k) {
      const int first = (1 << k) - 1;
      const __m512i j = S::sub(p, S::set1(first));
      __m512i x[1 << (kLevels - 1)];
#pragma GCC unroll 16
      for (int c = 0; c < (1 << k); ++c) x[c] = _mm512_loadu_si512(keys + offset[first + c] + r);
#pragma GCC unroll 4
      for (int bit = 0; bit < k; ++bit) {
        const auto m = S::test(j, S::set1(1u << bit));
#pragma GCC unroll 8
        for (int c = 0; c < (1 << (k - bit - 1)); ++c) x[c] = S::blend(m, x[2 * c], x[2 * c + 1]);
      }
      const auto right = S::greater(x[0], S::node_keys(j, level_lo[k], level_hi[k]));
      p = S::add_where(right, S::add(S::add(p, p), one), one);
    }
    S::store_positions(pos + r, p);
  }
}

#include "predict/avx512_target_end.h"
#endif  // POLYSCORE_X86_64

}  // namespace polyscore::key_walk
