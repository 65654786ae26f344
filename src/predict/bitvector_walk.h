// The bitvector walk (QuickScorer): a batch block's rows through trees of at most 64
// leaves by evaluating every split of a tree for all rows at once and and-ing the
// leaf sets of the splits that send a row right; the exit leaf is the leftmost left.
// With AVX-512, 16 rows per instruction (32 with 16-bit keys); with AVX2, 8; else 8 rows
// side by side in scalar code. With AVX-512 a single row too: 16 splits of a tree per
// instruction; without, a single row walks the splits by the row key they read
// (BitvectorRowByKey), only those that send it right.
// Reads BitvectorTables (bitvector_tables.h) and the row keys of key_encoding.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// As add_block (heap_walk.h), over the bitvector tables.
void bitvector_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                         uint32_t tree_end, float* margins);
void bitvector_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                         uint32_t tree_end, double* margins);

// Writes to slots[r] the leaf slot (index into bitvector.leaf / value*) row r < n of the
// block reaches in `tree`; room for kBlockRows.
void bitvector_block_slots(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree,
                           uint32_t* slots);

// One row (keys from row_keys) through trees [first, first + count): the leaf slot
// reached in each goes to slots[0, count). Only where BitvectorTables::walks_rows() and
// avx512 (without AVX-512, BitvectorRowByKey).
void bitvector_row_slots(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
                         uint32_t* slots);

// With 16-bit keys (BitvectorTables::rows16) a row's keys are narrowed once per row, not
// once per call: bitvector_row_keys16 writes them (kBitvectorRowKeys16, zero padded) for
// the keys16 form of bitvector_row_slots.
constexpr uint32_t kBitvectorRowKeys16 = 2 * kBitvectorRowFeatures;
void bitvector_row_keys16(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16);
void bitvector_row_slots(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                         uint32_t* slots);

// One row (keys from row_keys) through the trees by the tables of
// BitvectorTables::by_key (where walks_rows() without AVX-512): the row's key k goes
// right at the splits of run k whose keys are below it, a prefix of the run, so only
// those are read; their keep masks and into the leaf sets of the trees of one chunk of
// kBitvectorRowChunk trees, walked at the first tree asked of it. Where the AVX-512 row
// walk compares every split of a tree, 16 at a time by permutes, AVX2 has no permute
// across more than 8 keys; gathering the keys 8 splits at a time took twice the linked
// walk's time (docs/predictor.md).
class BitvectorRowByKey {
 public:
  BitvectorRowByKey(const PreparedModel& model, const uint32_t* keys);
  // As bitvector_row_slots: the leaf slots of trees [first, first + count).
  void slots(uint32_t first, uint32_t count, uint32_t* slots);

 private:
  void walk_chunk(uint32_t chunk);
  const BitvectorTables& bv_;
  const uint32_t* keys_;
  uint32_t row_keys_;  // 2 * num_used_features
  uint32_t trees_;
  uint32_t chunk_ = UINT32_MAX;  // the chunk whose leaf sets leaves_ holds
  uint64_t leaves_[kBitvectorRowChunk];
};

}  // namespace polyscore::key_walk
