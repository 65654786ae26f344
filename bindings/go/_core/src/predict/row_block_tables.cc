#include "predict/row_block_tables.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "predict/cpu_features.h"
#include "predict/key_encoding.h"
#include "predict/prepared_model.h"

namespace polyscore {
namespace {

// Lanes a single row walks side by side may run past the last tree (into these).
constexpr size_t kTailTrees = 16;

// The byte copy of the blocks (RowBlockTables::bytes) where every node fits.
void make_byte_blocks(RowBlockTables& blocks, uint32_t num_used_features) {
  if (!avx512vbmi_allowed() || set_in_environment("POLYSCORE_NO_ROW_BYTES")) return;
  const uint32_t places = 2 * num_used_features;
  if (places > kRowByteKeys) return;
  // The places whose nodes need an extra byte key (key 255): extra_at[i] is the place
  // extra byte i stands for, extra[place] its i.
  std::vector<int> extra(places, -1);
  std::vector<uint16_t> extra_at;
  for (const auto* nodes : {&blocks.top, &blocks.bottom}) {
    for (const RowBlockNode& n : *nodes) {
      if (n.key > 255) return;
      if (n.key == 255 && extra[n.at] < 0) {
        extra[n.at] = static_cast<int>(extra_at.size());
        extra_at.push_back(n.at);
      }
    }
  }
  if (places + extra_at.size() > kRowByteKeys) return;
  // blocks_per_group blocks together: their keys, then their places.
  auto copy = [&](const auto& nodes, auto& bytes, size_t blocks_per_group) {
    const size_t group_nodes = blocks_per_group * kRowBlockNodes;
    const size_t groups = (nodes.size() + group_nodes - 1) / group_nodes;
    bytes.assign(groups * group_nodes * 2, 0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      const RowBlockNode& n = nodes[i];
      const bool above = n.key == 255;
      const size_t at = i / group_nodes * 2 * group_nodes + i % group_nodes;
      bytes[at] = static_cast<uint8_t>(above ? 0 : n.key);
      bytes[at + group_nodes] = static_cast<uint8_t>(above ? places + extra[n.at] : n.at);
    }
  };
  copy(blocks.top, blocks.top_bytes, kRowByteTopGroup);
  copy(blocks.bottom, blocks.bottom_bytes, 1);
  blocks.byte_extra_at = std::move(extra_at);
  blocks.bytes = true;
  // Every single row takes the byte walk now: the 4-byte nodes are not read again, and
  // their memory goes (`= {}` would keep it: that assigns an empty list, keeping the
  // capacity; 0.55 MiB for 500 trees of depth 8).
  decltype(blocks.top)().swap(blocks.top);
  decltype(blocks.bottom)().swap(blocks.bottom);
}

}  // namespace

bool row_blocks_allowed() { return !set_in_environment("POLYSCORE_NO_ROW_BLOCKS"); }

void build_row_block_tables(PreparedModel& model) {
  model.row_blocks = row_blocks_allowed() ? make_row_block_tables(model) : RowBlockTables();
}

RowBlockTables make_row_block_tables(const PreparedModel& model) {
  const HeapTables& heap = model.heap;
  if (!heap.usable || model.category_codes.any) return RowBlockTables();
  const uint32_t nu = model.num_used_features();
  if (2 * uint64_t(nu) > std::numeric_limits<uint16_t>::max()) return RowBlockTables();
  if (*std::max_element(heap.depth.begin(), heap.depth.end()) > kRowBlockMaxDepth) return RowBlockTables();
  const size_t num_trees = model.forest->trees.size();
  RowBlockTables blocks;

  // The 16-bit keys: a double model's ranks as they are (when they fit), else each node
  // key's rank among its feature's node keys (the row's key gets the same rank: "key(x)
  // > the j-th smallest" is "rank(x) > j").
  auto node_feature = [&](const HeapNode& n) { return (n.offset / uint32_t(key_walk::kBlockRows)) % nu; };
  uint32_t largest_key = 0;
  for (size_t t = 0; t < num_trees; ++t) {
    const uint32_t end = heap.node_begin[t] + (1u << heap.depth[t]) - 1;
    for (uint32_t i = heap.node_begin[t]; i < end; ++i) largest_key = std::max(largest_key, heap.nodes[i].key);
  }
  blocks.keys_are_ranks = model.ranks.used;
  if (blocks.keys_are_ranks) {
    // Rows' ranks run to the feature's count of thresholds, one above its largest node
    // key; NaN's all-ones key becomes 0xffff, above them all.
    if (largest_key >= std::numeric_limits<uint16_t>::max() - 1) return RowBlockTables();
  } else {
    std::vector<std::vector<uint32_t>> keys(nu);
    for (size_t t = 0; t < num_trees; ++t) {
      const uint32_t end = heap.node_begin[t] + (1u << heap.depth[t]) - 1;
      for (uint32_t i = heap.node_begin[t]; i < end; ++i) keys[node_feature(heap.nodes[i])].push_back(heap.nodes[i].key);
    }
    constexpr uint32_t kAllOnes = std::numeric_limits<uint32_t>::max();
    for (std::vector<uint32_t>& k : keys) {
      std::sort(k.begin(), k.end());
      k.erase(std::unique(k.begin(), k.end()), k.end());
      // Ranks up to k.size() must fit 16 bits, node ranks below the largest.
      if (k.size() >= std::numeric_limits<uint16_t>::max()) return RowBlockTables();
      k.resize((k.size() / kRowBlockRankBlock + 1) * kRowBlockRankBlock, kAllOnes);
      blocks.rank_begin.push_back(static_cast<uint32_t>(blocks.rank_keys.size()));
      blocks.rank_keys.insert(blocks.rank_keys.end(), k.begin(), k.end());
      blocks.fence_begin.push_back(static_cast<uint32_t>(blocks.fences.size()));
      for (size_t b = kRowBlockRankBlock - 1; b < k.size(); b += kRowBlockRankBlock) blocks.fences.push_back(k[b]);
      blocks.fences.resize((blocks.fences.size() + kRowBlockRankBlock - 1) / kRowBlockRankBlock * kRowBlockRankBlock,
                           kAllOnes);
    }
    blocks.rank_begin.push_back(static_cast<uint32_t>(blocks.rank_keys.size()));
    blocks.count_avx512 = heap.top_levels == Simd::kAvx512;
  }
  auto node_of = [&](const HeapNode& n) {
    uint32_t key = n.key;
    if (!blocks.keys_are_ranks) {
      const uint32_t f = node_feature(n);
      const uint32_t* first = blocks.rank_keys.data() + blocks.rank_begin[f];
      const uint32_t* last = blocks.rank_keys.data() + blocks.rank_begin[f + 1];
      key = static_cast<uint32_t>(std::lower_bound(first, last, n.key) - first);
    }
    return RowBlockNode{static_cast<uint16_t>(key), static_cast<uint16_t>(n.offset / key_walk::kBlockRows)};
  };

  // Heap position p (0-based, children 2p + 1 and 2p + 2) of level L of a tree of depth
  // D: p = 2^L - 1 + i. Its block: the top one for L < 4 (slot p + 1), else bottom
  // block i >> (L - 4) at slot 2^(L - 4) + (i & (2^(L - 4) - 1)).
  blocks.top.assign((num_trees + kTailTrees) * kRowBlockNodes, RowBlockNode{0, 0});
  blocks.bottom_begin.resize(num_trees);
  size_t bottom_nodes = 0;
  for (size_t t = 0; t < num_trees; ++t) {
    blocks.bottom_begin[t] = static_cast<uint32_t>(bottom_nodes);
    if (heap.depth[t] > kRowBlockLevels) bottom_nodes += size_t(kRowBlockNodes) << kRowBlockLevels;
  }
  if (bottom_nodes + (kTailTrees + 1) * (kRowBlockNodes << kRowBlockLevels) > std::numeric_limits<uint32_t>::max()) {
    return RowBlockTables();
  }
  blocks.bottom.assign(bottom_nodes + (kTailTrees + 1) * (kRowBlockNodes << kRowBlockLevels), RowBlockNode{0, 0});
  for (size_t t = 0; t < num_trees; ++t) {
    const HeapNode* nodes = heap.nodes.data() + heap.node_begin[t];
    for (uint32_t level = 0; level < heap.depth[t]; ++level) {
      for (uint32_t i = 0; i < (1u << level); ++i) {
        const RowBlockNode node = node_of(nodes[(1u << level) - 1 + i]);
        if (level < kRowBlockLevels) {
          blocks.top[t * kRowBlockNodes + (1u << level) + i] = node;
        } else {
          const uint32_t below = level - kRowBlockLevels;
          const uint32_t block = i >> below, slot = (1u << below) + (i & ((1u << below) - 1));
          blocks.bottom[blocks.bottom_begin[t] + block * kRowBlockNodes + slot] = node;
        }
      }
    }
  }
  blocks.usable = true;
  make_byte_blocks(blocks, nu);
  return blocks;
}

}  // namespace polyscore
