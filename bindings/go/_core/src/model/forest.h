// The one in-memory model every loader builds and the predictor scores.
//
// Trees live in flat arrays: all nodes of all trees in one vector, each tree's nodes
// contiguous with the root first and the two children of a split side by side
// (right child = left child + 1), so a walk touches one array and no pointers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/feature_names.h"

namespace polyscore {

enum class ModelFormat : int32_t {
  kXGBoostJson = 1,
  kXGBoostUbjson = 2,
  kLightGBMText = 3,
};

// How margins become the values the training library's predict() returns.
enum class Transform : int32_t {
  kIdentity,      // regression, ranking, logitraw
  kSigmoid,       // 1 / (1 + exp(-sigmoid_scale * x)), per output
  kExp,           // poisson, gamma, tweedie, cox, aft
  kSoftmax,       // multi:softprob, LightGBM multiclass
  kArgmax,        // multi:softmax: one output per row, the class index
  kHinge,         // binary:hinge: 1 if x > 0 else 0
  kSignedSquare,  // LightGBM regression with reg_sqrt: sign(x) * x * x
  kLog1pExp,      // LightGBM cross_entropy_lambda: log(1 + exp(x))
};

// Node flags. A split sends a row left when its (converted) feature value x satisfies
// x <= threshold; the missing-value flags below are applied first, in this order.
enum NodeFlag : uint8_t {
  kLeaf = 1 << 0,
  kDefaultLeft = 1 << 1,   // a missing value goes left (else right)
  kNanIsMissing = 1 << 2,  // NaN takes the default direction
  kNanAsZero = 1 << 3,     // NaN is replaced by 0.0 before the test (LightGBM)
  kZeroIsMissing = 1 << 4, // |x| <= (double)1e-35f takes the default direction (LightGBM)
  kCategorical = 1 << 5,   // x is a category: test membership in a bitset
  kCatInSetGoesLeft = 1 << 6, // in-set categories go left (LightGBM); else right (XGBoost)
};

// Categorical splits: the category c = (int)x (truncation) is "in set" when bit c of the
// node's bitset is set. A negative category, or one past the bitset's end, is not in set.
struct CategorySet {
  uint32_t word_begin;  // first 32-bit word in Forest::category_words
  uint32_t num_words;
};

struct Node {
  union {
    double threshold;      // numeric split
    CategorySet category;  // categorical split (kCategorical)
  };
  // Split: feature index. Leaf: unused (0).
  uint32_t feature;
  // Split: index (within the tree) of the left child; the right child is left + 1.
  // Leaf: index into Forest::leaf_values (in units of leaf_size) and Forest::leaf_ids.
  uint32_t child_or_leaf;
  uint8_t flags;
};

struct Tree {
  uint32_t node_begin;  // index of the root in Forest::nodes
  uint32_t num_nodes;
  // Output (class / target) this tree adds to; with leaf_size > 1 the tree's leaves
  // add to outputs [output, output + leaf_size).
  uint32_t output;
  double weight = 1.0;  // DART tree weight (XGBoost); 1 elsewhere
};

// XGBoost gblinear: margin[g] = bias[g] + sum over present features f of x_f * weight[f * num_outputs + g].
struct LinearModel {
  std::vector<double> weights;  // num_features x num_margin_outputs, row-major
  std::vector<double> bias;     // num_margin_outputs
};

// Arithmetic of the library that wrote the model, reproduced so results match it.
struct Arithmetic {
  // XGBoost reads features as float32, sums leaf values and applies the link function
  // in float32; LightGBM uses double throughout, and reads a dense value with
  // |x| <= (double)1e-35f as 0.0.
  bool float32 = false;
};

// The predictor's own copy of the trees, built once after loading
// (prepare_for_prediction): 16-byte nodes whose step needs no branch. A leaf points at
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
// Which kinds of split a model's walk tables hold (the walk is compiled for each mix).
enum WalkKinds : unsigned {
  kWalkHasNanAsZero = 1,
  kWalkHasCategorical = 2,
};
struct WalkTables {
  bool usable = false;
  unsigned kinds = 0;  // WalkKinds bits
  std::vector<WalkNode> nodes;  // indexed like Forest::nodes
  std::vector<uint32_t> leaf;   // per node: its leaf index if a leaf (a small array to end walks in)
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
  std::vector<uint32_t> word_of_node;        // per Forest node: its bitset's first word (0: numeric)
  // 32-bit words of one node's bitset: a bit for each code, `codes` and codes + 1.
  uint32_t bitset_words() const { return static_cast<uint32_t>((uint64_t(codes) + 2 + 31) / 32); }
  struct Ref {
    uint32_t word;       // first word of the node's bitset in right_words (numeric node: 0)
    uint32_t code_mask;  // all ones for a categorical node, 0 for a numeric one
  };
};

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
  bool vector = false;  // ranks are counted with AVX-512
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

// A second copy of the trees for the fastest walk (built by prepare_for_prediction when
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
  bool vector_top_levels = false;                 // batches walk the top levels with AVX-512
  std::vector<HeapNode> nodes;                    // per node, all trees
  std::vector<uint32_t> leaf;                     // per leaf slot: index into Forest::leaf_values / leaf_ids
  std::vector<float> value32;                     // per leaf slot: tree weight * leaf value, as a float32 model sums it
  std::vector<double> value64;                    // the same, for a double model
  std::vector<uint32_t> node_begin;               // per tree: its first node
  std::vector<uint32_t> slot_begin;               // per tree: its first leaf slot
  std::vector<uint32_t> depth;                    // per tree: D
  std::vector<CategoryCodes::Ref> category;       // per node, when the model has categorical splits
};
constexpr uint32_t kHeapGroup = 16;
// Deeper trees keep the other walks (a complete tree of depth 10 is 1,023 nodes).
constexpr uint32_t kMaxHeapDepth = 10;

// The same key comparisons over the trees as they are (explicit children), for models
// the heap layout does not take (deep or unbalanced trees, as LightGBM's leaf-wise
// growth makes). Indexed like Forest::nodes. A leaf points at itself with the
// largest key, so a walk can take a fixed number of steps (the tree's depth).
struct LinkedNode {
  uint32_t key;     // go right when key(x) > key
  uint32_t offset;  // as HeapNode::offset (leaf: 0)
  uint32_t child;   // left child, index into the nodes (right = child + 1); a leaf: itself
};
struct LinkedTables {
  bool usable = false;
  std::vector<LinkedNode> nodes;
  std::vector<float> value32;                // per node (leaves): tree weight * leaf value, as a float32 model sums it
  std::vector<double> value64;               // the same, for a double model
  std::vector<CategoryCodes::Ref> category;  // per node, when the model has categorical splits

  // With AVX-512, batches walk each tree's first kLinkedTopLevels levels as the heap
  // walk does: per tree, those levels as a small complete tree in heap order
  // (2^kLinkedTopLevels - 1 nodes, padded) and, for each of the 2^kLinkedTopLevels
  // positions below it, the node (index into nodes) a row there has reached.
  bool vector_top_levels = false;
  std::vector<HeapNode> top;
  std::vector<CategoryCodes::Ref> top_category;  // when the model has categorical splits
  std::vector<uint32_t> top_exit;
};
constexpr uint32_t kLinkedTopLevels = 4;

struct Forest {
  ModelFormat format = ModelFormat::kXGBoostJson;
  std::string objective;        // as the training library names it, e.g. "binary:logistic"
  std::string booster;          // "gbtree", "dart", "gblinear", "gbdt", "rf", ...
  std::string library_version;  // as recorded in the file, may be empty
  uint32_t num_features = 0;
  uint32_t num_margin_outputs = 1;  // margins per row (classes or targets)
  FeatureNames feature_names;  // empty when the file has none

  Transform transform = Transform::kIdentity;
  double sigmoid_scale = 1.0;  // LightGBM binary "sigmoid:" parameter
  Arithmetic arithmetic;

  // Added to every margin before trees: one per margin output (XGBoost base_score,
  // already turned into a margin by the objective's link function).
  std::vector<double> base_margin;

  std::vector<Node> nodes;
  std::vector<Tree> trees;
  uint32_t leaf_size = 1;           // values per leaf (>1 for XGBoost multi-target trees)
  std::vector<double> leaf_values;  // leaf_size values per leaf
  std::vector<int32_t> leaf_ids;    // the library's own id of each leaf (pred_leaf output)
  std::vector<uint32_t> category_words;
  // Per node (indexed like nodes): how much training data reached it, as the library
  // records it (XGBoost sum_hessian, LightGBM internal_count / leaf_count). TreeSHAP
  // weighs the paths a row does not take by these. Empty when the file has none.
  std::vector<double> node_covers;

  // Trees of boosting round i are trees [iteration_begin[i], iteration_begin[i+1]).
  std::vector<uint32_t> iteration_begin;  // num_iterations + 1 entries

  // LightGBM random forest: predict() divides the summed margin by the rounds used
  // (raw_score, the margin output, stays the sum).
  bool average_output = false;

  bool has_linear = false;  // gblinear: no trees, a linear model instead
  LinearModel linear;

  // The features the model's splits test, ascending; empty when that is every feature.
  // The walks read a row as these features' values only (feature used_features[j] at
  // position j), so wide sparse input costs what the trees use, not what the model
  // declares. Filled by prepare_for_prediction, as is everything below.
  std::vector<uint32_t> used_features;
  std::vector<Node> used_nodes;  // `nodes` with features as positions in used_features (when not empty)
  WalkTables walk;  // filled by prepare_for_prediction, not by loaders
  CategoryCodes category_codes;  // likewise, for the walks by keys
  KeyRanks ranks;                // likewise, for double models' walks by keys
  HeapTables heap;               // likewise
  LinkedTables linked;           // likewise, when heap is not usable

  uint32_t num_iterations() const {
    return iteration_begin.empty() ? 0 : static_cast<uint32_t>(iteration_begin.size() - 1);
  }
  // Values per row the walks read: used_features.size(), or num_features when empty.
  uint32_t num_used_features() const {
    return used_features.empty() ? num_features : static_cast<uint32_t>(used_features.size());
  }
  // The nodes the general walk reads, features numbered as num_used_features() counts them.
  const Node* walk_nodes() const { return used_features.empty() ? nodes.data() : used_nodes.data(); }
  // Values per row that predict() returns: 1 for multi:softmax, else num_margin_outputs.
  uint32_t num_value_outputs() const {
    return transform == Transform::kArgmax ? 1 : num_margin_outputs;
  }
};

// Checks the invariants the predictor relies on (child indices inside their tree, leaf
// indices inside leaf_values, features < num_features, category sets inside
// category_words, outputs < num_margin_outputs, iteration_begin ascending and covering
// all trees). Throws Error(PS_ERR_PARSE) naming the first broken one. load_model calls it
// after every loader, so a corrupt file can never make the predictor read out of bounds.
void validate(const Forest& forest);

}  // namespace polyscore
