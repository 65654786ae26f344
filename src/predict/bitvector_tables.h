// The tables of the bitvector walk (QuickScorer, Lucchese et al., SIGIR 2015): each tree
// of at most 64 leaves as a list of its splits, each with the mask of the leaves a row
// can no longer reach when the split sends it right. Built at load by
// build_bitvector_tables (bitvector_tables.cc), walked by bitvector_walk.h.
#pragma once

#include <cstdint>
#include <vector>

namespace polyscore {

struct PreparedModel;

// A split of the bitvector walk. Leaves are numbered left to right within their tree,
// leaf i standing for bit 63 - i of the tree's 64-bit leaf set, so the exit leaf (the
// leftmost leaf no split ruled out) is the count of leading zeros.
struct BitvectorNode {
  uint64_t keep;    // the leaf set without the leaves of the split's left subtree
  uint32_t key;     // as LinkedNode::key: go right when key(x) > key
  uint32_t offset;  // as HeapNode::offset: where the walk reads key(x)
};
constexpr uint32_t kBitvectorLeaves = 64;

struct BitvectorTables {
  bool usable = false;
  bool avx512 = false;                 // batches take the AVX-512 (F, CD, BW, DQ, VL) code
  std::vector<BitvectorNode> nodes;    // the splits of every tree, tree after tree
  std::vector<uint32_t> node_begin;    // per tree and one past the last: its first split
  // Per tree, kBitvectorLeaves slots (tree * 64 + leaf number): what each leaf adds
  // (tree weight * value, in the model's sum type) and its index into Forest::leaf_ids.
  std::vector<double> value64;
  std::vector<float> value32;
  std::vector<uint32_t> leaf;
};

// Fills model.bitvector where the bitvector walk is chosen (the rule and its reason are
// in bitvector_tables.cc): the walks by keys exist (model.heap or model.linked), no
// categorical split, every tree at most 64 leaves.
void build_bitvector_tables(PreparedModel& model);

}  // namespace polyscore
