// The single-row walk over TreeBlockTables (tree_block_tables.h): one row's byte keys
// through the trees a block of 4 levels a step, in chains (tree_chains.h). Leaves come out as the
// bitvector tables' slots (tree * 64 + leaf), so a call adds their values and reads
// their leaf indexes as the bitvector walk's callers do.
#pragma once

#include <cstdint>

#include "predict/tree_block_tables.h"

namespace polyscore::key_walk {

// A row's byte keys (kRowByteKeys) from its 16-bit ones (bitvector_row_keys16), each
// min(key, 255): the splits' keys are at most 254.
void tree_block_keys(const uint16_t* keys16, uint32_t n, uint8_t* keys8);

// One row (tree_block_keys) through trees [first, first + count), count at most
// kTreeChainCall (tree_chains.h): the leaf slot reached in each goes to slots[0, count).
void tree_block_slots(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                      uint32_t* slots);

}  // namespace polyscore::key_walk
