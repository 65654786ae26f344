// The byte walks' shared pieces (AVX-512 VBMI): a block of 15 nodes, each a key byte
// and a place byte, compared with a row's byte keys at once, and its exit read from a
// table (block_exits.h). Two walks use them: the row block walk of shallow trees
// (row_block_walk.cc) and the tree block walk of deep ones (tree_block_walk_vbmi.cc).
// Code here runs only after the CPU was checked (avx512vbmi_allowed).
#pragma once

#include <cstdint>

#include "predict/block_exits.h"
#include "predict/key_step.h"  // POLYSCORE_X86_64, and <immintrin.h> there
#include "predict/row_block_tables.h"

#if POLYSCORE_X86_64
#include "predict/avx512vbmi_target_begin.h"

namespace polyscore::key_walk {

// Which nodes of the 32-byte block at `block` (16 keys, 16 places) send the row right:
// the row's byte keys at the places (one byte permute over the 128 keys in k0, k1),
// compared with the nodes' keys.
inline uint32_t block_right(const uint8_t* block, __m512i k0, __m512i k1) {
  const __m128i keys = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
  const __m128i at = _mm_load_si128(reinterpret_cast<const __m128i*>(block + kRowBlockNodes));
  const __m512i x = _mm512_permutex2var_epi8(k0, _mm512_castsi128_si512(at), k1);
  return _mm_cmpgt_epu8_mask(_mm512_castsi512_si128(x), keys);
}

// keys8[i] = min(wide[i], 255) for i < n, 0 up to kRowByteKeys (saturating narrowing).
inline void narrow_keys(const uint16_t* wide, uint32_t n, uint8_t* keys8) {
  for (uint32_t i = 0; i < kRowByteKeys; i += 32) {
    const int64_t left = int64_t(n) - i;
    const __mmask32 present = left >= 32 ? ~__mmask32(0) : left <= 0 ? 0 : __mmask32((uint64_t(1) << left) - 1);
    const __m512i x = _mm512_maskz_loadu_epi16(present, wide + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys8 + i), _mm512_cvtusepi16_epi8(x));
  }
}

}  // namespace polyscore::key_walk

#include "predict/avx512_target_end.h"
#endif  // POLYSCORE_X86_64
