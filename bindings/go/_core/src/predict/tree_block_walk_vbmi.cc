// The tree block walk with AVX-512 VBMI: a block's 15 nodes compared with the row's byte
// keys at once (byte_blocks.h).
#include "predict/tree_block_walk.h"

#include "predict/byte_blocks.h"
#include "predict/key_step.h"

#if POLYSCORE_X86_64
#include "predict/avx512vbmi_target_begin.h"
// Here, so that the chains are compiled for AVX-512 VBMI too (tree_chains.h).
#include "predict/tree_block_chains.h"

namespace polyscore::key_walk {

void tree_block_slots_vbmi(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                           uint32_t* slots) {
  const __m512i k0 = _mm512_loadu_si512(keys8), k1 = _mm512_loadu_si512(keys8 + 64);
  // 12 chains: 0.84x the time of 8 for one row of the deep model (a step here takes
  // fewer registers than level by level; docs/predictor.md item 9). The next trees'
  // blocks are not prefetched: with 12 chains that took 1.05x the time.
  constexpr uint32_t kChains = 12;
  walk_tree_blocks<kChains, false>(tables, first, count, slots, [&](const uint8_t* block) -> uint32_t {
    return block[2 * kRowBlockNodes + block_exit<kRowBlockLevels>(block_right(block, k0, k1))];
  });
}

}  // namespace polyscore::key_walk

#include "predict/avx512_target_end.h"
#endif  // POLYSCORE_X86_64
