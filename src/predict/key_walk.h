// The walks by keys: splits compare 32-bit integer keys that sort like the values (see
// KeyRanks in walk_tables.h), so NaN, signed zeros and the float32/double question are
// settled once per row, not at every node. Two layouts of the trees:
//   heap:   Forest::heap, complete trees in heap order (shallow trees); with AVX-512,
//           a batch's top levels are walked 16 rows per instruction;
//   linked: Forest::linked, the trees as they are (deep trees); with AVX-512 a batch
//           walks each tree's first levels as the heap walk does, then steps on.
// Both take categorical splits (Forest::category_codes).
// The predictor uses the heap tables when usable, else the linked ones, else its own
// general walk. Two shapes of the same step: a batch walks many rows through one tree
// side by side (the tree stays in cache), a single row walks many trees side by side.
// Either way a numeric step is two loads, a compare and an add, with no branch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// Fills model.heap when the model qualifies: model.walk usable, categorical splits
// only with model.category_codes, one value per leaf, trees at most kMaxHeapDepth
// deep, padding costing at most a few times the model's own size. The environment variable POLYSCORE_NO_HEAP_WALK (set and
// not empty) turns it off, to compare with the general walks or test them. On a CPU
// with AVX-512 (F, BW, DQ, VL) batches walk the first kVectorLevels levels of each tree
// 16 rows at a time; POLYSCORE_NO_AVX512 turns that off.
constexpr int kVectorLevels = 5;
void build_heap_tables(PreparedModel& model);

// Rows of a block, as the walks read them: the values of the used features only
// (Forest::used_features; nu = num_used_features()). keys: 2 * nu * kBlockRows keys; the
// key of used feature f of row r is at keys[(f + copy * nu) * kBlockRows + r].
constexpr size_t kBlockRows = 64;

// Fills keys from n converted rows x (row-major, n x nu).
void block_keys(const PreparedModel& model, const double* x, size_t n, uint32_t* keys);
// One row (nu values): keys[f + copy * nu], 2 * nu keys.
void row_keys(const PreparedModel& model, const double* row, uint32_t* keys);

// Walks rows [0, n) of a block through trees [tree_begin, tree_end) and adds each tree's
// leaf value to margins[tree.output * kBlockRows + r], tree after tree, as the training
// library sums them (float for float32 models, double for double ones).
void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, float* margins);
void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, double* margins);

// Writes to slots[r] the leaf slot (index into heap.leaf / heap.value*) that row r < n of
// the block reaches in `tree`; slots has room for kBlockRows.
void block_slots(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree, uint32_t* slots);

// One row (row_keys) through trees [first, first + count): the leaf slot reached in each
// goes to slots[0, count).
void row_slots(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
               uint32_t* slots);

// Fills model.category_codes for models with categorical splits (the walks by keys
// take those only with it); call before build_heap_tables and build_linked_tables.
void build_category_codes(PreparedModel& model);

// Fills model.ranks for double models (KeyRanks); call before build_heap_tables and
// build_linked_tables.
void build_key_ranks(PreparedModel& model);

// ---- The linked walk over Forest::linked: the same steps over explicit children,
// taking each tree's depth in steps. Leaves come out as node indices (Forest::nodes).

// Fills model.linked when model.heap is not usable and the model's splits have NaN
// missing or read as zero (not zero_as_missing), one value per leaf, and no feature is
// used both as a number and as a category. POLYSCORE_NO_HEAP_WALK turns it off too.
void build_linked_tables(PreparedModel& model);

// As add_block, over the linked tables.
void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, float* margins);
void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, double* margins);
// Writes to leaves[r] the node (index into Forest::nodes) row r < n reaches in `tree`;
// room for kBlockRows.
void linked_block_leaves(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree,
                         uint32_t* leaves);
// One row (row_keys) through trees [first, first + count): the node reached in each.
void linked_row_leaves(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
                       uint32_t* leaves);

}  // namespace polyscore::key_walk
