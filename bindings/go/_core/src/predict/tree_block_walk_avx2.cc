// The tree block walk with AVX2 (TreeBlockStep::kShuffles): a block's 15 row keys found by
// byte shuffles, compared with its node keys at once, its exit read from a table.
#include "predict/tree_block_walk.h"

#include "predict/block_exits.h"
#include "predict/key_step.h"

#if POLYSCORE_X86_64
#include "predict/avx2_target_begin.h"
// Here, so that the chains are compiled for AVX2 too (tree_chains.h).
#include "predict/tree_block_chains.h"

namespace polyscore::key_walk {
namespace {

// The row's 128 byte keys as 8 chunks of 16, in 4 registers: chunk 2j in the low lane of
// rows[j], chunk 2j + 1 in its high lane.
struct RowChunks {
  __m256i rows[4];
};

// The row's byte keys at the block's 16 places (slot 0's place is 0, its byte unused).
// A byte shuffle looks up 16 bytes by an index's low 4 bits, in each lane: shuffling
// every register by the places gives, for each place, its byte in all 8 chunks; the
// place's bits 5 and 6 pick the register, bit 4 the lane (blendv reads a mask byte's
// top bit, so each bit is shifted up to bit 7). Places are below 128, so no shuffle
// zeroes a byte.
inline __m128i row_keys_at(const RowChunks& row, const uint8_t* block) {
  const __m128i places = _mm_load_si128(reinterpret_cast<const __m128i*>(block + kRowBlockNodes));
  const __m256i at = _mm256_broadcastsi128_si256(places);
  const __m256i bit5 = _mm256_slli_epi16(at, 2), bit6 = _mm256_add_epi8(at, at);
  const __m256i low =
      _mm256_blendv_epi8(_mm256_shuffle_epi8(row.rows[0], at), _mm256_shuffle_epi8(row.rows[1], at), bit5);
  const __m256i high =
      _mm256_blendv_epi8(_mm256_shuffle_epi8(row.rows[2], at), _mm256_shuffle_epi8(row.rows[3], at), bit5);
  const __m256i lanes = _mm256_blendv_epi8(low, high, bit6);
  return _mm_blendv_epi8(_mm256_castsi256_si128(lanes), _mm256_extracti128_si256(lanes, 1), _mm_slli_epi16(places, 3));
}

// Which of the block's nodes send the row right (bit v for the node at position v): its
// byte key above the node's. AVX2 compares bytes signed only, so "not above" is
// min(key, node) == key.
inline uint32_t block_right_by_shuffles(const RowChunks& row, const uint8_t* block) {
  const __m128i keys = row_keys_at(row, block);
  const __m128i nodes = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
  const uint32_t left = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(keys, nodes), keys)));
  return ~left & 0xFFFF;
}

}  // namespace

void tree_block_slots_avx2(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                           uint32_t* slots) {
  RowChunks row;
  for (uint32_t j = 0; j < 4; ++j) row.rows[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys8 + 32 * j));
  // 12 chains, as the VBMI walk (whose step, too, keeps the row in vector registers):
  // 0.97x the time of 8 for one row of the deep model; no prefetch of the next trees'
  // blocks (the same time with it; docs/predictor.md item 9).
  constexpr uint32_t kChains = 12;
  walk_tree_blocks<kChains, false>(tables, first, count, slots, [&](const uint8_t* block) -> uint32_t {
    return block[2 * kRowBlockNodes + block_exit<kRowBlockLevels>(block_right_by_shuffles(row, block))];
  });
}

}  // namespace polyscore::key_walk

#include "predict/avx2_target_end.h"
#endif  // POLYSCORE_X86_64
