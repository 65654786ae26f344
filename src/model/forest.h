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
#include "model/training_categories.h"

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
  // XGBoost reg:expectileerror (3.3+): the expectiles of a row cannot cross because
  // value[0] = x[0] and value[k] = value[k-1] + 1e-6 + softplus(x[k]) (one output: x).
  kExpectileSteps,
};

// The least gap XGBoost keeps between a row's expectiles (its kRtEps): kExpectileSteps
// adds it, and the loader's inverse (base_score to margins) takes it off.
constexpr float kExpectileGap = 1e-6f;

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

// 16 bytes, aligned, not packed. A packed 17-byte Node put its fields at unaligned
// addresses, and every `const T&` taken of one (std::vector::push_back, std::max) was
// undefined behaviour that UBSan reported. Here the flags share a 32-bit word with the
// feature index instead (bit-fields: a `const T&` to one binds a copy, a plain reference
// does not compile), which bounds a split's feature index by kMaxSplitFeature: above
// every index validate() accepts (at most 2^24 features), and the loaders check it before
// they store one, so nothing is ever truncated. 24 bytes before: a third of a LightGBM
// model's resident memory went to the padding after `flags`.
constexpr uint32_t kNodeFeatureBits = 25;
constexpr uint32_t kMaxSplitFeature = (1u << kNodeFeatureBits) - 1;  // 33,554,431

struct Node {
  union {
    double threshold;      // numeric split
    CategorySet category;  // categorical split (kCategorical)
  };
  // Split: feature index, at most kMaxSplitFeature. Leaf: unused (0).
  uint32_t feature : kNodeFeatureBits;
  uint32_t flags : 7;  // NodeFlag bits
  // Split: index (within the tree) of the left child; the right child is left + 1.
  // Leaf: index into Forest::leaf_values (in units of leaf_size) and Forest::leaf_ids.
  uint32_t child_or_leaf;
};
static_assert(sizeof(Node) == 16, "Forest::Node is 16 bytes: see above");

struct Tree {
  uint32_t node_begin;  // index of the root in Forest::nodes
  uint32_t num_nodes;
  // Output (class / target) this tree adds to; with leaf_size > 1 the tree's leaves
  // add to outputs [output, output + leaf_size).
  uint32_t output;
  // With Forest::leaf_ids empty (LightGBM), the tree's first leaf in Forest::leaf_values:
  // the library's id of leaf L of the tree is L - leaf_begin. (It fills what was padding.)
  uint32_t leaf_begin = 0;
  double weight = 1.0;  // DART tree weight (XGBoost); 1 elsewhere
};

// XGBoost gblinear: margin[g] = bias[g] + sum over present features f of x_f * weight[f * num_outputs + g].
struct LinearModel {
  std::vector<double> weights;  // num_features x num_margin_outputs, row-major
  std::vector<double> bias;     // num_margin_outputs
};

// LightGBM linear trees (linear_tree=true): leaf l outputs
//   constant[l] + sum over k in [term_begin[l], term_begin[l+1]) of coeff[k] * x[feature[k]],
// summed in double in that order, or its plain leaf value (Forest::leaf_values) when any
// of those features is NaN (LightGBM's Tree::Predict). Indexed like Forest::leaf_ids;
// empty for every other model, which so pays nothing. A leaf of a tree that is not
// linear has constant = its leaf value and no terms.
struct LinearLeaves {
  std::vector<double> constant;     // one per leaf
  std::vector<uint32_t> term_begin; // one per leaf, plus the end
  std::vector<uint32_t> feature;    // one per term
  std::vector<double> coeff;        // one per term
  bool empty() const { return term_begin.empty(); }  // (a model with 0 leaves has the end entry)
};

// Arithmetic of the library that wrote the model, reproduced so results match it.
struct Arithmetic {
  // XGBoost reads features as float32, sums leaf values and applies the link function
  // in float32; LightGBM uses double throughout, and reads a dense value with
  // |x| <= (double)1e-35f as 0.0.
  bool float32 = false;
};

struct Forest {
  ModelFormat format = ModelFormat::kXGBoostJson;
  std::string objective;        // as the training library names it, e.g. "binary:logistic"
  std::string booster;          // "gbtree", "dart", "gblinear", "gbdt", "rf", ...
  std::string library_version;  // as recorded in the file, may be empty
  uint32_t num_features = 0;
  uint32_t num_margin_outputs = 1;  // margins per row (classes or targets)
  FeatureNames feature_names;  // empty when the file has none
  // The categories of the training data's categorical columns, when the file saved them
  // (XGBoost 3.1+ "cats", LightGBM's "pandas_categorical:" line); empty otherwise. Read
  // by callers (the C ABI) only: scoring takes category codes.
  TrainingCategories training_categories;

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
  // The library's own id of each leaf (pred_leaf output), or empty when every tree numbers
  // its leaves 0, 1, ... in leaf_values order (LightGBM: then Tree::leaf_begin gives them,
  // and a loaded model does not keep 4 bytes per leaf for it). Read them with leaf_id().
  std::vector<int32_t> leaf_ids;
  std::vector<uint32_t> category_words;
  // Per node (indexed like nodes): how much training data reached it, as the library
  // records it (XGBoost sum_hessian, LightGBM internal_count / leaf_count). TreeSHAP
  // weighs the paths a row does not take by these. Empty when the file has none.
  // load_model moves them to node_covers32 when every one is a float exactly (XGBoost's
  // are floats, LightGBM's counts are below 2^24 but for huge data): half the bytes.
  std::vector<double> node_covers;
  std::vector<float> node_covers32;

  // Trees of boosting round i are trees [iteration_begin[i], iteration_begin[i+1]).
  std::vector<uint32_t> iteration_begin;  // num_iterations + 1 entries

  // LightGBM random forest: predict() divides the summed margin by the rounds used
  // (raw_score, the margin output, stays the sum).
  bool average_output = false;

  bool has_linear = false;  // gblinear: no trees, a linear model instead
  LinearModel linear;
  LinearLeaves linear_leaves;  // LightGBM linear trees; empty otherwise


  size_t num_leaves() const { return leaf_values.size() / leaf_size; }
  // The library's own id of leaf `leaf` (an index into leaf_values / leaf_size) of tree `tree`.
  int32_t leaf_id(uint32_t tree, uint32_t leaf) const {
    return leaf_ids.empty() ? static_cast<int32_t>(leaf - trees[tree].leaf_begin) : leaf_ids[leaf];
  }
  bool has_node_covers() const {
    return node_covers.size() == nodes.size() || node_covers32.size() == nodes.size();
  }
  double node_cover(size_t node) const {
    return node_covers32.empty() ? node_covers[node] : static_cast<double>(node_covers32[node]);
  }
  uint32_t num_iterations() const {
    return iteration_begin.empty() ? 0 : static_cast<uint32_t>(iteration_begin.size() - 1);
  }
  // Values per row that predict() returns: 1 for multi:softmax, else num_margin_outputs.
  uint32_t num_value_outputs() const {
    return transform == Transform::kArgmax ? 1 : num_margin_outputs;
  }
};

// Checks the invariants the predictor relies on (child indices inside their tree, leaf
// indices inside leaf_values, features < num_features, category sets inside
// category_words, outputs < num_margin_outputs, iteration_begin ascending and covering
// all trees, linear leaf terms inside their tables and on features < num_features). Throws Error(PS_ERR_PARSE) naming the first broken one. load_model calls it
// after every loader, so a corrupt file can never make the predictor read out of bounds.
void validate(const Forest& forest);

}  // namespace polyscore
