// A block's exit from which of its 15 nodes send a row right: one table read in place of
// four dependent steps. The walks that compare a block's nodes at once use it: the byte
// walks (byte_blocks.h, AVX-512 VBMI) and the tree block walk by shuffles (AVX2,
// tree_block_walk_avx2.cc). Plain C++, so that code compiled for any instruction set can
// inline it.
#pragma once

#include <cstdint>

#include "predict/row_block_tables.h"  // kRowBlockNodes, kRowBlockLevels

namespace polyscore::key_walk {

// The exit (0 to 15) of a block walked its 4 levels from the root, for every `right`
// (bit v set where the node at 1-based position v sends the row right; bit 0, slot 0's,
// is dropped): exits[right >> 1]. One load replaces four dependent bit test and
// add-with-carry steps, which Intel cores run on two ports only (0 and 6): with two such
// blocks a tree, those steps were what bounded a row's walk there. 32 KiB, read-only,
// made by the compiler.
struct BlockExits {
  alignas(64) uint8_t exit[1u << (kRowBlockNodes - 1)];
};

constexpr BlockExits make_block_exits() {
  BlockExits exits{};
  for (uint32_t i = 0; i < (1u << (kRowBlockNodes - 1)); ++i) {
    const uint32_t right = i << 1;
    uint32_t v = 1;
    for (uint32_t d = 0; d < kRowBlockLevels; ++d) v = 2 * v + ((right >> v) & 1);
    exits.exit[i] = static_cast<uint8_t>(v - kRowBlockNodes);
  }
  return exits;
}

inline constexpr BlockExits kBlockExits = make_block_exits();

// The exit (0 to 2^L - 1) of a block walked L levels from its root, given `right`: the
// first L of the 4 levels' path (the nodes below level L, whatever they hold, do not
// change it).
template <int L>
inline uint32_t block_exit(uint32_t right) {
  return kBlockExits.exit[(right >> 1) & ((1u << (kRowBlockNodes - 1)) - 1)] >> (kRowBlockLevels - L);
}

}  // namespace polyscore::key_walk
