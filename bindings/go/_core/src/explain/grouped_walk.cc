// The grouped TreeSHAP walk (grouped_walk.h). The path operations are those of
// tree_shap.cc's lanes (XGBoost's ExtendPath / UnwindPath / UnwoundPathSum, LightGBM's
// the same), term by term, with states in place of rows: every row's terms are computed
// by the very operations the libraries do for that row, so they are the same bits.
#include "explain/grouped_walk.h"

#include <algorithm>
#include <cstdlib>

#include "predict/general_walk.h"  // next_node: the child a split sends a value to

namespace polyscore {

bool grouped_walk_enabled() {
  const char* value = std::getenv("POLYSCORE_CONTRIB_LANES");
  return !(value && *value);
}

size_t grouped_walk_rows(const Forest& forest, const ContribTables& tables, size_t n_rows, unsigned num_threads) {
  // Each row holds its sums (num_margin_outputs x (num_features + 1)) for the group:
  // keep them to about 1 MiB; more than 256 rows shares little more.
  const size_t per_row = contrib_values_per_row(forest) * sizeof(double);
  const size_t by_memory = std::max<size_t>(8, (size_t(1) << 20) / per_row);
  const size_t threads = std::max(1u, num_threads);
  const size_t per_thread = (n_rows + threads - 1) / threads;
  // A leaf's states (at most one per row) each have length terms, at 32-bit places
  // (row_terms_): trees of more than 2^32 / 256 terms (a chain about 5,800 deep) take
  // smaller groups. A tree of 2^32 terms or more would need hundreds of GiB of scratch,
  // which check_shap_scratch refuses first.
  const uint64_t by_places = std::max<uint64_t>(1, UINT32_MAX / std::max<uint64_t>(1, tables.max_tree_terms));
  return std::max<size_t>(1, std::min({per_thread, by_memory, size_t(256), size_t(by_places)}));
}

template <typename F>
GroupedWalk<F>::GroupedWalk(const Forest& forest, const ContribTables& tables, size_t max_rows)
    : forest_(forest), tables_(tables), cap_(max_rows) {
  const size_t elements = tables.max_depth + 2;
  levels_.resize(tables.max_depth + 1);
  for (Level& level : levels_) {
    level.feature.resize(elements);
    level.zero_fraction.resize(elements);
    level.one_fraction.resize(elements * cap_);
    level.pweight.resize(elements * cap_);
    level.begin.resize(cap_);
    level.end.resize(cap_);
    level.split.resize(cap_);
    level.incoming_one.resize(cap_);
  }
  order_.resize(cap_);
  scratch_.resize(cap_);
  weights_.resize(cap_);
  stack_.resize(2 * elements + 2);
  tree_phi_.resize(forest.num_features + 1);
  acc_.resize(cap_ * contrib_values_per_row(forest));
}

// As the constructor and explain_tree allocate: per level (one per depth) its elements
// and each state's; per term of the largest tree a feature and each state's value; per
// leaf and row a term's place; per node and row a hot side.
template <typename F>
double GroupedWalk<F>::scratch_bytes(const Forest& forest, const ContribTables& tables, size_t max_rows) {
  const double elements = double(tables.max_depth) + 2, cap = double(max_rows);
  const double level = elements * (sizeof(int64_t) + sizeof(F)) + elements * cap * 2 * sizeof(F) +
                       cap * (3 * sizeof(uint32_t) + sizeof(F));
  const double terms = double(tables.max_tree_terms) * (sizeof(int64_t) + cap * sizeof(F));
  const double nodes = double(tables.max_tree_nodes) * (3 * sizeof(uint32_t) + cap * (1 + sizeof(uint32_t)));
  return (double(tables.max_depth) + 1) * level + terms + nodes + cap * contrib_values_per_row(forest) * sizeof(F);
}

// ExtendPath at element `length` for every state (its feature, zero fraction and each
// state's one fraction already stored there).
template <typename F>
void GroupedWalk<F>::extend(Level& level, uint32_t length) {
  const size_t cap = cap_, states = level.num_states;
  const F zero_fraction = level.zero_fraction[length];
  F* pweight_last = &level.pweight[length * cap];
  for (size_t s = 0; s < states; ++s) pweight_last[s] = length == 0 ? F(1) : F(0);
  const F* one_fraction = &level.one_fraction[length * cap];
  const F d1 = static_cast<F>(length + 1);
  for (int i = static_cast<int>(length) - 1; i >= 0; --i) {
    const F up = static_cast<F>(i + 1), down = static_cast<F>(length - i);
    F* pw = &level.pweight[size_t(i) * cap];
    F* pw_next = &level.pweight[size_t(i + 1) * cap];
    for (size_t s = 0; s < states; ++s) {
      pw_next[s] += one_fraction[s] * pw[s] * up / d1;
      pw[s] = zero_fraction * pw[s] * down / d1;
    }
  }
}

template <typename F>
void GroupedWalk<F>::unwind(Level& level, uint32_t length, uint32_t index) {
  const size_t cap = cap_, states = level.num_states;
  const F zero_fraction = level.zero_fraction[index];
  const F* one_fraction = &level.one_fraction[index * cap];
  F* next_one_portion = scratch_.data();
  for (size_t s = 0; s < states; ++s) next_one_portion[s] = level.pweight[length * cap + s];
  const F d1 = static_cast<F>(length + 1);
  for (int i = static_cast<int>(length) - 1; i >= 0; --i) {
    const F down = static_cast<F>(length - i);
    F* pw = &level.pweight[size_t(i) * cap];
    for (size_t s = 0; s < states; ++s) {
      const F tmp = pw[s];
      const F hot = next_one_portion[s] * d1 / static_cast<F>((i + 1) * one_fraction[s]);
      const F cold = (tmp * d1) / static_cast<F>(zero_fraction * down);
      const bool is_hot = one_fraction[s] != 0;
      pw[s] = is_hot ? hot : cold;
      next_one_portion[s] = is_hot ? tmp - hot * zero_fraction * down / d1 : next_one_portion[s];
    }
  }
  for (uint32_t i = index; i < length; ++i) {
    level.feature[i] = level.feature[i + 1];
    level.zero_fraction[i] = level.zero_fraction[i + 1];
    std::copy_n(&level.one_fraction[size_t(i + 1) * cap], states, &level.one_fraction[size_t(i) * cap]);
  }
}

template <typename F>
void GroupedWalk<F>::unwound_sum(const Level& level, uint32_t length, uint32_t index, F* total) {
  const size_t cap = cap_, states = level.num_states;
  const F zero_fraction = level.zero_fraction[index];
  const F* one_fraction = &level.one_fraction[index * cap];
  F* next_one_portion = scratch_.data();
  for (size_t s = 0; s < states; ++s) {
    next_one_portion[s] = level.pweight[length * cap + s];
    total[s] = 0;
  }
  const F d1 = static_cast<F>(length + 1);
  for (int i = static_cast<int>(length) - 1; i >= 0; --i) {
    const F down = static_cast<F>(length - i);
    const F up = static_cast<F>(i + 1);
    const F* pweight = &level.pweight[size_t(i) * cap];
    for (size_t s = 0; s < states; ++s) {
      const F tmp = next_one_portion[s] * d1 / (up * one_fraction[s]);
      const F cold = (pweight[s] / zero_fraction) / (down / d1);
      const bool is_hot = one_fraction[s] != 0;
      total[s] = is_hot ? total[s] + tmp : (zero_fraction != 0 ? total[s] + cold : total[s]);
      next_one_portion[s] = is_hot ? pweight[s] - tmp * zero_fraction * (down / d1) : next_one_portion[s];
    }
  }
}

// The child's states: a parent state whose incoming one fraction is 0 gives one state
// (every row has one fraction 0 on both sides); otherwise its rows going left and its
// rows going right give one state each, hot on their own side and cold on the other.
template <typename F>
void GroupedWalk<F>::make_child(const Level& parent, Level& child, uint32_t length, F zero_fraction,
                                int64_t feature, bool left) {
  const size_t cap = cap_;
  uint32_t states = 0;
  F* one_last = &child.one_fraction[size_t(length) * cap];
  for (uint32_t s = 0; s < parent.num_states; ++s) {
    const F incoming = parent.incoming_one[s];
    const uint32_t b = parent.begin[s], m = parent.split[s], e = parent.end[s];
    auto add = [&](uint32_t begin, uint32_t end, F one) {
      for (uint32_t i = 0; i < length; ++i) {
        child.one_fraction[size_t(i) * cap + states] = parent.one_fraction[size_t(i) * cap + s];
        child.pweight[size_t(i) * cap + states] = parent.pweight[size_t(i) * cap + s];
      }
      child.begin[states] = begin;
      child.end[states] = end;
      one_last[states] = one;
      ++states;
    };
    if (incoming == 0) {
      add(b, e, F(0));
      continue;
    }
    if (b < m) add(b, m, left ? incoming : F(0));
    if (m < e) add(m, e, left ? F(0) : incoming);
  }
  child.num_states = states;
  std::copy_n(parent.feature.begin(), length, child.feature.begin());
  std::copy_n(parent.zero_fraction.begin(), length, child.zero_fraction.begin());
  child.feature[length] = feature;
  child.zero_fraction[length] = zero_fraction;
}

template <typename F>
void GroupedWalk<F>::leaf_terms(const Level& level, uint32_t node_index, uint32_t length) {
  const F leaf = static_cast<F>(forest_.leaf_values[nodes_[node_index].child_or_leaf]);
  const size_t cap = cap_, states = level.num_states;
  leaf_length_[node_index] = length;
  leaf_feature_begin_[node_index] = static_cast<uint32_t>(term_feature_.size());
  for (uint32_t i = 1; i <= length; ++i) term_feature_.push_back(level.feature[i]);
  const size_t base = terms_.size();
  terms_.resize(base + states * length);
  F* w = weights_.data();
  for (uint32_t i = 1; i <= length; ++i) {
    unwound_sum(level, length, i, w);
    const F zero_fraction = level.zero_fraction[i];
    const F* one_fraction = &level.one_fraction[size_t(i) * cap];
    for (size_t s = 0; s < states; ++s) {
      terms_[base + s * length + (i - 1)] = w[s] * (one_fraction[s] - zero_fraction) * leaf;
    }
  }
  uint32_t* row_terms = &row_terms_[size_t(leaf_slot_[node_index]) * n_];
  for (size_t s = 0; s < states; ++s) {
    for (uint32_t k = level.begin[s]; k < level.end[s]; ++k) {
      row_terms[order_[k]] = static_cast<uint32_t>(base + s * length);
    }
  }
}

// The recursion of tree_shap.cc's BlockWalk::recurse, over states: levels_[depth] holds
// the states reaching this node with their paths extended up to element `length`.
template <typename F>
void GroupedWalk<F>::visit(uint32_t node_index, uint32_t depth, uint32_t length) {
  Level& level = levels_[depth];
  const Node& node = nodes_[node_index];
  if (node.flags & kLeaf) return leaf_terms(level, node_index, length);
  const uint32_t left = node.child_or_leaf, right = left + 1;
  const F w = static_cast<F>(forest_.node_cover(node_begin_ + node_index));
  const F left_zero_fraction = static_cast<F>(forest_.node_cover(node_begin_ + left)) / w;
  const F right_zero_fraction = static_cast<F>(forest_.node_cover(node_begin_ + right)) / w;
  F incoming_zero_fraction = 1;
  uint32_t path_index = 0;
  for (; path_index <= length; ++path_index) {
    if (level.feature[path_index] == static_cast<int64_t>(node.feature)) break;
  }
  if (path_index != length + 1) {
    incoming_zero_fraction = level.zero_fraction[path_index];
    std::copy_n(&level.one_fraction[size_t(path_index) * cap_], level.num_states, level.incoming_one.begin());
    unwind(level, length, path_index);
    length -= 1;
  } else {
    std::fill_n(level.incoming_one.begin(), level.num_states, F(1));
  }
  // Rows of a state that can still be hot: those going left first.
  for (uint32_t s = 0; s < level.num_states; ++s) {
    if (level.incoming_one[s] == 0) {
      level.split[s] = level.end[s];
      continue;
    }
    const uint8_t* hot = hot_is_right_.data();
    const size_t stride = num_nodes_;
    uint32_t* mid = std::partition(&order_[level.begin[s]], &order_[level.end[s]], [&](uint32_t row) {
      return hot[row * stride + node_index] == 0;
    });
    level.split[s] = static_cast<uint32_t>(mid - order_.data());
  }
  Level& child = levels_[depth + 1];
  make_child(level, child, length + 1, left_zero_fraction * incoming_zero_fraction, node.feature, true);
  extend(child, length + 1);
  visit(left, depth + 1, length + 1);
  make_child(level, child, length + 1, right_zero_fraction * incoming_zero_fraction, node.feature, false);
  extend(child, length + 1);
  visit(right, depth + 1, length + 1);
}

// Row `row`'s terms into phi leaf by leaf in the libraries' order (hot child first).
template <typename F>
void GroupedWalk<F>::add_terms(size_t row, F* phi) {
  uint32_t* stack = stack_.data();
  const uint8_t* hot_is_right = &hot_is_right_[row * num_nodes_];
  size_t top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const uint32_t i = stack[--top];
    const Node& node = nodes_[i];
    if (node.flags & kLeaf) {
      const F* terms = &terms_[row_terms_[size_t(leaf_slot_[i]) * n_ + row]];
      const int64_t* features = &term_feature_[leaf_feature_begin_[i]];
      for (uint32_t k = 0, count = leaf_length_[i]; k < count; ++k) phi[features[k]] += terms[k];
      continue;
    }
    const uint32_t hot = node.child_or_leaf + hot_is_right[i];
    stack[top++] = hot == node.child_or_leaf ? hot + 1 : node.child_or_leaf;  // cold, later
    stack[top++] = hot;
  }
}

template <typename F>
void GroupedWalk<F>::explain_tree(uint32_t t, size_t n) {
  const Tree& tree = forest_.trees[t];
  nodes_ = &forest_.nodes[tree.node_begin];
  node_begin_ = tree.node_begin;
  num_nodes_ = tree.num_nodes;
  n_ = n;
  leaf_slot_.resize(num_nodes_);
  leaf_length_.resize(num_nodes_);
  leaf_feature_begin_.resize(num_nodes_);
  uint32_t leaves = 0;
  for (uint32_t i = 0; i < num_nodes_; ++i) {
    if (nodes_[i].flags & kLeaf) leaf_slot_[i] = leaves++;
  }
  row_terms_.resize(size_t(leaves) * n);
  term_feature_.clear();
  terms_.clear();
  for (uint32_t k = 0; k < n; ++k) order_[k] = k;
  Level& root = levels_[0];
  root.num_states = 1;
  root.begin[0] = 0;
  root.end[0] = static_cast<uint32_t>(n);
  root.feature[0] = -1;
  root.zero_fraction[0] = 1;
  root.one_fraction[0] = 1;
  extend(root, 0);
  visit(0, 0, 0);
}

template <typename F>
void GroupedWalk<F>::explain(uint32_t tree_begin, uint32_t tree_end, const double* rows, size_t n,
                             const double* offsets, double* out) {
  const uint32_t features = forest_.num_features, columns = features + 1;
  const uint32_t groups = forest_.num_margin_outputs;
  const size_t per_row = size_t(groups) * columns;
  const bool lightgbm = forest_.format == ModelFormat::kLightGBMText;
  std::fill_n(acc_.begin(), n * per_row, F(0));
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    const Tree& tree = forest_.trees[t];
    const F bias = static_cast<F>(tables_.tree_bias[t]);
    if (tree.num_nodes > 1) {
      const Node* nodes = &forest_.nodes[tree.node_begin];
      hot_is_right_.resize(n * tree.num_nodes);
      for (size_t r = 0; r < n; ++r) {
        const double* row = rows + r * features;
        uint8_t* hot = &hot_is_right_[r * tree.num_nodes];
        for (uint32_t i = 0; i < tree.num_nodes; ++i) {
          if (nodes[i].flags & kLeaf) continue;
          const uint32_t next = next_node(nodes[i], row[nodes[i].feature], forest_.category_words.data());
          hot[i] = static_cast<uint8_t>(next - nodes[i].child_or_leaf);
        }
      }
      explain_tree(t, n);
    } else {
      nodes_ = &forest_.nodes[tree.node_begin];
    }
    // As tree_shap.cc's contributions_block: LightGBM adds into the output; XGBoost into
    // a per-tree buffer it then scales by the tree's (DART) weight and adds.
    for (size_t r = 0; r < n; ++r) {
      F* group_acc = &acc_[r * per_row + size_t(tree.output) * columns];
      F* phi = lightgbm ? group_acc : tree_phi_.data();
      if (!lightgbm) std::fill(tree_phi_.begin(), tree_phi_.end(), F(0));
      phi[features] += bias;
      if (tree.num_nodes > 1) add_terms(r, phi);
      if (!lightgbm) {
        const F weight = static_cast<F>(tree.weight);
        for (uint32_t c = 0; c < columns; ++c) group_acc[c] += tree_phi_[c] * weight;
      }
    }
  }
  for (size_t r = 0; r < n; ++r) {
    F* a = &acc_[r * per_row];
    const double* offset = offsets ? offsets + r * groups : nullptr;
    for (uint32_t g = 0; g < groups; ++g) {
      if (offset) {
        a[size_t(g) * columns + features] += static_cast<F>(offset[g]);
      } else if (!lightgbm) {
        a[size_t(g) * columns + features] += static_cast<F>(forest_.base_margin[g]);
      }
    }
    for (size_t i = 0; i < per_row; ++i) out[r * per_row + i] = static_cast<double>(a[i]);
  }
}

template class GroupedWalk<float>;
template class GroupedWalk<double>;

}  // namespace polyscore
