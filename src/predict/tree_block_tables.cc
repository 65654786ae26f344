#include "predict/tree_block_tables.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "predict/bitvector_tables.h"
#include "predict/cpu_features.h"
#include "predict/key_encoding.h"
#include "predict/key_tables.h"
#include "predict/prepared_model.h"

namespace polyscore {
namespace {

// The blocks of one tree, appended to `blocks`.
class TreeCutter {
 public:
  TreeCutter(const PreparedModel& model, uint32_t tree, std::vector<uint8_t, LineAlignedAllocator<uint8_t>>& blocks)
      : model_(model), tree_(model.forest->trees[tree]), blocks_(blocks), first_(blocks.size() / kTreeBlockBytes) {
    leaf_number_.assign(tree_.num_nodes, 0);
    uint32_t next = 0;
    number_leaves(0, next);
  }

  // Cuts the tree from its root; false where a split does not fit a byte or the tree
  // takes more blocks than an exit can count (128; a tree of at most 64 leaves takes at
  // most 63).
  bool cut() { return cut_below(0); }

  // The tree's leaves as the tables' own slots, from slot `first` on (leaf number n at
  // first + n): what each adds (the tree's weight times its value, in the model's sum
  // type) and its index into Forest::leaf_ids, as the bitvector tables' slots hold them.
  void fill_slots(size_t first, TreeBlockTables& tables) const {
    for (uint32_t i = 0; i < tree_.num_nodes; ++i) {
      if (leaf(i)) set_leaf_slot(tables, first + leaf_number_[i], *model_.forest, tree_, node(i));
    }
  }

 private:
  const Node& node(uint32_t i) const { return model_.forest->nodes[tree_.node_begin + i]; }
  bool leaf(uint32_t i) const { return (node(i).flags & kLeaf) != 0; }

  // The split's key and where a row's key for it is, by the walks by keys' own rule
  // (key_walk::split_of) applied to the forest's node: the walk nodes are released at
  // load, and making them again for the whole forest (2 MiB for 1,000 trees of 63
  // leaves) would stay in the process's heap. False for a split the walks by keys do
  // not take (categorical, zero as missing, NaN neither missing nor zero).
  bool split_of(const Node& n, uint32_t& key, uint32_t& where) const {
    if ((n.flags & (kCategorical | kZeroIsMissing)) || !(n.flags & (kNanIsMissing | kNanAsZero))) return false;
    const uint32_t feature = model_.used_position(n.feature);
    if (feature == PreparedModel::kUnusedFeature) return false;
    WalkNode w{};
    w.threshold = n.threshold;
    w.feature_flags = feature | walk_nan_flags(n.flags);
    const HeapNode split = key_walk::split_of(model_, w);
    key = split.key;
    where = static_cast<uint32_t>(split.offset / key_walk::kBlockRows);
    return true;
  }

  // Left to right, as the bitvector tables number them (their slots are tree * 64 + number).
  void number_leaves(uint32_t i, uint32_t& next) {
    if (leaf(i)) {
      leaf_number_[i] = next++;
      return;
    }
    number_leaves(node(i).child_or_leaf, next);
    number_leaves(node(i).child_or_leaf + 1, next);
  }

  // The block whose root is tree-local node `root`, and the blocks below it.
  bool cut_below(uint32_t root) {
    const size_t number = blocks_.size() / kTreeBlockBytes - first_;
    if (number >= kTreeBlockLeaf) return false;
    const size_t at = blocks_.size();
    blocks_.resize(at + kTreeBlockBytes, 0);
    // position[v]: the node at 1-based position v (v < 32); below a leaf, that leaf.
    uint32_t position[2 * kRowBlockNodes];
    position[1] = root;
    for (uint32_t v = 1; v < kRowBlockNodes; ++v) {
      const uint32_t i = position[v];
      uint8_t key = 255, place = 0;  // a leaf: never right
      if (!leaf(i)) {
        uint32_t split_key = 0, where = 0;
        if (!split_of(node(i), split_key, where) || split_key > 254 || where >= kRowByteKeys) return false;
        key = static_cast<uint8_t>(split_key);
        place = static_cast<uint8_t>(where);
      }
      blocks_[at + v] = key;
      blocks_[at + kRowBlockNodes + v] = place;
      position[2 * v] = leaf(i) ? i : node(i).child_or_leaf;
      position[2 * v + 1] = leaf(i) ? i : node(i).child_or_leaf + 1;
    }
    for (uint32_t e = 0; e < kRowBlockNodes; ++e) {
      const uint32_t i = position[kRowBlockNodes + e];
      uint8_t exit;
      if (leaf(i)) {
        exit = static_cast<uint8_t>(kTreeBlockLeaf + leaf_number_[i]);
      } else {
        exit = static_cast<uint8_t>(blocks_.size() / kTreeBlockBytes - first_ - number);
        if (!cut_below(i)) return false;
      }
      blocks_[at + 2 * kRowBlockNodes + e] = exit;
    }
    return true;
  }

  const PreparedModel& model_;
  const Tree& tree_;
  std::vector<uint8_t, LineAlignedAllocator<uint8_t>>& blocks_;
  const size_t first_;
  std::vector<uint32_t> leaf_number_;
};

}  // namespace

bool tree_blocks_allowed() { return !set_in_environment("POLYSCORE_NO_ROW_BYTES"); }

TreeBlockSlots tree_block_slots_for(const PreparedModel& model) {
  return model.bitvector.walks_rows() ? TreeBlockSlots::kBitvector : TreeBlockSlots::kOwn;
}

TreeBlockTables make_tree_block_tables(const PreparedModel& model, TreeBlockSlots slots) {
  if (!tree_blocks_allowed()) return TreeBlockTables();
  const Forest& forest = *model.forest;
  // Keys that are ranks (a double model's).
  if (!model.ranks.used) return TreeBlockTables();
  if (2 * uint64_t(model.num_used_features()) > kRowByteKeys) return TreeBlockTables();
  for (const Node& n : forest.nodes) {
    if (n.flags & kCategorical) return TreeBlockTables();
  }
  // At most 64 leaves a tree, as the bitvector tables' slots (127 nodes).
  for (const Tree& tree : forest.trees) {
    if (tree.num_nodes > 2 * kBitvectorLeaves - 1) return TreeBlockTables();
  }
  // Every list reserved at its size: a list grown push by push would leave the old
  // copies in the process's heap, twice the tables' memory.
  size_t blocks = 0, leaves = 0;
  for (const Tree& tree : forest.trees) {
    // Block roots: the tree's root, and every split 4, 8, ... levels below it.
    std::vector<uint32_t> depth(tree.num_nodes, 0);  // children come after parents
    ++blocks;
    leaves += (tree.num_nodes + 1) / 2;
    for (uint32_t i = 0; i < tree.num_nodes; ++i) {
      const Node& n = forest.nodes[tree.node_begin + i];
      if (n.flags & kLeaf) continue;
      if (depth[i] > 0 && depth[i] % kRowBlockLevels == 0) ++blocks;
      if (n.child_or_leaf + 1 < tree.num_nodes) depth[n.child_or_leaf] = depth[n.child_or_leaf + 1] = depth[i] + 1;
    }
  }
  // A walk's places are blocks' offsets in units of 8 bytes, 32-bit (tree_chains.h).
  if ((blocks + 1) * (kTreeBlockBytes / 8) > std::numeric_limits<uint32_t>::max()) return TreeBlockTables();
  TreeBlockTables tables;
  tables.step = avx512vbmi_allowed() ? TreeBlockStep::kPermute
                : avx2_allowed()       ? TreeBlockStep::kShuffles
                                       : TreeBlockStep::kLevels;
  tables.slots = slots;
  tables.blocks.reserve((blocks + 1) * kTreeBlockBytes);
  tables.first_block.reserve(forest.trees.size());
  tables.first_slot.reserve(forest.trees.size());
  const bool own = slots == TreeBlockSlots::kOwn;
  if (own) assign_leaf_slots(tables, leaves, forest.arithmetic.float32);
  size_t own_slots = 0;
  for (uint32_t t = 0; t < forest.trees.size(); ++t) {
    tables.first_block.push_back(static_cast<uint32_t>(tables.blocks.size() / kTreeBlockBytes));
    TreeCutter cutter(model, t, tables.blocks);
    if (!cutter.cut()) return TreeBlockTables();
    if (own) {
      tables.first_slot.push_back(static_cast<uint32_t>(own_slots));
      cutter.fill_slots(own_slots, tables);
      own_slots += (forest.trees[t].num_nodes + 1) / 2;
    } else {
      tables.first_slot.push_back(t * kBitvectorLeaves);
    }
  }
  // The sink: keys 255 (never right), every exit 0 blocks on.
  tables.sink = static_cast<uint32_t>(tables.blocks.size() / kTreeBlockBytes);
  tables.blocks.resize(tables.blocks.size() + kTreeBlockBytes, 0);
  std::fill(tables.blocks.end() - kTreeBlockBytes, tables.blocks.end() - kTreeBlockBytes + kRowBlockNodes, 255);
  tables.usable = true;
  return tables;
}

}  // namespace polyscore
