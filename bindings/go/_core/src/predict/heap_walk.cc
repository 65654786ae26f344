#include "predict/heap_walk.h"

#include <algorithm>

#include "predict/avx2_walk.h"
#include "predict/avx512_walk.h"
#include "predict/key_step.h"

namespace polyscore::key_walk {
namespace {

// One step of a heap walk: from 1-based position u (children 2u and 2u + 1) in a tree
// whose nodes start at `tree`, reading the key of a single row (kLane = kOneRow:
// keys[offset / kBlockRows]) or of row kLane of a block (keys[offset + kLane]). On x86-64
// it is written out: load the offset, (scale it,) load the key, compare, add with carry;
// GCC's own code takes two or three more, and the walks are bound by how many
// instructions they issue.
constexpr int kOneRow = -1;
template <int kLane>
inline size_t heap_step(const HeapNode* tree, size_t u, const uint32_t* keys) {
  const HeapNode& node = tree[u - 1];
#if POLYSCORE_X86_64
  // next starts as u, in u's register (node's address may use it too: the asm reads all
  // of its inputs before it writes next).
  size_t next;
  uint32_t x;
  if constexpr (kLane == kOneRow) {
    static_assert(kBlockRows == 64, "the offset is scaled by a shift of 6");
    asm("movl %[offset], %[x]\n\t"
        "shrl $6, %[x]\n\t"
        "movl (%[keys],%q[x],4), %[x]\n\t"
        "cmpl %[x], %[key]\n\t"
        "adcq %[next], %[next]"
        : [next] "=r"(next), [x] "=&r"(x)
        : "0"(u), [keys] "r"(keys), [offset] "m"(node.offset), [key] "m"(node.key)
        : "cc");
  } else {
    asm("movl %[offset], %[x]\n\t"
        "movl %c[lane](%[keys],%q[x],4), %[x]\n\t"
        "cmpl %[x], %[key]\n\t"
        "adcq %[next], %[next]"
        : [next] "=r"(next), [x] "=&r"(x)
        : "0"(u), [keys] "r"(keys), [lane] "i"(kLane * 4), [offset] "m"(node.offset), [key] "m"(node.key)
        : "cc");
  }
  return next;
#else
  const uint32_t x = kLane == kOneRow ? keys[node.offset / kBlockRows] : keys[node.offset + kLane];
  return 2 * u + (node.key < x);
#endif
}

// kRowLanes rows (keys: their first row's column in the block) through kLevels levels
// of one tree, from the heap positions in pos to those kLevels levels further down.
// With kCategories, refs are the tree's nodes' category refs (CategoryCodes).
template <int kLevels, bool kCategories, size_t... kLane>
void walk_row_lanes(const HeapNode* nodes, const CategoryCodes::Ref* refs, const uint32_t* right_words,
                    const uint32_t* keys, uint32_t* pos, std::index_sequence<kLane...>) {
  size_t u[] = {size_t(pos[kLane]) + 1 ...};  // 1-based positions
#pragma GCC unroll 16
  for (int d = 0; d < kLevels; ++d) {
    if constexpr (!kCategories) {
      ((u[kLane] = heap_step<int(kLane)>(nodes, u[kLane], keys)), ...);
    } else {
      ((u[kLane] = 2 * u[kLane] + goes_right<true>(keys[nodes[u[kLane] - 1].offset + kLane], nodes[u[kLane] - 1].key,
                                                   refs + u[kLane] - 1, right_words)),
       ...);
    }
  }
  ((pos[kLane] = static_cast<uint32_t>(u[kLane] - 1)), ...);
}
template <int kLevels, bool kCategories>
__attribute__((noinline)) void walk_rows(const HeapNode* nodes, const CategoryCodes::Ref* refs,
                                         const uint32_t* right_words, const uint32_t* keys, uint32_t* pos) {
  walk_row_lanes<kLevels, kCategories>(nodes, refs, right_words, keys, pos, std::make_index_sequence<kRowLanes>{});
}

// Rows [0, n) of a block (keys) through tree t of depth D: the heap position each
// reaches goes to pos (room for kBlockRows). The top levels with AVX-512 or AVX2 where
// the tables say so (the positions they leave are whole vectors' worth, past n too),
// the rest with scalar steps.
template <int D, bool kCategories>
void walk_block(const PreparedModel& model, uint32_t t, const uint32_t* keys, size_t n, uint32_t* pos) {
  const HeapTables& heap = model.heap;
  const HeapNode* nodes = heap.nodes.data() + heap.node_begin[t];
  const CategoryCodes::Ref* refs = kCategories ? heap.category.data() + heap.node_begin[t] : nullptr;
  const uint32_t* words = model.category_codes.right_words.data();
  auto walk_rest = [&](auto top) {
    constexpr int kTop = decltype(top)::value;
    for (size_t r = 0; r < n; r += kRowLanes) walk_rows<D - kTop, kCategories>(nodes, refs, words, keys + r, pos + r);
  };
#if POLYSCORE_X86_64
  constexpr int kTop512 = std::min(D, kVectorLevels);
  constexpr int kTop2 = std::min(D, kAvx2Levels);
  if (kTop512 > 0 && heap.top_levels == Simd::kAvx512) {
    if constexpr (kTop512 > 0) {
      walk_top_levels<kTop512, kCategories>(nodes, refs, words, model.category_codes.bitset_words(), keys, n, pos);
    }
    walk_rest(std::integral_constant<int, kTop512>{});
    return;
  }
  if (kTop2 > 0 && heap.top_levels == Simd::kAvx2) {
    if constexpr (kTop2 > 0) {
      walk_top_levels_avx2<kTop2, kCategories>(nodes, refs, words, model.category_codes.bitset_words(), keys, n, pos);
    }
    walk_rest(std::integral_constant<int, kTop2>{});
    return;
  }
#endif
  std::fill_n(pos, kBlockRows, 0u);
  walk_rest(std::integral_constant<int, 0>{});
}

template <typename Acc, int D>
void add_tree(const PreparedModel& model, uint32_t t, const uint32_t* keys, size_t n, Acc* margins) {
  const HeapTables& heap = model.heap;
  const Acc* values = values_of<Acc>(heap);
  const uint32_t to_slot = heap.slot_begin[t] - ((1u << D) - 1);
  Acc* m = margins + size_t(model.forest->trees[t].output) * kBlockRows;
  uint32_t pos[kBlockRows];
  with_categories(model, [&](auto categories) {
    walk_block<D, decltype(categories)::value>(model, t, keys, n, pos);
  });
  for (size_t r = 0; r < n; ++r) m[r] += values[pos[r] + to_slot];
}

template <int D>
void tree_slots(const PreparedModel& model, uint32_t t, const uint32_t* keys, size_t n, uint32_t* slots) {
  const HeapTables& heap = model.heap;
  const uint32_t to_slot = heap.slot_begin[t] - ((1u << D) - 1);
  with_categories(model, [&](auto categories) {
    walk_block<D, decltype(categories)::value>(model, t, keys, n, slots);
  });
  for (size_t r = 0; r < n; ++r) slots[r] += to_slot;
}


// kTreeLanes trees of depth D whose nodes follow one another from `nodes`: leaves in
// at[g] the position reached in tree g plus g * (2^D - 1). Out of line so that `nodes`
// and `keys` are two plain base registers.
template <int D, bool kCategories>
__attribute__((noinline)) void walk_tree_lanes(const HeapNode* nodes, const CategoryCodes::Ref* refs,
                                               const uint32_t* right_words, const uint32_t* keys,
                                               size_t* at) {
  constexpr size_t kTreeNodes = (size_t(1) << D) - 1;
  // Lane g walks tree g by its 1-based heap position u (children 2u and 2u + 1): one
  // register per lane, and the tree's start is a constant in each address.
  size_t u[kTreeLanes];
  for (size_t g = 0; g < kTreeLanes; ++g) u[g] = 1;
#pragma GCC unroll 16
  for (int d = 0; d < D; ++d) {
#pragma GCC unroll 16
    for (size_t g = 0; g < kTreeLanes; ++g) {
      if constexpr (!kCategories) {
        u[g] = heap_step<kOneRow>(nodes + g * kTreeNodes, u[g], keys);
      } else {
        const size_t i = g * kTreeNodes + u[g] - 1;
        u[g] = 2 * u[g] + goes_right<true>(keys[nodes[i].offset / kBlockRows], nodes[i].key, refs + i, right_words);
      }
    }
  }
  for (size_t g = 0; g < kTreeLanes; ++g) at[g] = g * kTreeNodes + u[g] - 1;
}

// One row through count <= kHeapGroup consecutive trees of depth D from `first` (whose
// nodes follow one another, 2^D - 1 per tree): writes their slots. Lanes past count walk
// whatever follows (the node array's tail keeps that in bounds).
template <int D>
void walk_trees(const PreparedModel& model, uint32_t first, uint32_t count, const uint32_t* keys,
                uint32_t* slots) {
  constexpr uint32_t kTreeNodes = (1u << D) - 1;
  const HeapTables& heap = model.heap;
  for (uint32_t lane0 = 0; lane0 < count; lane0 += kTreeLanes) {
    const uint32_t node_begin = heap.node_begin[first + lane0];
    size_t at[kTreeLanes];
    with_categories(model, [&](auto categories) {
      constexpr bool kCategories = decltype(categories)::value;
      walk_tree_lanes<D, kCategories>(heap.nodes.data() + node_begin,
                                           kCategories ? heap.category.data() + node_begin : nullptr,
                                           model.category_codes.right_words.data(), keys, at);
    });
    for (uint32_t g = 0; g < kTreeLanes && lane0 + g < count; ++g) {
      slots[lane0 + g] = heap.slot_begin[first + lane0 + g] + (at[g] - g * kTreeNodes) - kTreeNodes;
    }
  }
}

template <typename Acc>
void add_block_impl(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                    uint32_t tree_end, Acc* margins) {
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    for_depth(model.heap.depth[t], [&](auto depth) {
      add_tree<Acc, decltype(depth)::value>(model, t, keys, n, margins);
    });
  }
}

}  // namespace

void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, float* margins) {
  add_block_impl(model, keys, n, tree_begin, tree_end, margins);
}
void add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
               uint32_t tree_end, double* margins) {
  add_block_impl(model, keys, n, tree_begin, tree_end, margins);
}

void block_slots(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree, uint32_t* slots) {
  for_depth(model.heap.depth[tree], [&](auto depth) {
    tree_slots<decltype(depth)::value>(model, tree, keys, n, slots);
  });
}

void row_slots(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
               uint32_t* slots) {
  // Trees in runs that stay inside one group, so each run has one depth.
  for (uint32_t t = first; t < first + count;) {
    const uint32_t group_end = (t / kHeapGroup + 1) * kHeapGroup;
    const uint32_t run = std::min(group_end, first + count) - t;
    for_depth(model.heap.depth[t], [&](auto depth) {
      walk_trees<decltype(depth)::value>(model, t, run, keys, slots + (t - first));
    });
    t += run;
  }
}

}  // namespace polyscore::key_walk
