#include "predict/tree_block_walk.h"

#include <algorithm>

#include "predict/bitvector_tables.h"
#include "predict/byte_blocks.h"
#include "predict/key_step.h"

#if POLYSCORE_X86_64
#include "predict/avx512vbmi_target_begin.h"
// Here, so that the chains are compiled for AVX-512 VBMI too (tree_chains.h).
#include "predict/tree_chains.h"

namespace polyscore::key_walk {

void tree_block_keys(const uint16_t* keys16, uint32_t n, uint8_t* keys8) { narrow_keys(keys16, n, keys8); }

void tree_block_slots(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                      uint32_t* slots) {
  // Places are blocks' offsets in units of 8 bytes; after the trees' roots, the sink's.
  constexpr uint32_t kUnits = kTreeBlockBytes / 8;
  uint32_t roots[kTreeChainCall + 2 * kTreeChains];
  uint8_t exits[kTreeChainCall + kTreeChains];
  for (uint32_t t = 0; t < count; ++t) roots[t] = tables.first_block[first + t] * kUnits;
  std::fill(roots + count, roots + count + 2 * kTreeChains, tables.sink * kUnits);
  const __m512i k0 = _mm512_loadu_si512(keys8), k1 = _mm512_loadu_si512(keys8 + 64);
  const uint8_t* blocks = tables.blocks.data();
  // A block's exit: the tree's block there (a number from its root), or kTreeBlockLeaf + a leaf.
  auto step = [&](uint32_t at, uint32_t tree) {
    const uint8_t* block = blocks + size_t(at) * 8;
    const uint32_t exit = block[2 * kRowBlockNodes + block_exit<kRowBlockLevels>(block_right(block, k0, k1))];
    return ChainStep{roots[tree] + exit * kUnits, exit >> 7, exit};
  };
  walk_tree_chains(roots, count, step, exits);
  for (uint32_t t = 0; t < count; ++t) slots[t] = (first + t) * kBitvectorLeaves + (exits[t] - kTreeBlockLeaf);
}

}  // namespace polyscore::key_walk

#include "predict/avx512_target_end.h"
#else
namespace polyscore::key_walk {

// Built only where avx512vbmi_allowed(): never on other CPUs.
void tree_block_keys(const uint16_t*, uint32_t, uint8_t*) {}
void tree_block_slots(const TreeBlockTables&, const uint8_t*, uint32_t, uint32_t, uint32_t*) {}

}  // namespace polyscore::key_walk
#endif  // POLYSCORE_X86_64
