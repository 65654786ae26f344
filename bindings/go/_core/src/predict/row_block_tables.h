// The single-row walk's own copy of shallow trees (every tree at most 8 deep, as the heap
// tables pad them): each tree's first four levels in one 64-byte line, all trees' lines
// side by side, and the (up to) four levels below each of the 16 positions under them
// in a line of their own, so one row's path through a depth-8 tree touches two lines
// instead of the heap layout's six to eight. Nodes are 4 bytes: 16-bit keys, ranks of
// the 32-bit keys (key_encoding.h) among those the nodes of the feature compare with.
// Built at a model's first single row (PreparedModel::single_row_blocks), walked by
// row_block_walk.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace polyscore {

struct PreparedModel;

// A split of the single-row walk: go right when the row's 16-bit key at keys[at] is
// greater than key. Padding nodes ({0, 0}) may go either way (the heap tables' slots
// below them all hold the same leaf).
struct RowBlockNode {
  uint16_t key;
  uint16_t at;  // used feature + copy * num_used_features() (the copy of the key NaN needs)
};
// Nodes per block (one 64-byte line): a 1-based heap of 15 nodes, slot 0 unused.
constexpr uint32_t kRowBlockNodes = 16;
// Levels per block, and the deepest tree the tables take (two blocks on a path).
constexpr uint32_t kRowBlockLevels = 4;
constexpr uint32_t kRowBlockMaxDepth = 2 * kRowBlockLevels;

// Vectors of this type start on a cache line.
template <typename T>
struct LineAlignedAllocator {
  using value_type = T;
  LineAlignedAllocator() = default;
  template <typename U>
  LineAlignedAllocator(const LineAlignedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <typename U>
  bool operator==(const LineAlignedAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const LineAlignedAllocator<U>&) const { return false; }
};

struct RowBlockTables {
  bool usable = false;
  // Per tree, one block: its first min(D, 4) levels (D: the heap tables' depth of the
  // tree), node at 1-based heap position v in slot v.
  std::vector<RowBlockNode, LineAlignedAllocator<RowBlockNode>> top;
  // Per tree deeper than 4, 16 blocks (kRowBlockNodes each): block b holds the levels
  // below top position 16 + b (heap slot order), from bottom_begin[tree].
  std::vector<RowBlockNode, LineAlignedAllocator<RowBlockNode>> bottom;
  std::vector<uint32_t> bottom_begin;
  // How a row's 32-bit keys become 16-bit ones. A double model's keys are ranks below
  // 0xffff already (keys_are_ranks: the key is kept, NaN's all-ones key cut to 0xffff);
  // a float32 model's key becomes its rank among the sorted distinct node keys of its
  // feature, rank_keys[rank_begin[f], rank_begin[f + 1]), padded with all-ones keys
  // (never below a key) to whole blocks of 16 and at least one. Where the heap tables
  // take AVX-512 (count_avx512), a rank is counted: the fences below the key (the last
  // key of each block, fences[fence_begin[f]...], padded with all-ones to whole
  // vectors of 16) give its block, the keys below it there its place; else a binary search.
  bool keys_are_ranks = false;
  bool count_avx512 = false;
  std::vector<uint32_t> rank_begin;
  std::vector<uint32_t> rank_keys;
  std::vector<uint32_t> fence_begin;
  std::vector<uint32_t> fences;
  // The byte walk's copy (AVX-512 VBMI, row_block_walk.cc), made when every node key is
  // at most 254 and every place below 128 (ranks of at most 255 thresholds a feature, at
  // most 64 used features): the blocks of top and bottom in the same order, each as its
  // 16 keys then its 16 places, a byte each (32 bytes a block); the top blocks in groups
  // of kRowByteTopGroup trees, their 64 keys then their 64 places.
  bool bytes = false;
  std::vector<uint8_t, LineAlignedAllocator<uint8_t>> top_bytes, bottom_bytes;
  // A node whose key is 255 (a feature's 256th threshold, as XGBoost's 256 bins make)
  // reads, instead of the row's byte key (at most 255), one more byte key after the
  // 2 * num_used_features(): 1 when the row's 16-bit key at byte_extra_at[i] is above
  // 255, else 0, against its key 0.
  std::vector<uint16_t> byte_extra_at;
};
constexpr uint32_t kRowBlockRankBlock = 16;
// The byte walk's row keys: two registers of 64 (vpermt2b's table).
constexpr uint32_t kRowByteKeys = 128;
// The byte walk's top blocks in groups of 4 trees (one register of places, one of keys).
constexpr uint32_t kRowByteTopGroup = 4;

// The tables when the single-row walk can take the model (else usable is false): the
// heap tables exist (model.heap), every tree at most kRowBlockMaxDepth deep, no
// categorical split, every key fits 16 bits.
RowBlockTables make_row_block_tables(const PreparedModel& model);

// Whether single rows may take the row block walk at all: POLYSCORE_NO_ROW_BLOCKS=1 turns
// it off (single rows then take the heap walk), to compare the two.
bool row_blocks_allowed();

// model.row_blocks = make_row_block_tables(model) where row_blocks_allowed().
void build_row_block_tables(PreparedModel& model);

}  // namespace polyscore
