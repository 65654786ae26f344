// Builds the tables the walks by keys read (PreparedModel's category_codes, ranks, heap
// and linked), from the walk nodes; prepare_model calls these in this order.
#pragma once

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// Fills model.category_codes for models with categorical splits (the walks by keys
// take those only with it); call before build_heap_tables and build_linked_tables.
void build_category_codes(PreparedModel& model);
// As build_category_codes, without the environment's say, for the tables built at a
// model's first single row (PreparedModel::single_row_linked) or first batch
// (PreparedModel::batch_bitvector): the model passed it at
// load, and its rows' keys are made with the codes it got then.
void build_category_codes_for_rows(PreparedModel& model);

// Fills model.ranks for double models (KeyRanks); call before build_heap_tables and
// build_linked_tables.
void build_key_ranks(PreparedModel& model);

// Fills model.heap when the model qualifies: model.walk usable, categorical splits
// only with model.category_codes, one value per leaf, trees at most kMaxHeapDepth
// deep, padding costing at most a few times the model's own size. The environment
// variable POLYSCORE_NO_HEAP_WALK (set and not empty) turns it off, to compare with the
// general walks or test them. On a CPU with AVX-512 (F, BW, DQ, VL) batches walk the
// first kVectorLevels levels of each tree 16 rows at a time; POLYSCORE_NO_AVX512 turns
// that off.
void build_heap_tables(PreparedModel& model);
// The leaf of each of the heap tables' slots (an index into Forest::leaf_values and
// leaf ids), from the forest's nodes; read only by leaf output, so it is made when
// first needed (PreparedModel::heap_leaves).
std::vector<uint32_t> heap_leaf_slots(const PreparedModel& model);

// Fills model.linked when model.heap is not usable and the model's splits have NaN
// missing or read as zero (not zero_as_missing), one value per leaf, no feature is
// used both as a number and as a category, and every categorical split's key fits 32
// bits (LinkedNode). POLYSCORE_NO_HEAP_WALK turns it off too.
void build_linked_tables(PreparedModel& model);
// As build_linked_tables, for single rows only (PreparedModel::single_row_linked): without
// the top levels only batches walk, and without the checks, since the model passed
// them at load (a change to the environment since then changes nothing).
void build_linked_tables_for_rows(PreparedModel& model);

// How a walk by keys reads split w (a walk node of model): the key it compares with
// (go right when the row's key is greater) and where it reads the row's key (a
// categorical node: the all-ones key, see goes_right; the code from copy 0; its bitset
// is in CategoryCodes).
HeapNode split_of(const PreparedModel& model, const WalkNode& w);

}  // namespace polyscore::key_walk
