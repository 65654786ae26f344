#include "predict/linked_walk.h"

#include <algorithm>
#include <cstdint>

#include "predict/avx2_walk.h"
#include "predict/avx512_walk.h"
#include "predict/key_step.h"
#include "predict/tree_chains.h"

namespace polyscore::key_walk {
namespace {

// node.child + (node.key < x). On x86-64 written out as a compare, a load and an add
// with carry: GCC's own code takes a setb, a zero-extension and a copy more.
inline size_t child_if_below(const LinkedNode& node, uint32_t x) {
#if POLYSCORE_X86_64
  size_t next;
  asm("cmpl %[x], %[key]\n\t"
      "movl %[child], %k[next]\n\t"
      "adcl $0, %k[next]"
      : [next] "=r"(next)
      : [x] "r"(x), [key] "m"(node.key), [child] "m"(node.child)
      : "cc");
  return next;
#else
  return node.child + (node.key < x);
#endif
}

// What a step of a model with categorical splits reads besides the nodes and keys.
struct LinkedCategories {
  const uint32_t* right_words;  // CategoryCodes::right_words
  uint32_t key_base;            // linked_category_key_base
};

// Whether key x goes right at `node` of a model with categorical splits (LinkedNode):
// a categorical split reads its bitset's bit for the code x, any other node the zero
// word right_words[0] (the mask clears its word's index, and any bit of a zero word is
// 0), and the comparison, which a categorical split's key never passes, is added; no
// branch on the kind. Masking the index once, not the code and the first word apart,
// saves the operations that bound a batch's 8 rows side by side.
inline uint32_t linked_goes_right(const LinkedNode& node, uint32_t x, LinkedCategories categories) {
  const uint32_t mask = 0u - (node.offset & kLinkedCategorical);  // all ones at a categorical split
  const uint32_t word = categories.right_words[(node.key - categories.key_base + x / 32) & mask];
  return ((word >> (x % 32)) & 1u) + (x > node.key);  // never both 1
}

// One step of the linked walk from node i. A batch reads x from its row's column of the
// block (keys: the row's first key; the offset's kLinkedCategorical masked off); a
// single row (kOneRow) reads keys[offset / kBlockRows], which drops that bit.
static_assert(kBlockRows > kLinkedCategorical && kBlockRows % 2 == 0, "the categorical flag fits below the offset");
template <bool kCategories, bool kOneRow>
inline size_t linked_step(const LinkedNode* nodes, size_t i, const uint32_t* keys, LinkedCategories categories) {
  const LinkedNode& node = nodes[i];
  if constexpr (!kCategories) {
    return child_if_below(node, kOneRow ? keys[node.offset / kBlockRows] : keys[node.offset]);
  } else {
    const uint32_t x = kOneRow ? keys[node.offset / kBlockRows] : keys[node.offset & ~kLinkedCategorical];
    return node.child + linked_goes_right(node, x, categories);
  }
}

// kLanes rows of a block through a tree of the linked tables side by side (lane g reads
// keys + g: keys is the first row's column), `depth` steps from the nodes start[]:
// leaves in at[] the node each reached. Leaves are self-loops, so walks that arrive
// early stay put; and since deep leaf-wise trees have a few long branches that most
// walks never take, every kExitCheck steps the walk stops if no lane moved.
template <bool kCategories, int kLanes>
__attribute__((noinline)) void walk_linked_lanes(const PreparedModel& model, const uint32_t* start,
                                                 uint32_t depth, const uint32_t* keys, uint32_t* at) {
  const LinkedNode* nodes = model.linked.nodes.data();
  const LinkedCategories categories{model.category_codes.right_words.data(),
                                    static_cast<uint32_t>(linked_category_key_base(model.category_codes))};
  size_t i[kLanes];
  for (int g = 0; g < kLanes; ++g) i[g] = start[g];
  constexpr uint32_t kExitCheck = 4;
  for (uint32_t d = 0; d < depth;) {
    const uint32_t last = std::min(depth, d + kExitCheck) - 1;
    for (; d < last; ++d) {
#pragma GCC unroll 16
      for (int g = 0; g < kLanes; ++g) {
        i[g] = linked_step<kCategories, false>(nodes, i[g], keys + g, categories);
      }
    }
    size_t moved = 0;
#pragma GCC unroll 16
    for (int g = 0; g < kLanes; ++g) {
      const size_t next = linked_step<kCategories, false>(nodes, i[g], keys + g, categories);
      moved |= next ^ i[g];
      i[g] = next;
    }
    ++d;
    if (!moved) break;
  }
  for (int g = 0; g < kLanes; ++g) at[g] = static_cast<uint32_t>(i[g]);
}

// Rows [0, n) of a block through tree t of the linked tables: the node each reaches goes
// to at (room for kBlockRows).
template <bool kCategories>
void walk_linked_block(const PreparedModel& model, uint32_t t, const uint32_t* keys, size_t n, uint32_t* at) {
  const uint32_t depth = model.walk.depth[t];
  uint32_t start[kBlockRows];
  uint32_t steps = depth;
  bool walked_top = false;
#if POLYSCORE_X86_64
  const LinkedTables& linked = model.linked;
  if (linked.top_levels != Simd::kScalar) {
    constexpr uint32_t kTop = kLinkedTopLevels, kTopNodes = (1u << kTop) - 1;
    const HeapNode* top = linked.top.data() + size_t(t) * kTopNodes;
    const CategoryCodes::Ref* refs = kCategories ? linked.top_category.data() + size_t(t) * kTopNodes : nullptr;
    uint32_t pos[kBlockRows];
    const uint32_t* words = model.category_codes.right_words.data();
    const uint32_t bitset_words = model.category_codes.bitset_words();
    if (linked.top_levels == Simd::kAvx2) {
      walk_top_levels_avx2<kTop, kCategories>(top, refs, words, bitset_words, keys, n, pos);
    } else {
      walk_top_levels<kTop, kCategories>(top, refs, words, bitset_words, keys, n, pos);
    }
    const uint32_t* exit = linked.top_exit.data() + (size_t(t) << kTop) - kTopNodes;
    // Every lane the walk below takes, rows past n too (it walks whole groups of
    // kRowLanes; the top walks gave positions to whole vectors of 8 or 16 rows).
    const size_t lanes = (n + kRowLanes - 1) / kRowLanes * kRowLanes;
    for (size_t r = 0; r < lanes; ++r) start[r] = exit[pos[r]];
    steps = depth > kTop ? depth - kTop : 0;
    walked_top = true;
  }
#endif
  if (!walked_top) std::fill_n(start, kBlockRows, model.forest->trees[t].node_begin);
  for (size_t r = 0; r < n; r += kRowLanes) {
    walk_linked_lanes<kCategories, kRowLanes>(model, start + r, steps, keys + r, at + r);
  }
}

template <typename Acc>
void linked_add_block_impl(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                           uint32_t tree_end, Acc* margins) {
  const Acc* values = values_of<Acc>(model.linked);
  with_categories(model, [&](auto categories) {
    for (uint32_t t = tree_begin; t < tree_end; ++t) {
      Acc* m = margins + size_t(model.forest->trees[t].output) * kBlockRows;
      uint32_t at[kBlockRows];
      walk_linked_block<decltype(categories)::value>(model, t, keys, n, at);
      for (size_t r = 0; r < n; ++r) m[r] += values[at[r]];
    }
  });
}

}  // namespace

void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, float* margins) {
  linked_add_block_impl(model, keys, n, tree_begin, tree_end, margins);
}
void linked_add_block(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree_begin,
                      uint32_t tree_end, double* margins) {
  linked_add_block_impl(model, keys, n, tree_begin, tree_end, margins);
}

void linked_block_leaves(const PreparedModel& model, const uint32_t* keys, size_t n, uint32_t tree,
                         uint32_t* leaves) {
  with_categories(model, [&](auto categories) {
    walk_linked_block<decltype(categories)::value>(model, tree, keys, n, leaves);
  });
}

void linked_row_leaves(const PreparedModel& model, const uint32_t* keys, uint32_t first, uint32_t count,
                       uint32_t* leaves) {
  const Tree* trees = model.forest->trees.data() + first;
  const LinkedNode* nodes = model.linked.nodes.data();
  const LinkedCategories categories{model.category_codes.right_words.data(),
                                    static_cast<uint32_t>(linked_category_key_base(model.category_codes))};
  with_categories(model, [&](auto with) {
    // A walk ends at a leaf, whose step goes to itself; the record is the node stepped from.
    // Its advance, 0, less 1 is SIZE_MAX; any other advance's (the sink's -1 too) is less.
    auto step = [&](uint32_t at) {
      const uint32_t next = static_cast<uint32_t>(linked_step<decltype(with)::value, true>(nodes, at, keys, categories));
      const size_t advance = size_t(next) - at;
      return ChainStep{advance, advance - 1, SIZE_MAX, at};
    };
    walk_tree_chains(
        count, [&](uint32_t t) { return trees[t].node_begin; }, model.linked.sink, step,
        [&](uint32_t t, uint32_t leaf) { leaves[t] = leaf; });
  });
}

}  // namespace polyscore::key_walk
