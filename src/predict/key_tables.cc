#include "predict/key_tables.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "predict/cpu_features.h"
#include "predict/key_encoding.h"
#include "predict/key_step.h"

namespace polyscore::key_walk {
namespace {

bool disabled_by_environment() { return set_in_environment("POLYSCORE_NO_HEAP_WALK"); }

CategoryCodes::Ref category_ref_of(const PreparedModel& model, uint32_t node) {
  if (!(model.walk.nodes[node].feature_flags & kWalkCategorical)) return {0, 0};
  return {model.category_codes.word_of_node[node], ~0u};
}

// How batches walk the top levels: with AVX-512 if allowed and any category bitset fits
// one register (512 bits), else with AVX2 if allowed and any category bitset fits one
// of its registers (256 bits), else scalar.
Simd top_level_walk(const PreparedModel& model) {
  if (avx512_allowed() && (!model.category_codes.any || model.category_codes.bitset_words() <= 16)) {
    return Simd::kAvx512;
  }
  if (avx2_allowed() && (!model.category_codes.any || model.category_codes.bitset_words() <= 8)) {
    return Simd::kAvx2;
  }
  return Simd::kScalar;
}

// Lays out the first `levels` levels of `tree` in heap order, from tree-local node i at
// 0-based heap position p (children 2p + 1 and 2p + 2) on level `level`: calls
// split(p, node) for each split placed, and exit(first, width, node) for each leaf above
// the last level, or node on it, which covers positions [first, first + width) of the
// 2^levels below. node: an index into Forest::nodes. The heap tables lay out whole trees
// this way, the linked tables the top levels of each.
template <typename Split, typename Exit>
void lay_out_in_heap_order(const PreparedModel& model, const Tree& tree, uint32_t levels, uint32_t i, uint32_t p,
                           uint32_t level, Split& split, Exit& exit) {
  const uint32_t node = tree.node_begin + i;
  if (level == levels || (model.forest->nodes[node].flags & kLeaf)) {
    const uint32_t width = 1u << (levels - level);
    exit((p + 1 - (1u << level)) * width, width, node);
    return;
  }
  split(p, node);
  const uint32_t left = model.forest->nodes[node].child_or_leaf;
  lay_out_in_heap_order(model, tree, levels, left, 2 * p + 1, level + 1, split, exit);
  lay_out_in_heap_order(model, tree, levels, left + 1, 2 * p + 2, level + 1, split, exit);
}

// Whether the walks by keys (heap or linked) can take the model at all: walk nodes,
// categorical splits only with category codes, one constant value per leaf (not
// LightGBM linear trees, whose leaf outputs depend on the row), trees, keys
// addressable in 32 bits, and for a float32 model every threshold a float (32-bit keys
// compare float x with float thresholds: exact only then; XGBoost's are).
bool keys_can_walk(const PreparedModel& model) {
  const WalkTables& walk = model.walk;
  const Forest& forest = *model.forest;
  const bool categories_ok = !(walk.kinds & kWalkHasCategorical) || model.category_codes.any;
  if (!walk.usable || !categories_ok || forest.leaf_size != 1 || forest.has_linear ||
      !forest.linear_leaves.empty() || forest.trees.empty() ||
      2 * uint64_t(model.num_used_features()) * kBlockRows > std::numeric_limits<uint32_t>::max()) {
    return false;
  }
  if (forest.arithmetic.float32) {
    for (const WalkNode& w : walk.nodes) {
      if (!(w.feature_flags & kWalkCategorical) &&
          static_cast<double>(static_cast<float>(w.threshold)) != w.threshold) {
        return false;
      }
    }
  }
  return true;
}

// Per tree: the depth of the deepest tree of its group, or an empty vector when padding
// the trees to complete ones would be too deep or too big.
std::vector<uint32_t> group_depths(const PreparedModel& model) {
  const WalkTables& walk = model.walk;
  std::vector<uint32_t> depth(model.forest->trees.size());
  for (size_t g = 0; g < depth.size(); g += kHeapGroup) {
    const size_t end = std::min(depth.size(), g + kHeapGroup);
    const uint32_t deepest = *std::max_element(walk.depth.begin() + g, walk.depth.begin() + end);
    if (deepest > kMaxHeapDepth) return {};
    std::fill(depth.begin() + g, depth.begin() + end, deepest);
  }
  size_t slots = 0;
  for (uint32_t d : depth) slots += size_t(1) << d;
  // Padding unbalanced trees to complete ones can cost far more than the trees.
  if (slots > std::max<size_t>(4 * model.forest->nodes.size(), size_t(1) << 16)) return {};
  return depth;
}

void build(PreparedModel& model, std::vector<uint32_t> depth) {
  HeapTables heap;
  const bool wide = !model.forest->arithmetic.float32;
  const size_t num_trees = model.forest->trees.size();
  heap.node_begin.resize(num_trees);
  heap.slot_begin.resize(num_trees);
  heap.depth = std::move(depth);
  uint32_t nodes = 0, slots = 0;
  for (size_t t = 0; t < num_trees; ++t) {
    heap.node_begin[t] = nodes;
    heap.slot_begin[t] = slots;
    nodes += (1u << heap.depth[t]) - 1;
    slots += 1u << heap.depth[t];
  }
  // Padding nodes read key 0 of feature 0 and may go either way. The tail lets a single
  // row walk a whole group's worth of lanes from any tree without reading past the end.
  const uint32_t deepest = *std::max_element(heap.depth.begin(), heap.depth.end());
  heap.nodes.assign(nodes + (size_t(kHeapGroup) << deepest), HeapNode{0, 0});
  if (model.category_codes.any) heap.category.assign(heap.nodes.size(), {0, 0});
  // Leaf values as the predictor adds them: weight * value, rounded to the model's sum type.
  if (wide) heap.value64.resize(slots);
  else heap.value32.resize(slots);
  for (size_t t = 0; t < num_trees; ++t) {
    const uint32_t node_base = heap.node_begin[t], slot_base = heap.slot_begin[t];
    auto split = [&](uint32_t p, uint32_t node) {
      heap.nodes[node_base + p] = split_of(model, model.walk.nodes[node]);
      if (!heap.category.empty()) heap.category[node_base + p] = category_ref_of(model, node);
    };
    auto leaf = [&](uint32_t first, uint32_t width, uint32_t node) {
      const double value = model.forest->trees[t].weight * model.forest->leaf_values[model.forest->nodes[node].child_or_leaf];
      if (wide) std::fill_n(heap.value64.begin() + slot_base + first, width, value);
      else std::fill_n(heap.value32.begin() + slot_base + first, width, static_cast<float>(value));
    };
    lay_out_in_heap_order(model, model.forest->trees[t], heap.depth[t], 0, 0, 0, split, leaf);
  }
  heap.top_levels = top_level_walk(model);
  heap.usable = true;
  model.heap = std::move(heap);
}

// Appends to cc.right_words the bitset over the codes of categorical node w: code c
// goes right as walk_step (general_walk.cc) would send a value of category c.
void add_right_bitset(const PreparedModel& model, const WalkNode& w, CategoryCodes& cc) {
  const uint32_t codes = cc.codes;
  const bool in_set_goes_left = (w.feature_flags & kWalkCatInSetGoesLeft) != 0;
  auto right_for_category = [&](uint32_t c) {
    const bool in_set = c < 32 * w.category.num_words &&
                        ((model.forest->category_words[w.category.word_begin + c / 32] >> (c % 32)) & 1u);
    return in_set != in_set_goes_left;
  };
  const size_t first = cc.right_words.size();
  cc.right_words.resize(first + cc.bitset_words(), 0u);
  auto set = [&](uint32_t code, bool right) {
    if (right) cc.right_words[first + code / 32] |= 1u << (code % 32);
  };
  for (uint32_t c = 0; c < codes; ++c) set(c, right_for_category(c));
  set(codes, in_set_goes_left);  // no category: in no set, so right when in-set goes left
  // NaN: read as 0.0 (category 0), or missing with its own direction.
  set(codes + 1, (w.feature_flags & kWalkNanAsZero) ? right_for_category(0)
                                                     : (w.feature_flags & kWalkNanGoesRight) != 0);
}

// Whether every categorical split's LinkedNode::key (linked_category_key_base plus a word
// of right_words) fits 32 bits; only a model declaring sets of billions of categories
// would not.
bool linked_category_keys_fit(const PreparedModel& model) {
  const CategoryCodes& cc = model.category_codes;
  return !cc.any || linked_category_key_base(cc) + cc.right_words.size() <= std::numeric_limits<uint32_t>::max();
}

// top_levels: whether to build the top levels batches walk (LinkedTables::top*).
void build_linked(PreparedModel& model, bool top_levels) {
  LinkedTables linked;
  const bool wide = !model.forest->arithmetic.float32;
  const uint64_t category_key_base = linked_category_key_base(model.category_codes);
  auto& nodes = linked.nodes;
  nodes.reserve(model.forest->nodes.size() + 2);
  nodes.resize(model.forest->nodes.size());
  if (wide) linked.value64.resize(model.forest->nodes.size());
  else linked.value32.resize(model.forest->nodes.size());
  for (const Tree& tree : model.forest->trees) {
    for (uint32_t i = tree.node_begin; i < tree.node_begin + tree.num_nodes; ++i) {
      const Node& node = model.forest->nodes[i];
      if (node.flags & kLeaf) {
        nodes[i] = {std::numeric_limits<uint32_t>::max(), 0, i};
        const double value = tree.weight * model.forest->leaf_values[node.child_or_leaf];
        if (wide) linked.value64[i] = value;
        else linked.value32[i] = static_cast<float>(value);
        continue;
      }
      const HeapNode split = split_of(model, model.walk.nodes[i]);
      nodes[i] = {split.key, split.offset, model.walk.nodes[i].child};
      if (model.walk.nodes[i].feature_flags & kWalkCategorical) {
        // LinkedNode: the key names the bitset (linked_category_keys_fit checked it fits).
        nodes[i].key = static_cast<uint32_t>(category_key_base + model.category_codes.word_of_node[i]);
        nodes[i].offset |= kLinkedCategorical;
      }
    }
  }
  linked.sink = static_cast<uint32_t>(nodes.size());
  nodes.push_back({std::numeric_limits<uint32_t>::max(), 0, linked.sink + 1});
  nodes.push_back({std::numeric_limits<uint32_t>::max(), 0, linked.sink});
  linked.top_levels = top_levels ? top_level_walk(model) : Simd::kScalar;
  if (linked.top_levels != Simd::kScalar) {
    constexpr uint32_t kTopNodes = (1u << kLinkedTopLevels) - 1;
    const size_t num_trees = model.forest->trees.size();
    // Padding nodes of the top levels read key 0 of feature 0 and may go either way.
    linked.top.assign(num_trees * kTopNodes, HeapNode{0, 0});
    if (model.category_codes.any) linked.top_category.assign(num_trees * kTopNodes, {0, 0});
    linked.top_exit.assign(num_trees << kLinkedTopLevels, 0);
    // A tree's top levels (LinkedTables::top*): a split below them, or a leaf, is the
    // exit of every position under it.
    for (size_t t = 0; t < num_trees; ++t) {
      auto split = [&](uint32_t p, uint32_t node) {
        linked.top[t * kTopNodes + p] = split_of(model, model.walk.nodes[node]);
        if (!linked.top_category.empty()) linked.top_category[t * kTopNodes + p] = category_ref_of(model, node);
      };
      auto exit = [&](uint32_t first, uint32_t width, uint32_t node) {
        std::fill_n(linked.top_exit.begin() + (t << kLinkedTopLevels) + first, width, node);
      };
      lay_out_in_heap_order(model, model.forest->trees[t], kLinkedTopLevels, 0, 0, 0, split, exit);
    }
  }
  linked.usable = true;
  model.linked = std::move(linked);
}

}  // namespace

HeapNode split_of(const PreparedModel& model, const WalkNode& w) {
  const uint32_t feature = w.feature_flags & kWalkFeatureMask;
  if (w.feature_flags & kWalkCategorical) return {kNanRight, feature * uint32_t(kBlockRows)};
  const bool nan_right = (w.feature_flags & kWalkNanAsZero) ? 0.0 > w.threshold
                                                            : (w.feature_flags & kWalkNanGoesRight) != 0;
  return {key_of_value(model, feature, w.threshold),
          (feature + (nan_right ? model.num_used_features() : 0)) * uint32_t(kBlockRows)};
}

void build_category_codes(PreparedModel& model) {
  if (disabled_by_environment()) {
    model.category_codes = CategoryCodes();
    return;
  }
  build_category_codes_for_rows(model);
}

void build_category_codes_for_rows(PreparedModel& model) {
  CategoryCodes cc;
  const WalkTables& walk = model.walk;
  if (!walk.usable || !(walk.kinds & kWalkHasCategorical)) {
    model.category_codes = std::move(cc);
    return;
  }
  cc.categorical_feature.assign(model.num_used_features(), 0);
  std::vector<uint8_t> numeric(model.num_used_features(), 0);
  size_t categorical_nodes = 0;
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const WalkNode& w = walk.nodes[i];
    if (w.child == i) continue;  // a leaf
    const uint32_t f = w.feature_flags & kWalkFeatureMask;
    if (w.feature_flags & kWalkCategorical) {
      cc.categorical_feature[f] = 1;
      cc.codes = std::max(cc.codes, 32 * w.category.num_words);
      ++categorical_nodes;
    } else {
      numeric[f] = 1;
    }
  }
  for (uint32_t f = 0; f < model.num_used_features(); ++f) {
    if (numeric[f] && cc.categorical_feature[f]) {  // a feature read both ways: not here
      model.category_codes = CategoryCodes();
      return;
    }
  }
  // Every categorical node gets a bitset over all the codes: keep that a few times the
  // size of the model's own category sets (a corrupt model may declare huge sets).
  const size_t words = categorical_nodes * size_t(cc.bitset_words());
  if (words > std::max<size_t>(4 * model.forest->category_words.size(), size_t(1) << 16)) {
    model.category_codes = CategoryCodes();
    return;
  }
  cc.lightgbm = model.forest->format == ModelFormat::kLightGBMText;
  cc.right_words.reserve(1 + words);  // exactly: grown push by push, the old copies leave holes
  cc.right_words.assign(1, 0u);       // the zero word numeric nodes read
  cc.word_of_node.assign(walk.nodes.size(), 0);
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const WalkNode& w = walk.nodes[i];
    if (w.child == i || !(w.feature_flags & kWalkCategorical)) continue;
    cc.word_of_node[i] = static_cast<uint32_t>(cc.right_words.size());
    add_right_bitset(model, w, cc);
  }
  cc.any = true;
  model.category_codes = std::move(cc);
}

void build_key_ranks(PreparedModel& model) {
  model.ranks = KeyRanks();
  const WalkTables& walk = model.walk;
  if (disabled_by_environment() || !walk.usable || model.forest->arithmetic.float32) return;
  // Every feature's threshold keys in one mapped array (mapped_allocator.h), a segment
  // per feature: per-feature vectors grown push by push left holes in the heap under the
  // tables built after them, kept resident.
  const size_t nf = model.num_used_features();
  std::vector<size_t> begin(nf + 1, 0);
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const WalkNode& w = walk.nodes[i];
    if (w.child != i && !(w.feature_flags & kWalkCategorical)) ++begin[(w.feature_flags & kWalkFeatureMask) + 1];
  }
  for (size_t f = 0; f < nf; ++f) begin[f + 1] += begin[f];
  std::vector<uint64_t, MappedAllocator<uint64_t>> thresholds(begin[nf]);
  std::vector<size_t> end(begin.begin(), begin.end() - 1);
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const WalkNode& w = walk.nodes[i];
    if (w.child == i || (w.feature_flags & kWalkCategorical)) continue;
    thresholds[end[w.feature_flags & kWalkFeatureMask]++] = key_of(w.threshold);
  }
  // Each feature's distinct keys, then the sizes of the tables, reserved at once.
  size_t num_keys = KeyRanks::kBlock, num_fences = KeyRanks::kFenceVector;
  for (size_t f = 0; f < nf; ++f) {
    uint64_t* first = thresholds.data() + begin[f];
    std::sort(first, thresholds.data() + end[f]);
    end[f] = begin[f] + (std::unique(first, thresholds.data() + end[f]) - first);
    if (end[f] == begin[f]) continue;
    const size_t blocks = (end[f] - begin[f]) / KeyRanks::kBlock + 1;
    num_keys += blocks * KeyRanks::kBlock;
    num_fences += (blocks + KeyRanks::kFenceVector - 1) / KeyRanks::kFenceVector * KeyRanks::kFenceVector;
  }
  constexpr uint64_t kAllOnes = std::numeric_limits<uint64_t>::max();
  KeyRanks ranks;
  ranks.keys.reserve(num_keys);
  ranks.fences.reserve(num_fences);
  // One block of all-ones keys and a vector of all-ones fences, shared by the features
  // without thresholds.
  ranks.keys.assign(KeyRanks::kBlock, kAllOnes);
  ranks.fences.assign(KeyRanks::kFenceVector, kAllOnes);
  ranks.features.assign(nf, {0, KeyRanks::kBlock, 0});
  for (size_t f = 0; f < nf; ++f) {
    if (end[f] == begin[f]) continue;
    const size_t count = end[f] - begin[f];
    const size_t padded = (count / KeyRanks::kBlock + 1) * KeyRanks::kBlock;
    ranks.features[f] = {static_cast<uint32_t>(ranks.keys.size()), static_cast<uint32_t>(padded),
                         static_cast<uint32_t>(ranks.fences.size())};
    ranks.keys.insert(ranks.keys.end(), thresholds.data() + begin[f], thresholds.data() + end[f]);
    ranks.keys.resize(ranks.features[f].keys + padded, kAllOnes);
    for (size_t b = KeyRanks::kBlock - 1; b < padded; b += KeyRanks::kBlock) {
      ranks.fences.push_back(ranks.keys[ranks.features[f].keys + b]);
    }
    const size_t vectors = (ranks.fences.size() - ranks.features[f].fences + KeyRanks::kFenceVector - 1) /
                           KeyRanks::kFenceVector;
    ranks.fences.resize(ranks.features[f].fences + vectors * KeyRanks::kFenceVector, kAllOnes);
  }
  ranks.used = true;
  ranks.counting = avx512_allowed() ? Simd::kAvx512 : avx2_allowed() ? Simd::kAvx2 : Simd::kScalar;
  model.ranks = std::move(ranks);
}

void build_linked_tables(PreparedModel& model) {
  model.linked = LinkedTables();
  if (disabled_by_environment() || model.heap.usable || !keys_can_walk(model) || !linked_category_keys_fit(model)) {
    return;
  }
  build_linked(model, true);
}

void build_linked_tables_for_rows(PreparedModel& model) { build_linked(model, false); }

void build_heap_tables(PreparedModel& model) {
  model.heap = HeapTables();
  if (disabled_by_environment()) return;
  if (!keys_can_walk(model)) return;
  std::vector<uint32_t> depth = group_depths(model);
  if (depth.empty()) return;
  build(model, std::move(depth));
}

std::vector<uint32_t> heap_leaf_slots(const PreparedModel& model) {
  const HeapTables& heap = model.heap;
  if (!heap.usable) return {};
  const size_t num_trees = model.forest->trees.size();
  std::vector<uint32_t> leaf(heap.slot_begin[num_trees - 1] + (size_t(1) << heap.depth[num_trees - 1]));
  for (size_t t = 0; t < num_trees; ++t) {
    auto no_split = [](uint32_t, uint32_t) {};
    auto exit = [&](uint32_t first, uint32_t width, uint32_t node) {
      std::fill_n(leaf.begin() + heap.slot_begin[t] + first, width, model.forest->nodes[node].child_or_leaf);
    };
    lay_out_in_heap_order(model, model.forest->trees[t], heap.depth[t], 0, 0, 0, no_split, exit);
  }
  return leaf;
}

}  // namespace polyscore::key_walk
