#include "predict/tree_block_walk.h"

#include <algorithm>

#include "predict/bitvector_tables.h"
#include "predict/byte_blocks.h"
#include "predict/key_step.h"

namespace polyscore::key_walk {

#if POLYSCORE_X86_64
#include "predict/avx512vbmi_target_begin.h"

void tree_block_keys(const uint16_t* keys16, uint32_t n, uint8_t* keys8) { narrow_keys(keys16, n, keys8); }

namespace {

// Trees side by side (lanes), up to `steps` blocks deep. Each lane keeps what its last
// block's exit named: a block of its tree, or kTreeBlockLeaf + a leaf. A lane at its
// leaf skips its step (a branch: rows' paths are most often shorter than the deepest of
// 16 trees, and stepping every lane without one cost more than the mispredictions,
// docs/predictor.md item 9).
template <uint32_t kLanes>
void walk_trees(const uint8_t* blocks, const uint32_t* first_block, uint32_t steps, const uint8_t* keys8,
                uint32_t lanes, uint32_t* exits) {
  const __m512i k0 = _mm512_loadu_si512(keys8), k1 = _mm512_loadu_si512(keys8 + 64);
  const uint32_t n = kLanes ? kLanes : lanes;
  uint32_t at[16];
  for (uint32_t g = 0; g < 16; ++g) at[g] = 0;
  for (uint32_t s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (uint32_t g = 0; g < n; ++g) {
      if (at[g] & kTreeBlockLeaf) continue;
      const uint8_t* block = blocks + size_t(first_block[g] + at[g]) * kTreeBlockBytes;
      at[g] = block[2 * kRowBlockNodes + block_exit<kRowBlockLevels>(block_right(block, k0, k1))];
    }
  }
  for (uint32_t g = 0; g < n; ++g) exits[g] = at[g];
}

}  // namespace

void tree_block_slots(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                      uint32_t* slots) {
  const uint8_t* steps = tables.steps.data() + first;
  const uint32_t deepest = *std::max_element(steps, steps + count);
  uint32_t exits[16];
  if (count == 16) {
    walk_trees<16>(tables.blocks.data(), tables.first_block.data() + first, deepest, keys8, count, exits);
  } else {
    walk_trees<0>(tables.blocks.data(), tables.first_block.data() + first, deepest, keys8, count, exits);
  }
  for (uint32_t g = 0; g < count; ++g) slots[g] = (first + g) * kBitvectorLeaves + (exits[g] - kTreeBlockLeaf);
}

#include "predict/avx512_target_end.h"
#else
// Built only where avx512vbmi_allowed(): never on other CPUs.
void tree_block_keys(const uint16_t*, uint32_t, uint8_t*) {}
void tree_block_slots(const TreeBlockTables&, const uint8_t*, uint32_t, uint32_t, uint32_t*) {}
#endif  // POLYSCORE_X86_64

}  // namespace polyscore::key_walk
