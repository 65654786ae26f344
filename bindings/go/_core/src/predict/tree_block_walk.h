// The single-row walk over TreeBlockTables (tree_block_tables.h): one row's byte keys
// through the trees a block of 4 levels a step, in chains (tree_chains.h). Leaves come
// out as the tables' slots (TreeBlockTables::first_slot), whose values and leaf indexes
// are the bitvector tables' or the tables' own.
#pragma once

#include <cstdint>

#include "predict/tree_block_tables.h"

namespace polyscore::key_walk {

// A row's byte keys (kRowByteKeys) from its keys (key_walk::row_keys, n of them), each
// min(key, 255): the splits' keys are at most 254, so a key cut to 255 still compares
// as it did. Zero past n.
void tree_block_keys(const uint32_t* keys, uint32_t n, uint8_t* keys8);

// One row (tree_block_keys) through trees [first, first + count), count at most
// kTreeChainCall (tree_chains.h): the slot of the leaf reached in each goes to
// slots[0, count). Each block by the tables' step (TreeBlockTables::step).
void tree_block_slots(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                      uint32_t* slots);

// The same, each block by one AVX-512 VBMI permute (tree_block_walk_vbmi.cc): x86-64
// only, and only where avx512vbmi_allowed().
void tree_block_slots_vbmi(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                           uint32_t* slots);

// The same, each block by 4 AVX2 byte shuffles (tree_block_walk_avx2.cc): x86-64 only,
// and only where avx2_allowed().
void tree_block_slots_avx2(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                           uint32_t* slots);

}  // namespace polyscore::key_walk
