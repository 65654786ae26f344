// TreeSHAP of a group of rows with the path shared by rows that take the same sides
// ("grouped walk"), bit for bit the libraries' values (docs/explain.md, "Grouped walk").
//
// In the TreeSHAP recursion, what a row changes is only which child of each split is hot;
// the path state reaching a node depends on the row only through the hot sides of the
// splits above it (and not even those once a feature's one fraction is 0). Rows that
// agree there share one path state: the walk keeps, at every node, one state per
// distinct pattern present in the group, computes each leaf's terms once per state with
// the libraries' operations, and then adds them into each row in that row's own order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "explain/tree_shap.h"

namespace polyscore {

// False when POLYSCORE_CONTRIB_LANES is set: batches then take the walk in lanes of
// 8 rows (tree_shap.cc), kept to check the two against each other and the vectors.
bool grouped_walk_enabled();

// Rows per group for a batch: enough for rows to share states, few enough that every
// thread gets a group and the per-row sums stay in cache, and that a tree's terms for
// every row (at most rows x tables.max_tree_terms) have 32-bit places.
size_t grouped_walk_rows(const Forest& forest, const ContribTables& tables, size_t n_rows, unsigned num_threads);

template <typename F>
class GroupedWalk {
 public:
  GroupedWalk(const Forest& forest, const ContribTables& tables, size_t max_rows);
  // Bytes the walk allocates that grow with the trees (shap_scratch.h): its levels'
  // paths (the deepest tree's depth squared, times max_rows) and the largest tree's terms.
  static double scratch_bytes(const Forest& forest, const ContribTables& tables, size_t max_rows);
  // rows: n (<= max_rows) rows of num_features converted values (feature_value.h);
  // offsets: n x num_margin_outputs or nullptr; out: n x contrib_values_per_row values.
  void explain(uint32_t tree_begin, uint32_t tree_end, const double* rows, size_t n, const double* offsets,
               double* out);

 private:
  // The path of every state at one depth of the tree, states innermost (SoA), so the
  // per-state loops run in vector lanes. Element i of state s: index i * cap + s.
  struct Level {
    std::vector<int64_t> feature;   // per element
    std::vector<F> zero_fraction;   // per element
    std::vector<F> one_fraction;    // per element and state
    std::vector<F> pweight;         // per element and state
    std::vector<uint32_t> begin, end;  // per state: its rows, order[begin, end)
    std::vector<uint32_t> split;       // per state: order[begin, split) go left here
    std::vector<F> incoming_one;       // per state: the one fraction unwound here (or 1)
    uint32_t num_states = 0;
  };

  void explain_tree(uint32_t tree, size_t n);
  void visit(uint32_t node_index, uint32_t depth, uint32_t length);
  void make_child(const Level& parent, Level& child, uint32_t length, F zero_fraction, int64_t feature,
                  bool left);
  void extend(Level& level, uint32_t length);
  void unwind(Level& level, uint32_t length, uint32_t index);
  void unwound_sum(const Level& level, uint32_t length, uint32_t index, F* total);
  void leaf_terms(const Level& level, uint32_t node_index, uint32_t length);
  void add_terms(size_t row, F* phi);

  const Forest& forest_;
  const ContribTables& tables_;
  size_t cap_;  // rows (and so states) at most
  // Per tree walked.
  const Node* nodes_ = nullptr;
  uint32_t node_begin_ = 0;
  uint32_t num_nodes_ = 0;
  size_t n_ = 0;
  std::vector<uint8_t> hot_is_right_;  // per row and node
  std::vector<uint32_t> order_;        // rows, grouped by state
  std::vector<Level> levels_;          // per depth
  std::vector<uint32_t> leaf_slot_;    // per node: its leaf number
  std::vector<uint32_t> leaf_length_;  // per node: its number of terms
  std::vector<uint32_t> leaf_feature_begin_;  // per node: its terms' features in term_feature_
  std::vector<int64_t> term_feature_;
  std::vector<uint32_t> row_terms_;    // per leaf slot and row: its state's first term
  std::vector<F> terms_;
  std::vector<F> scratch_, weights_;   // per state
  std::vector<uint32_t> stack_;
  std::vector<F> acc_, tree_phi_;
};

extern template class GroupedWalk<float>;
extern template class GroupedWalk<double>;

}  // namespace polyscore
