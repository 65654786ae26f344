// The heap walk: splits compare keys (key_encoding.h) over HeapTables, complete trees in
// heap order, so a step computes its child (2u + right) instead of loading it; with
// AVX-512 a batch's top levels are walked 16 rows per instruction (avx512_walk.h). A
// batch walks many rows through one tree side by side (the tree stays in cache), a
// single row walks many trees side by side.
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// Walks rows [0, n) of a block through trees [tree_begin, tree_end) and adds each tree's
// leaf value to margins[tree.output * kBlockRows + r], tree after tree, as the training
// library sums them (float for float32 models, double for double ones).
void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, float* margins);
void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, double* margins);

// Writes to slots[r] the leaf slot (index into heap.value* and heap_leaves()) that row r < n of
// the block reaches in `tree`; slots has room for kBlockRows.
void block_slots(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree, uint32_t* slots);

// One row (row_keys) through trees [first, first + count): the leaf slot reached in each
// goes to slots[0, count).
void row_slots(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
               uint32_t* slots);

}  // namespace polyscore::key_walk
