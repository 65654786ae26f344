// The predictor's own copies of a model's trees (built by prepare_model from a const
// Forest, src/predict/prepared_model.h): the branch-free walk nodes, the keys' ranks and
// category codes, and the heap and linked tables of the walks by keys. Loaders and
// src/model know nothing of these.
#pragma once

#include <cstdint>
#include <vector>

#include "model/forest.h"
#include "predict/mapped_allocator.h"

namespace polyscore {

// The predictor's own copy of the trees, built once after loading
// (prepare_model): 16-byte nodes whose step needs no branch. A leaf points at
// itself with threshold +inf, so a walk can take a fixed number of steps (the tree's
// depth) for several rows at once. For models whose NaN is either missing or read as
// zero at every split (not LightGBM's zero_as_missing); others keep the general walk
// over `nodes`.
struct WalkNode {
  union {
    double threshold;      // numeric split: go right when x > threshold
    CategorySet category;  // kWalkCategorical: as Node::category
  };
  uint32_t child;          // left child, index into WalkTables::nodes (right = child + 1); a leaf: itself
  uint32_t feature_flags;  // feature (its position in used_features) | kWalk* bits
};
enum WalkFlag : uint32_t {
  kWalkNanGoesRight = 1u << 31,  // NaN is missing and missing goes right (else NaN: left)
  kWalkNanAsZero = 1u << 30,     // NaN is read as 0.0 (LightGBM missing type None)
  kWalkCategorical = 1u << 29,   // a categorical split (Node's kCategorical)
  kWalkCatInSetGoesLeft = 1u << 28,
  kWalkFeatureMask = (1u << 28) - 1,
};
// A numeric split's NaN flags (kWalkNanGoesRight, kWalkNanAsZero) from its Node's: NaN
// missing goes right unless default left; NaN read as 0.0 otherwise. Only for splits
// whose NaN is missing or read as zero (build_walk_nodes keeps the others out).
inline uint32_t walk_nan_flags(uint32_t node_flags) {
  if (node_flags & kNanIsMissing) return (node_flags & kDefaultLeft) ? 0u : uint32_t(kWalkNanGoesRight);
  return kWalkNanAsZero;
}

// Which kinds of split a model's walk tables hold (the walk is compiled for each mix).
enum WalkKinds : unsigned {
  kWalkHasNanAsZero = 1,
  kWalkHasCategorical = 2,
};
struct WalkTables {
  bool usable = false;
  unsigned kinds = 0;  // WalkKinds bits
  // Mapped (mapped_allocator.h): a walk by keys releases them after building its tables.
  std::vector<WalkNode, MappedAllocator<WalkNode>> nodes;  // indexed like Forest::nodes
  std::vector<uint32_t, MappedAllocator<uint32_t>> leaf;   // per node: its leaf index if a leaf (a small array to end walks in)
  std::vector<uint32_t> depth;  // per tree: steps from the root to its deepest leaf
};

// Categorical splits in the walks by keys. A categorical feature's key is a code, not
// an order key: categories 0..codes-1 keep their number, `codes` stands for a value that
// is no category of any split (negative, too large, infinite), codes + 1 for NaN. Each
// categorical node has a bitset over the codes in right_words (bit c set when code c
// goes right); right_words[0] is a zero word, for numeric nodes to read.
struct CategoryCodes {
  bool any = false;       // the model has categorical splits
  bool lightgbm = false;  // LightGBM reads a category by truncation and takes (-1, 0) as 0; XGBoost refuses negatives
  uint32_t codes = 0;
  std::vector<uint8_t> categorical_feature;  // per used feature
  std::vector<uint32_t> right_words;
  // Per Forest node: its bitset's first word (0: numeric). Released after the walk's
  // tables are built, so mapped (mapped_allocator.h).
  std::vector<uint32_t, MappedAllocator<uint32_t>> word_of_node;
  // 32-bit words of one node's bitset: a bit for each code, `codes` and codes + 1.
  uint32_t bitset_words() const { return static_cast<uint32_t>((uint64_t(codes) + 2 + 31) / 32); }
  struct Ref {
    uint32_t word;       // first word of the node's bitset in right_words (numeric node: 0)
    uint32_t code_mask;  // all ones for a categorical node, 0 for a numeric one
  };
};

// Which vector instructions a part of the walks uses: none, AVX2 or AVX-512. Chosen at
// prepare by the CPU and the environment (key_tables.cc): the top levels of a batch's
// walk (8 rows per instruction with AVX2, avx2_walk.h; 16 with AVX-512, avx512_walk.h)
// and the counting of a double model's ranks (key_encoding.cc).
enum class Simd : uint8_t { kScalar, kAvx2, kAvx512 };

// How the walks by keys turn a value into a 32-bit key that sorts like it. A float32
// model's key is the float's bits, reordered (sign flipped, negatives inverted, -0.0 as
// +0.0). A double model's is its rank: the number of the feature's distinct thresholds
// below it, so "x > threshold j" is "rank(x) > j" and a node stays 8 bytes, not 16.
// NaN's key is 0 in one copy of a row's keys and 0xffffffff in the other: a float32
// model gives no value either key; a double model's ranks 0 (below every threshold) and
// m (above every one) go left and right at every split, as those two do.
struct KeyRanks {
  static constexpr uint32_t kBlock = 16;        // keys per block
  static constexpr uint32_t kFenceVector = 8;   // fences per vector
  bool used = false;    // a double model: keys are ranks
  Simd counting = Simd::kScalar;  // ranks counted with AVX2 or AVX-512, else a binary search
  struct Feature {
    // Its keys: the sorted distinct 64-bit order keys of its numeric thresholds, padded
    // with all-ones keys to whole blocks of kBlock (at least one all-ones key).
    uint32_t keys;   // index of the first in keys
    uint32_t count;  // how many, padding included
    // Its fences: the last key of each block (a key's block is the number of fences
    // below it), padded with all-ones keys to whole vectors of kFenceVector.
    uint32_t fences;  // index of the first in fences
  };
  std::vector<Feature> features;  // per used feature; those without thresholds share one all-ones block at 0
  std::vector<uint64_t> keys;
  std::vector<uint64_t> fences;
};

// A second copy of the trees for the fastest walk (built by prepare_model when
// every tree is shallow and has one value per leaf). Each tree is padded to
// a complete binary tree of depth D and stored in heap order: the children of node i
// are 2i+1 and 2i+2, so a walk computes where to go instead of loading a child index,
// and after exactly D steps it is at one of 2^D leaf slots. A leaf shallower than D
// fills all the slots below it, so padding nodes may send a row either way. D is the
// deepest tree of the tree's group of kHeapGroup trees (trees 0-15, 16-31, ...), so a
// single row can walk a group's trees side by side in lockstep.
//
// Splits compare 32-bit keys, not values: "x > threshold" is "key(x) > key(threshold)"
// (see KeyRanks for how values become keys). A walk reads a row's keys from one of two
// copies: in copy 0 NaN is the smallest key (goes left everywhere), in copy 1 the largest
// (goes right); each node names the copy that gives it its own NaN direction, so NaN
// costs the walk nothing.

struct HeapNode {
  uint32_t key;     // go right when key(x) > key
  uint32_t offset;  // (feature + copy * num_used_features()) * 64: where the walk reads key(x)
};
struct HeapTables {
  bool usable = false;
  Simd top_levels = Simd::kScalar;  // how batches walk the top levels
  std::vector<HeapNode> nodes;                    // per node, all trees
  std::vector<float> value32;                     // per leaf slot: tree weight * leaf value, as a float32 model sums it
  std::vector<double> value64;                    // the same, for a double model
  std::vector<uint32_t> node_begin;               // per tree: its first node
  std::vector<uint32_t> slot_begin;               // per tree: its first leaf slot
  std::vector<uint32_t> depth;                    // per tree: D
  std::vector<CategoryCodes::Ref> category;       // per node, when the model has categorical splits
  // The leaf of each slot (an index into Forest::leaf_values / leaf_ids) is read only by
  // leaf output: PreparedModel::heap_leaves() makes it at the first such call.
};
constexpr uint32_t kHeapGroup = 16;
// Deeper trees keep the other walks (a complete tree of depth 10 is 1,023 nodes).
constexpr uint32_t kMaxHeapDepth = 10;

// The same key comparisons over the trees as they are (explicit children), for models
// the heap layout does not take (deep or unbalanced trees, as LightGBM's leaf-wise
// growth makes). Indexed like Forest::nodes. A leaf points at itself with the
// largest key, so a walk can take a fixed number of steps (the tree's depth).
//
// A categorical split needs no field of its own, so that the nodes of a categorical
// model stay 12 bytes and nothing rides beside them: its offset carries the flag
// kLinkedCategorical (offsets are multiples of kBlockRows, so the bit is free; a single
// row's walk divides it away, a batch's masks it), and its key is
// linked_category_key_base plus its bitset's first word in CategoryCodes::right_words.
// That key is above every code a row can have (codes + 1 at most), so "key(x) > key"
// never holds there and the walk adds the comparison and the bitset's bit (a numeric
// split or a leaf reads the zero word) with no branch on the kind.
struct LinkedNode {
  uint32_t key;     // go right when key(x) > key; a categorical split: see above
  uint32_t offset;  // as HeapNode::offset (leaf: 0), | kLinkedCategorical at a categorical split
  uint32_t child;   // left child, index into the nodes (right = child + 1); a leaf: itself
};
constexpr uint32_t kLinkedCategorical = 1;
// A categorical split's LinkedNode::key less its bitset's first word: codes + 1, the
// largest code (NaN's). 64-bit: the tables are built only where every key fits 32 bits.
inline uint64_t linked_category_key_base(const CategoryCodes& codes) { return uint64_t(codes.codes) + 1; }
struct LinkedTables {
  bool usable = false;
  // The forest's nodes, then two whose steps go to each other whatever the row: a single
  // row's chains (tree_chains.h) wait there, at `sink`, once they have no tree left.
  std::vector<LinkedNode> nodes;
  uint32_t sink = 0;
  std::vector<float> value32;                // per node (leaves): tree weight * leaf value, as a float32 model sums it
  std::vector<double> value64;               // the same, for a double model

  // With AVX2 or AVX-512, batches walk each tree's first kLinkedTopLevels levels as the
  // heap walk does: per tree, those levels as a small complete tree in heap order
  // (2^kLinkedTopLevels - 1 nodes, padded) and, for each of the 2^kLinkedTopLevels
  // positions below it, the node (index into nodes) a row there has reached.
  Simd top_levels = Simd::kScalar;
  std::vector<HeapNode> top;
  std::vector<CategoryCodes::Ref> top_category;  // when the model has categorical splits
  std::vector<uint32_t> top_exit;
};
constexpr uint32_t kLinkedTopLevels = 4;


// The leaf slots of the bitvector and tree block tables (bitvector_tables.h,
// tree_block_tables.h): value64 (a double model's) or value32 (a float32 model's), and
// leaf. n slots, all zero.
template <typename Tables>
void assign_leaf_slots(Tables& tables, size_t n, bool float32) {
  if (float32) tables.value32.assign(n, 0.0f);
  else tables.value64.assign(n, 0.0);
  tables.leaf.assign(n, 0);
}

// Slot `slot` of those tables for `leaf`, a leaf of `tree`: what it adds (the tree's
// weight times its value, in the model's sum type) and its index into Forest::leaf_ids.
template <typename Tables>
void set_leaf_slot(Tables& tables, size_t slot, const Forest& forest, const Tree& tree, const Node& leaf) {
  const double value = tree.weight * forest.leaf_values[leaf.child_or_leaf];
  if (!tables.value64.empty()) tables.value64[slot] = value;
  if (!tables.value32.empty()) tables.value32[slot] = static_cast<float>(value);
  tables.leaf[slot] = leaf.child_or_leaf;
}

}  // namespace polyscore
