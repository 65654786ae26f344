#include <string>

#include "model/error.h"
#include "model/forest.h"

namespace polyscore {
namespace {

// Bounds that keep the predictor's per-call scratch (a block of rows, the margins of a
// row) reasonable; a file claiming more is corrupt or not something we score.
constexpr uint32_t kMaxFeatures = 1u << 24;
constexpr uint32_t kMaxMarginOutputs = 1u << 16;

[[noreturn]] void broken(const std::string& what) { fail_parse("invalid model: " + what); }

void validate_tree(const Forest& forest, size_t t) {
  const Tree& tree = forest.trees[t];
  // Messages are built only on failure: this runs for every node of every model.
  auto where = [t] { return "tree " + std::to_string(t); };
  if (tree.num_nodes == 0) broken(where() + " has no nodes");
  if (size_t(tree.node_begin) + tree.num_nodes > forest.nodes.size()) {
    broken(where() + " reaches past the node array");
  }
  if (size_t(tree.output) + forest.leaf_size > forest.num_margin_outputs) {
    broken(where() + " adds to output " + std::to_string(tree.output) + " of " +
           std::to_string(forest.num_margin_outputs));
  }
  const size_t num_leaves = forest.num_leaves();
  for (uint32_t i = 0; i < tree.num_nodes; ++i) {
    const Node& node = forest.nodes[tree.node_begin + i];
    auto at = [&] { return where() + " node " + std::to_string(i); };
    if (node.flags & kLeaf) {
      if (node.child_or_leaf >= num_leaves) broken(at() + " names a leaf that does not exist");
      if (forest.leaf_ids.empty() && node.child_or_leaf < tree.leaf_begin) {
        broken(at() + " names a leaf before its tree's first leaf");
      }
      continue;
    }
    // Children after their parent: every walk moves forward and so ends.
    if (node.child_or_leaf <= i || size_t(node.child_or_leaf) + 1 >= tree.num_nodes) {
      broken(at() + " has child index " + std::to_string(node.child_or_leaf) + " out of range");
    }
    if (node.feature >= forest.num_features) {
      broken(at() + " splits on feature " + std::to_string(node.feature) + " but the model has " +
             std::to_string(forest.num_features));
    }
    if (node.flags & kCategorical) {
      const CategorySet& c = node.category;
      if (size_t(c.word_begin) + c.num_words > forest.category_words.size()) {
        broken(at() + " has a category set outside the category table");
      }
    }
  }
}

void validate_linear_leaves(const Forest& forest) {
  const LinearLeaves& linear = forest.linear_leaves;
  const size_t num_leaves = forest.num_leaves();
  if (linear.constant.size() != num_leaves || linear.term_begin.size() != num_leaves + 1) {
    broken("linear leaf table does not match the leaf count");
  }
  if (linear.coeff.size() != linear.feature.size() || linear.term_begin.front() != 0 ||
      linear.term_begin.back() != linear.feature.size()) {
    broken("linear leaf terms do not match their coefficients");
  }
  for (size_t l = 0; l < num_leaves; ++l) {
    if (linear.term_begin[l + 1] < linear.term_begin[l]) {
      broken("linear leaf " + std::to_string(l) + " ends before it begins");
    }
  }
  for (size_t k = 0; k < linear.feature.size(); ++k) {
    if (linear.feature[k] >= forest.num_features) {
      broken("a linear leaf term reads feature " + std::to_string(linear.feature[k]) +
             " but the model has " + std::to_string(forest.num_features));
    }
  }
}

}  // namespace

void validate(const Forest& forest) {
  if (forest.num_features == 0 || forest.num_features > kMaxFeatures) {
    broken("feature count " + std::to_string(forest.num_features) + " is out of range");
  }
  if (forest.num_margin_outputs == 0 || forest.num_margin_outputs > kMaxMarginOutputs) {
    broken("output count " + std::to_string(forest.num_margin_outputs) + " is out of range");
  }
  if (!forest.base_margin.empty() && forest.base_margin.size() != forest.num_margin_outputs) {
    broken("base_score has " + std::to_string(forest.base_margin.size()) + " values for " +
           std::to_string(forest.num_margin_outputs) + " outputs");
  }
  if (!forest.feature_names.empty() && forest.feature_names.size() != forest.num_features) {
    broken("feature_names has " + std::to_string(forest.feature_names.size()) + " names for " +
           std::to_string(forest.num_features) + " features");
  }
  if (forest.leaf_size == 0 || forest.leaf_values.size() % forest.leaf_size != 0 ||
      (!forest.leaf_ids.empty() && forest.leaf_values.size() != forest.leaf_ids.size() * forest.leaf_size)) {
    broken("leaf value table does not match the leaf count");
  }
  if (forest.has_linear) {
    const size_t groups = forest.num_margin_outputs;
    if (forest.linear.bias.size() != groups ||
        forest.linear.weights.size() != size_t(forest.num_features) * groups) {
      broken("linear model weights do not match features x outputs");
    }
    return;
  }
  for (size_t t = 0; t < forest.trees.size(); ++t) validate_tree(forest, t);
  if (!forest.linear_leaves.empty()) validate_linear_leaves(forest);
  const auto& it = forest.iteration_begin;
  if (it.empty() || it.front() != 0 || it.back() != forest.trees.size()) {
    broken("boosting rounds do not cover the trees");
  }
  for (size_t i = 1; i < it.size(); ++i) {
    if (it[i] < it[i - 1]) broken("boosting round " + std::to_string(i) + " starts before the one before");
  }
}

}  // namespace polyscore
