// The single-row walk over RowBlockTables (row_block_tables.h): one row's 16-bit keys
// through 16 trees side by side, four levels in each tree's top block, then up to four
// in the block below the position reached; or, where the tables have bytes
// (RowBlockTables::bytes, AVX-512 VBMI), one tree after another, each block's 15 nodes
// compared at once. Leaves come out as the heap tables' leaf slots, so a call adds
// heap.value* and reads heap_leaves() as the heap walk's callers do.
#pragma once

#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// One row's 16-bit keys (2 * num_used_features()) from its 32-bit ones (row_keys); with
// the byte walk, kRowByteKeys bytes in their place (keys16 must hold 64 keys or more).
void row_block_keys(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16);

// One row (row_block_keys) through trees [first, first + count): the heap leaf slot
// reached in each goes to slots[0, count), as row_slots (heap_walk.h) writes them.
void row_block_slots(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                     uint32_t* slots);

// As row_block_slots where the model takes the byte walk (RowBlockTables::bytes), but
// adds each tree's leaf value (values: the heap tables' value32 or value64) to sum, in
// tree order, as the walk reaches it.
template <typename Acc>
void row_block_sum(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                   const Acc* values, Acc& sum);

}  // namespace polyscore::key_walk
