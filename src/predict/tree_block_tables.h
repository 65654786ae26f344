// The single-row walk's copy of deep trees: any tree cut into blocks of 4 levels, each
// block's 15 nodes as a key byte and a place byte, walked a block a step: on CPUs with
// AVX-512 VBMI its 15 nodes compared with a row's byte keys at once (byte_blocks.h), so
// that a path of 4 splits costs one permute, one compare and two loads; with AVX2 the
// same by 4 byte shuffles; on other CPUs level by level, a byte load, a byte load and a
// compare a level, a third of the linked walk's instructions a node. For the models
// whose single rows would take the bitvector walk (deep, leaf-wise trees of at most 64
// leaves, 16-bit keys, AVX-512) or, where that walk takes only batches, the linked walk.
// Built at a model's first single row (PreparedModel::single_row_tree_blocks), walked by
// tree_block_walk.h.
#pragma once

#include <cstdint>
#include <vector>

#include "predict/row_block_tables.h"

namespace polyscore {

struct PreparedModel;

// Where a tree's leaves come out (TreeBlockTables::first_slot): the indexes into the
// values and leaf indexes single rows read.
enum class TreeBlockSlots : uint8_t {
  // The bitvector tables' (tree * 64 + its leaf number), where they take single rows
  // (AVX-512: BitvectorTables::walks_rows).
  kBitvector,
  // The tables' own, one a leaf, wherever the bitvector tables do not take single rows
  // (BitvectorTables::walks_rows is false: AVX2, no AVX2, aarch64): they replace the
  // linked tables single rows would read, which are never built for them then.
  kOwn,
};

// A block: 16 node keys, 16 places (slot 0 unused, node at 1-based heap position v in
// slot v, as a row block's), then 16 exits: what is below each of the 16 positions of
// the block's fifth level, either the tree's block there (below 0x80, counted from this
// block: a tree's blocks follow the blocks above them) or kTreeBlockLeaf + the leaf's
// number in the tree. A row goes right at a node when its byte key at the place is
// above the node's key. A leaf above the fifth level, and every slot below it, holds key
// 255 (never right) and place 0, and its 16 >> level exits all name it.
constexpr uint32_t kTreeBlockBytes = 3 * kRowBlockNodes;
constexpr uint8_t kTreeBlockLeaf = 0x80;

// How a step finds a block's exit, by the CPU (make_tree_block_tables).
enum class TreeBlockStep : uint8_t {
  // Level by level: 4 levels of a place, the row's key there and a compare (every CPU).
  kLevels,
  // The block's 15 row keys by 4 AVX2 byte shuffles over the row's 128 byte keys, all 15
  // compares at once, the exit from a table (block_exits.h).
  kShuffles,
  // The same by one AVX-512 VBMI byte permute (byte_blocks.h).
  kPermute,
};

struct TreeBlockTables {
  // The model's trees fit (make_tree_block_tables).
  bool usable = false;
  // kPermute where avx512vbmi_allowed(), else kShuffles where avx2_allowed(), else kLevels.
  TreeBlockStep step = TreeBlockStep::kLevels;
  std::vector<uint8_t, LineAlignedAllocator<uint8_t>> blocks;  // kTreeBlockBytes each
  std::vector<uint32_t> first_block;  // per tree: its root block
  // A block after the trees' whose every exit is itself (0 blocks on): a walk with no
  // tree left to take stays there.
  uint32_t sink = 0;
  // The leaf an exit names comes out as slot first_slot[tree] + (exit - kTreeBlockLeaf),
  // in the tables `slots` says.
  TreeBlockSlots slots = TreeBlockSlots::kBitvector;
  std::vector<uint32_t> first_slot;
  // kOwn: per slot, what the leaf adds (the tree's weight times its value, in the
  // model's sum type) and its index into Forest::leaf_ids.
  std::vector<double> value64;
  std::vector<float> value32;
  std::vector<uint32_t> leaf;
};

// Whether single rows may take the tree block walk at all: unless
// POLYSCORE_NO_ROW_BYTES=1 (which turns off the row block walk's bytes too).
bool tree_blocks_allowed();

// The slots a model's tree block tables give, by the rule in TreeBlockSlots: kBitvector
// where the bitvector tables take single rows, else kOwn.
TreeBlockSlots tree_block_slots_for(const PreparedModel& model);

// The tables where the tree block walk can take the model's single rows (else usable is
// false): tree_blocks_allowed(), a model whose keys are ranks (a double model's) with no
// categorical split, at most kRowByteKeys / 2 used features, every split's key at most
// 254 (LightGBM's ranks of up to 255 bins), at most 64 leaves a tree.
// Reads the forest's nodes and the model's key ranks only.
TreeBlockTables make_tree_block_tables(const PreparedModel& model, TreeBlockSlots slots);

}  // namespace polyscore
