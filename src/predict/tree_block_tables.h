// The single-row walk's copy of deep trees, for CPUs with AVX-512 VBMI: any tree cut
// into blocks of 4 levels, each block's 15 nodes as a key byte and a place byte, compared
// with a row's byte keys at once (byte_blocks.h), so that a path of 4 splits costs one
// permute, one compare and two loads instead of 4 dependent steps or, as the bitvector
// walk does, a compare of every split of the tree. For models the bitvector walk takes
// single rows of (deep, leaf-wise trees of at most 64 leaves, 16-bit keys); the leaves
// come out as its slots (tree * 64 + leaf, BitvectorTables), so its values and leaf
// indexes serve. Built at a model's first single row (PreparedModel::single_row_tree_blocks),
// walked by tree_block_walk.h.
#pragma once

#include <cstdint>
#include <vector>

#include "predict/row_block_tables.h"

namespace polyscore {

struct PreparedModel;

// A block: 16 node keys, 16 places (slot 0 unused, node at 1-based heap position v in
// slot v, as a row block's), then 16 exits: what is below each of the 16 positions of
// the block's fifth level, either the tree's block number there (below 0x80, counted
// from the tree's first block) or kTreeBlockLeaf + the leaf's number in the tree. A row
// goes right at a node when its byte key at the place is above the node's key. A leaf
// above the fifth level, and every slot below it, holds key 255 (never right) and
// place 0, and its 16 >> level exits all name it.
constexpr uint32_t kTreeBlockBytes = 3 * kRowBlockNodes;
constexpr uint8_t kTreeBlockLeaf = 0x80;

struct TreeBlockTables {
  // The model's trees fit (make_tree_block_tables); single rows take them where the
  // bitvector walk takes them with 16-bit keys (BitvectorTables::rows16).
  bool usable = false;
  std::vector<uint8_t, LineAlignedAllocator<uint8_t>> blocks;  // kTreeBlockBytes each
  std::vector<uint32_t> first_block;  // per tree: its root block
  // A block after the trees' whose every exit is itself (block 0 from it): a walk with no
  // tree left to take stays there.
  uint32_t sink = 0;
};

// Whether single rows may take the tree block walk at all: on CPUs with AVX-512 VBMI,
// unless POLYSCORE_NO_ROW_BYTES=1 (which turns off the row block walk's bytes too).
bool tree_blocks_allowed();

// The tables where the tree block walk can take the model's single rows (else usable is
// false): tree_blocks_allowed(), the bitvector walk takes
// its single rows with 16-bit keys and no categorical split, every split's key at most
// 254 (LightGBM's ranks of up to 255 bins), at most 127 blocks a tree. Reads the
// forest's nodes and the model's key ranks only.
TreeBlockTables make_tree_block_tables(const PreparedModel& model);

}  // namespace polyscore
