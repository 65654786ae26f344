// The tables of the bitvector walk (QuickScorer, Lucchese et al., SIGIR 2015): each tree
// of at most 64 leaves as a list of its splits, each with the mask of the leaves a row
// can no longer reach when the split sends it right. Built at load by
// build_bitvector_tables (bitvector_tables.cc; a categorical model's at its first single
// row where only single rows take them, any model's at its first batch where only batches
// do), walked by bitvector_walk.h.
#pragma once

#include <cstdint>
#include <vector>

#include "predict/mapped_allocator.h"
#include "predict/row_block_tables.h"  // LineAlignedAllocator

namespace polyscore {

struct PreparedModel;

// A categorical split of a tree (BitvectorTables::categorical, one by one): the
// row goes right when its code's bit is set in the split's bitset.
struct BitvectorCategorySplit {
  uint64_t keep;  // as BitvectorTables::keep
  uint32_t word;  // the bitset's first word in CategoryCodes::right_words
  uint32_t at;    // where a single row's code is (offset / 64, as at16)
};

// Leaves are numbered left to right within their tree, leaf i standing for bit 63 - i
// of the tree's 64-bit leaf set, so the exit leaf (the leftmost leaf no split ruled
// out) is the count of leading zeros.
constexpr uint32_t kBitvectorLeaves = 64;
// Each tree's splits are padded to a multiple of this (a single row tests a tree's
// splits 16 or 32 per AVX-512 compare). A padding split never sends a row right.
constexpr uint32_t kBitvectorSplitGroup = 32;
// Single rows take the walk up to this many used features (their 2 * 64 keys fill 8
// AVX-512 registers).
constexpr uint32_t kBitvectorRowFeatures = 64;

struct BitvectorTables {
  bool usable = false;  // batches take it
  bool avx512 = false;  // take the AVX-512 (F, CD, BW, DQ, VL) code
  bool avx2 = false;    // else batches take the AVX2 code (else the portable code)
  // The splits of every tree, tree after tree, one array per field:
  std::vector<uint64_t, LineAlignedAllocator<uint64_t>> keep;    // the leaf set without the leaves of the split's left subtree
  // Mapped (mapped_allocator.h): a categorical model's single rows read key16 and at16
  // only, and these two are released.
  std::vector<uint32_t, MappedAllocator<uint32_t>> key;     // as LinkedNode::key: go right when key(x) > key
  std::vector<uint32_t, MappedAllocator<uint32_t>> offset;  // as HeapNode::offset: where the walk reads key(x)
  std::vector<uint32_t> split_begin;  // per tree and one past the last: its first split
  std::vector<uint32_t> splits;       // per tree: its splits without the padding
  // Per tree, kBitvectorLeaves slots (tree * 64 + leaf number): what each leaf adds
  // (tree weight * value, in the model's sum type) and its index into Forest::leaf_ids.
  std::vector<double> value64;
  std::vector<float> value32;
  std::vector<uint32_t> leaf;

  // Whether single rows take it: with AVX-512, when the row's keys fit 8 registers
  // (bitvector_walk.cc). Set only on complete tables.
  bool rows = false;
  bool walks_rows() const { return rows; }
  // A model with categorical splits: single rows with AVX-512 only; batches where
  // category_vector and batches16 (AVX-512), or category_vector with AVX2 (else usable is
  // false, and batches keep their walk).
  // The lists above hold its numeric splits; its categorical ones, tree after tree, are
  // tested one by one (a bitset per split does not fit the compares of the keys):
  bool categorical = false;
  std::vector<BitvectorCategorySplit, MappedAllocator<BitvectorCategorySplit>> category_splits;
  std::vector<uint32_t> category_begin;  // per tree and one past the last: its first categorical split
  // With 16-bit row keys (AVX-512; with AVX2, where they would be) and every code below
  // 126 (a bitset of at most 128 bits), a single row's are tested 8 per step instead, a
  // batch's one by one for 32 rows per step (AVX2: 8) (category_splits is then empty;
  // category_begin indexes these), each tree's padded to a multiple of 8 (padding: an
  // empty set, never right, keeping every leaf):
  bool category_vector = false;
  std::vector<uint64_t, LineAlignedAllocator<uint64_t>> category_low, category_high;  // per split: bits 0-63, 64-127 of its set
  std::vector<uint64_t, LineAlignedAllocator<uint64_t>> category_keep;                // as keep
  std::vector<uint64_t, LineAlignedAllocator<uint64_t>> category_at;                  // where the row's code is (as at16), in a 64-bit lane
  // When every split's key fits 16 bits (a double model's ranks, below 0xffff), single
  // rows compare 16-bit keys, 32 splits per instruction, picked by half the permutes:
  bool rows16 = false;
  std::vector<uint16_t, LineAlignedAllocator<uint16_t>> key16;  // per split: key (padding: 0xffff, never below a row's key)
  std::vector<uint16_t, LineAlignedAllocator<uint16_t>> at16;   // per split: where a single row's key is (offset / 64)
  // When every split's key fits 16 bits (as for rows16, at any number of used features),
  // batches with AVX-512 compare the block's keys narrowed to 16 bits, 32 rows per compare.
  bool batches16 = false;
};

// Fills model.bitvector where the bitvector walk is chosen (the rule and its reason are
// in bitvector_tables.cc): the walks by keys exist (model.heap or model.linked), every
// tree at most 64 leaves; with categorical splits, for single rows with AVX-512 only,
// and then, unless tables_now or the model's batches take them too, it only sets
// model.bitvector_at_first_row: the tables wait for the model's first single row
// (PreparedModel::single_row_bitvector); with AVX2, for batches only, where they fit.
// Without AVX-512 (batches only), unless tables_now, it only sets
// model.bitvector_at_first_batch: the tables wait for the model's first batch
// (PreparedModel::batch_bitvector).
void build_bitvector_tables(PreparedModel& model, bool tables_now);

// The single-row tables of a categorical model that build_bitvector_tables left to the
// first single row, built from model's walk nodes and category codes (a scratch model's:
// prepare_model released the model's own).
BitvectorTables build_categorical_row_tables(const PreparedModel& model);

// The batch tables (AVX2 where avx2, else the portable code's) that build_bitvector_tables
// left to the first batch, built from model's walk nodes and category codes (a scratch
// model's, as for build_categorical_row_tables).
BitvectorTables build_batch_bitvector_tables(const PreparedModel& model, bool avx2);

}  // namespace polyscore
