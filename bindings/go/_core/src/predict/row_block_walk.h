// The single-row walk over RowBlockTables (row_block_tables.h): one row's 16-bit keys
// through 16 trees side by side, four levels in each tree's top block, then up to four
// in the block below the position reached. Leaves come out as the heap tables' leaf
// slots, so a call adds heap.value* and reads heap_leaves() as the heap walk's callers do.
#pragma once

#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// One row's 16-bit keys (2 * num_used_features()) from its 32-bit ones (row_keys).
void row_block_keys(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16);

// One row (row_block_keys) through trees [first, first + count): the heap leaf slot
// reached in each goes to slots[0, count), as row_slots (heap_walk.h) writes them.
void row_block_slots(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                     uint32_t* slots);

}  // namespace polyscore::key_walk
