// The tree block walk's chains (tree_chains.h), given how a block's exit is found: by one
// AVX-512 VBMI permute (tree_block_walk_vbmi.cc), by AVX2 byte shuffles
// (tree_block_walk_avx2.cc) or level by level (tree_block_walk.cc).
// Internal linkage, as tree_chains.h's, so that each file compiles it for its own
// instruction set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/tree_block_tables.h"
#include "predict/tree_chains.h"

namespace polyscore::key_walk {
namespace {

// Trees [first, first + count) in kChains chains; exit_of(block) is the exit (a byte of
// the block's exits) a row takes from the block at `block`. Leaves' slots to slots[0, count).
// kPrefetchRoots: at every step, a prefetch (prefetcht0 on x86-64) is issued for the block
// where the chain's next tree starts, so that the next tree's first step need not wait on it.
template <uint32_t kChains, bool kPrefetchRoots, typename ExitOf>
inline void walk_tree_blocks(const TreeBlockTables& tables, uint32_t first, uint32_t count, uint32_t* slots,
                             ExitOf exit_of) {
  // Places are blocks' offsets in units of 8 bytes.
  constexpr uint32_t kUnits = kTreeBlockBytes / 8;
  const uint8_t* blocks = tables.blocks.data();
  // An exit is the tree's block there (counted from this one), or kTreeBlockLeaf + a leaf.
  auto step = [&](uint32_t at) {
    // size_t: an exit already zero-extended (a byte load) is not extended again.
    const size_t exit = exit_of(blocks + size_t(at) * 8);
    return ChainStep{exit * kUnits, exit, kTreeBlockLeaf, static_cast<uint32_t>(exit)};
  };
  const uint32_t* first_block = tables.first_block.data() + first;
  const uint32_t* first_slot = tables.first_slot.data() + first;
  auto root = [&](uint32_t t) { return first_block[t] * kUnits; };
  auto leaf = [&](uint32_t t, uint32_t exit) { slots[t] = first_slot[t] + (exit - kTreeBlockLeaf); };
  auto prefetch = [&](uint32_t at) {
    if constexpr (kPrefetchRoots) __builtin_prefetch(blocks + size_t(at) * 8);
  };
  walk_tree_chains<kChains>(count, root, tables.sink * kUnits, step, leaf, prefetch);
}

}  // namespace
}  // namespace polyscore::key_walk
