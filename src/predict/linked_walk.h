// The linked walk: the heap walk's key comparisons over LinkedTables, the trees as they
// are (deep, leaf-wise trees), a leaf pointing at itself so walks take a fixed number of
// steps; with AVX-512 a batch walks each tree's first levels as the heap walk does, then
// steps on. Leaves come out as node indices (Forest::nodes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// As add_block, over the linked tables.
void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, float* margins);
void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, double* margins);
// Writes to leaves[r] the node (index into Forest::nodes) row r < n reaches in `tree`;
// room for kBlockRows.
void linked_block_leaves(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree,
                         uint32_t* leaves);
// One row (row_keys) through trees [first, first + count), count at most
// kTreeChainCall (tree_chains.h): the node reached in each. In chains: no step past a
// tree's leaf, and no branch on where a walk ends.
void linked_row_leaves(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
                       uint32_t* leaves);

}  // namespace polyscore::key_walk
