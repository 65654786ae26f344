// The bitvector walk (QuickScorer): a batch block's rows through trees of at most 64
// leaves by evaluating every split of a tree for all rows at once and and-ing the
// leaf sets of the splits that send a row right; the exit leaf is the leftmost left.
// With AVX-512, 16 rows per instruction (32 with 16-bit keys); with AVX2, 8; else 8 rows
// side by side in scalar code. With AVX-512 a single row too: 16 splits of a tree per
// instruction (32 with 16-bit keys), and a categorical model's categorical splits 8 per
// step (sets of at most 128 bits, 16-bit keys) or one by one.
// Reads BitvectorTables (bitvector_tables.h) and the row keys of key_encoding.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// As add_block (heap_walk.h), over the bitvector tables bv: model.batch_bitvector(),
// only where it is usable.
void bitvector_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                         uint32_t tree_begin, uint32_t tree_end, float* margins);
void bitvector_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                         uint32_t tree_begin, uint32_t tree_end, double* margins);

// Writes to slots[(t - tree_begin) * kBlockRows + r] the leaf slot (index into bv.leaf /
// value*) row r < n of the block reaches in tree t of [tree_begin, tree_end); room for
// kBlockRows a tree. The block's keys are made into what the walk reads (narrowed,
// flipped, category lanes) once for all the trees. bv: as for bitvector_add_block.
void bitvector_block_slots(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                           uint32_t tree_begin, uint32_t tree_end, uint32_t* slots);

// One row (keys from row_keys) through trees [first, first + count): the leaf slot
// reached in each goes to slots[0, count). bv: model.single_row_bitvector(), only where
// it walks_rows().
void bitvector_row_slots(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys,
                         uint32_t first, uint32_t count, uint32_t* slots);

// With 16-bit keys (BitvectorTables::rows16) a row's keys are narrowed once per row, not
// once per call: bitvector_row_keys16 writes them (kBitvectorRowKeys16, zero padded) for
// the keys16 form of bitvector_row_slots.
constexpr uint32_t kBitvectorRowKeys16 = 2 * kBitvectorRowFeatures;
void bitvector_row_keys16(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16);
void bitvector_row_slots(const PreparedModel& model, const BitvectorTables& bv, const uint16_t* keys16,
                         uint32_t first, uint32_t count, uint32_t* slots);

}  // namespace polyscore::key_walk
