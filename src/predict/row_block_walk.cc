#include "predict/row_block_walk.h"

#include <algorithm>
#include <utility>

#include "predict/byte_blocks.h"
#include "predict/key_step.h"

namespace polyscore::key_walk {
namespace {

// One step inside a block whose slots start at `block`, from 1-based position v
// (children 2v and 2v + 1): v's node reads the row's key and the step returns the child.
// Written out on x86-64 (load the key's place, load the key, compare, add with carry),
// as heap_step is.
inline size_t top_step(const RowBlockNode* block, size_t v, const uint16_t* keys) {
  const RowBlockNode& node = block[v];
#if POLYSCORE_X86_64
  size_t next;
  uint32_t x;
  asm("movzwl %[at], %[x]\n\t"
      "movzwl (%[keys],%q[x],2), %[x]\n\t"
      "cmpw %w[x], %[key]\n\t"
      "adcq %[next], %[next]"
      : [next] "=r"(next), [x] "=&r"(x)
      : "0"(v), [keys] "r"(keys), [at] "m"(node.at), [key] "m"(node.key)
      : "cc");
  return next;
#else
  return 2 * v + (node.key < keys[node.at]);
#endif
}

// One step in the blocks below the top: w = 16 * block + v over a tree's bottom
// blocks, so one register holds the lane's place; the child of v (v < 16) is
// 16 * block + 2v + right, that is w + (w & 15) + right.
inline size_t bottom_step(const RowBlockNode* blocks, size_t w, const uint16_t* keys) {
  const RowBlockNode& node = blocks[w];
#if POLYSCORE_X86_64
  size_t next;
  size_t v;
  uint32_t x;
  asm("movzwl %[at], %[x]\n\t"
      "movzwl (%[keys],%q[x],2), %[x]\n\t"
      "movq %[next], %[v]\n\t"
      "andl $15, %k[v]\n\t"
      "cmpw %w[x], %[key]\n\t"
      "adcq %[v], %[next]"
      : [next] "=r"(next), [x] "=&r"(x), [v] "=&r"(v)
      : "0"(w), [keys] "r"(keys), [at] "m"(node.at), [key] "m"(node.key)
      : "cc");
  return next;
#else
  return w + (w & 15) + (node.key < keys[node.at]);
#endif
}

constexpr uint32_t kBottomNodes = kRowBlockNodes << kRowBlockLevels;  // per tree

// kTreeLanes trees of depth D, lane g's top block at top + g * 16 and bottom blocks at
// bottom + g * 256, whose leaf slots (2^D each) follow one another from slot0: writes
// to slots[g] the slot of the leaf reached, slot0 + g * 2^D + the path as D bits of
// left (0) and right (1), first level highest. Out of line so that top, bottom and keys
// are plain base registers.
template <int D>
__attribute__((noinline)) void walk_lanes(const RowBlockNode* top, const RowBlockNode* bottom,
                                          const uint16_t* keys, uint32_t slot0, uint32_t* slots) {
  constexpr int kTop = D < int(kRowBlockLevels) ? D : int(kRowBlockLevels);
  constexpr int kBottom = D - kTop;
  size_t u[kTreeLanes];
  for (size_t g = 0; g < kTreeLanes; ++g) u[g] = 1;
#pragma GCC unroll 16
  for (int d = 0; d < kTop; ++d) {
#pragma GCC unroll 16
    for (size_t g = 0; g < kTreeLanes; ++g) u[g] = top_step(top + g * kRowBlockNodes, u[g], keys);
  }
  if constexpr (kBottom == 0) {
    for (size_t g = 0; g < kTreeLanes; ++g) slots[g] = slot0 + static_cast<uint32_t>((g << D) + u[g] - (size_t(1) << kTop));
  } else {
    // Position 16 + b under the top starts block b at its root: w = 16 * b + 1.
#pragma GCC unroll 16
    for (size_t g = 0; g < kTreeLanes; ++g) u[g] = u[g] * kRowBlockNodes - (kRowBlockNodes * kRowBlockNodes - 1);
#pragma GCC unroll 16
    for (int d = 0; d < kBottom; ++d) {
#pragma GCC unroll 16
      for (size_t g = 0; g < kTreeLanes; ++g) u[g] = bottom_step(bottom + g * kBottomNodes, u[g], keys);
    }
    // w = 16 * b + v with v in [2^kBottom, 2^(kBottom + 1)) (v = 16 carries into b):
    // the leaf is b's bits then v's below its leading one.
    for (size_t g = 0; g < kTreeLanes; ++g) {
      if constexpr (kBottom == int(kRowBlockLevels)) {
        slots[g] = slot0 + static_cast<uint32_t>((g << D) + u[g] - kRowBlockNodes);
      } else {
        const size_t b = u[g] / kRowBlockNodes, v = u[g] % kRowBlockNodes;
        slots[g] = slot0 + static_cast<uint32_t>((g << D) + (b << kBottom) + v - (size_t(1) << kBottom));
      }
    }
  }
}

#if POLYSCORE_X86_64
#include "predict/avx512_target_begin.h"

// row_block_keys' ranks by counting with AVX-512 (RowBlockTables::fences): 16 keys
// per compare replace a binary search's chain of dependent loads.
__attribute__((noinline)) void ranks_by_count(const RowBlockTables& blocks, const uint32_t* keys, uint32_t nu,
                                              uint16_t* keys16) {
  for (uint32_t f = 0; f < nu; ++f) {
    const uint32_t key = keys[f + nu];
    const __m512i k = _mm512_set1_epi32(static_cast<int>(key));
    auto below = [&](const uint32_t* p) {
      return uint32_t(__builtin_popcount(_mm512_cmplt_epu32_mask(_mm512_loadu_si512(p), k)));
    };
    const uint32_t* fences = blocks.fences.data() + blocks.fence_begin[f];
    const uint32_t count = blocks.rank_begin[f + 1] - blocks.rank_begin[f];
    uint32_t block = 0;
    for (uint32_t i = 0; i < count / kRowBlockRankBlock; i += kRowBlockRankBlock) block += below(fences + i);
    // The last key is all ones, so the block is one of the feature's own.
    const uint32_t rank = kRowBlockRankBlock * block +
                          below(blocks.rank_keys.data() + blocks.rank_begin[f] + kRowBlockRankBlock * block);
    keys16[f + nu] = static_cast<uint16_t>(rank);
    keys16[f] = keys[f] == key ? static_cast<uint16_t>(rank) : uint16_t(0);
  }
}

#include "predict/avx512_target_end.h"

// ---- The byte walk (RowBlockTables::bytes): a block's 15 nodes at once.
#include "predict/avx512vbmi_target_begin.h"

// As walk_lanes, over the byte blocks, n trees one after the other (no lanes: a tree's
// steps are a permute, a compare and a few bit operations, not a chain of loads).
// top: the top group of the first tree, its place there j0; bottom: the first tree's
// bottom blocks. With values (the heap tables' leaf values), adds each tree's value to
// *sum in tree order instead of writing its slot: the chain of adds then runs beside the
// walk of the trees after it.
template <int D, typename Acc>
__attribute__((noinline)) void walk_bytes(const uint8_t* top, uint32_t j0, const uint8_t* bottom,
                                          const uint8_t* keys8, uint32_t n, uint32_t slot0, uint32_t* slots,
                                          const Acc* values, Acc* sum) {
  constexpr int kTop = D < int(kRowBlockLevels) ? D : int(kRowBlockLevels);
  constexpr int kBottom = D - kTop;
  constexpr size_t kBlockBytes = 2 * kRowBlockNodes;
  constexpr size_t kGroupBytes = kRowByteTopGroup * kBlockBytes;
  const __m512i k0 = _mm512_loadu_si512(keys8), k1 = _mm512_loadu_si512(keys8 + 64);
  // The top blocks of every group the trees touch (trees of one depth: the run is inside
  // one group of the heap tables, whose 16 trees are 4 groups here).
  uint32_t exits[kTreeLanes + kRowByteTopGroup];
  for (uint32_t q = 0; q * kRowByteTopGroup < j0 + n; ++q) {
    const uint8_t* group = top + q * kGroupBytes;
    const __m512i x = _mm512_permutex2var_epi8(k0, _mm512_load_si512(group + kGroupBytes / 2), k1);
    const uint64_t right = _mm512_cmpgt_epu8_mask(x, _mm512_load_si512(group));
    for (uint32_t j = 0; j < kRowByteTopGroup; ++j) {
      exits[q * kRowByteTopGroup + j] = block_exit<kTop>(static_cast<uint32_t>(right >> (kRowBlockNodes * j)));
    }
  }
  Acc total = values ? *sum : Acc(0);
  for (uint32_t g = 0; g < n; ++g) {
    const uint32_t exit = exits[j0 + g];
    uint32_t slot;
    if constexpr (kBottom == 0) {
      slot = slot0 + (g << D) + exit;
    } else {
      const uint8_t* block = bottom + (size_t(g) * kRowBlockNodes + exit) * kBlockBytes;
      slot = slot0 + (g << D) + (exit << kBottom) + block_exit<kBottom>(block_right(block, k0, k1));
    }
    if (values) {
      total += values[slot];
    } else {
      slots[g] = slot;
    }
  }
  if (values) *sum = total;
}

#include "predict/avx512_target_end.h"
#endif  // POLYSCORE_X86_64

// Calls make(std::integral_constant<int, D>) for the depth d <= kRowBlockMaxDepth.
template <typename Make, int D = 0>
void for_block_depth(uint32_t d, Make&& make) {
  if constexpr (D < int(kRowBlockMaxDepth)) {
    if (d != D) return for_block_depth<Make, D + 1>(d, std::forward<Make>(make));
  }
  make(std::integral_constant<int, D>{});
}

}  // namespace

namespace {

void ranks16(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16) {
  const RowBlockTables& blocks = model.row_blocks;
  const uint32_t nu = model.num_used_features();
  if (blocks.keys_are_ranks) {
    for (uint32_t i = 0; i < 2 * nu; ++i) keys16[i] = static_cast<uint16_t>(std::min<uint32_t>(keys[i], 0xffff));
    return;
  }
#if POLYSCORE_X86_64
  if (blocks.count_avx512) {
    ranks_by_count(blocks, keys, nu, keys16);
    return;
  }
#endif
  for (uint32_t f = 0; f < nu; ++f) {
    // The two copies differ only for NaN (key 0 in copy 0, ranked 0 below every node
    // key): one search, of copy 1's key, gives both.
    const uint32_t key = keys[f + nu];
    const uint32_t* first = blocks.rank_keys.data() + blocks.rank_begin[f];
    // How many of the feature's sorted node keys (padding included: never below) are
    // below the key, by a branch-free binary search (as count_below).
    const uint32_t* base = first;
    uint32_t n = blocks.rank_begin[f + 1] - blocks.rank_begin[f];
    while (n > 1) {
      const uint32_t half = n / 2;
      base = base[half] < key ? base + half : base;
      n -= half;
    }
    const uint32_t rank = static_cast<uint32_t>(base - first) + (*base < key);
    keys16[f + nu] = static_cast<uint16_t>(rank);
    keys16[f] = keys[f] == key ? static_cast<uint16_t>(rank) : uint16_t(0);
  }
}

#if POLYSCORE_X86_64
// The byte walk's keys, kRowByteKeys bytes in keys16's place: ranks above the nodes'
// (at most 254) are all alike to them.
void byte_keys(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16) {
  const RowBlockTables& blocks = model.row_blocks;
  uint16_t wide[kRowByteKeys];
  const uint32_t n = 2 * model.num_used_features();
  ranks16(model, keys, wide);
  uint8_t* keys8 = reinterpret_cast<uint8_t*>(keys16);
  narrow_keys(wide, n, keys8);
  const uint32_t extras = static_cast<uint32_t>(blocks.byte_extra_at.size());
  for (uint32_t i = 0; i < extras; ++i) keys8[n + i] = wide[blocks.byte_extra_at[i]] > 255;
}
#endif

}  // namespace

void row_block_keys(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16) {
#if POLYSCORE_X86_64
  if (model.row_blocks.bytes) return byte_keys(model, keys, keys16);
#endif
  ranks16(model, keys, keys16);
}

namespace {

// row_block_slots, or with values row_block_sum.
template <typename Acc>
void row_block_walk(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                    uint32_t* slots, [[maybe_unused]] const Acc* values, [[maybe_unused]] Acc* sum) {
  const RowBlockTables& blocks = model.row_blocks;
  const HeapTables& heap = model.heap;
  static_assert(kTreeLanes == kHeapGroup, "a step walks one group of the heap tables");
  // Trees in runs that stay inside one group of the heap tables, so each run has one
  // depth and its trees' leaf slots follow one another.
  for (uint32_t t = first; t < first + count;) {
    const uint32_t group_end = (t / kHeapGroup + 1) * kHeapGroup;
    const uint32_t run = std::min(group_end, first + count) - t;
#if POLYSCORE_X86_64
    if (blocks.bytes) {
      const uint8_t* keys8 = reinterpret_cast<const uint8_t*>(keys16);
      const uint8_t* top8 = blocks.top_bytes.data() + size_t(t / kRowByteTopGroup) * kRowByteTopGroup * 2 * kRowBlockNodes;
      const uint8_t* bottom8 = blocks.bottom_bytes.data() + size_t(blocks.bottom_begin[t]) * 2;
      for_block_depth(heap.depth[t], [&](auto depth) {
        walk_bytes<decltype(depth)::value, Acc>(top8, t % kRowByteTopGroup, bottom8, keys8, run, heap.slot_begin[t],
                                                slots + (t - first), values, sum);
      });
      t += run;
      continue;
    }
#endif
    // (With the bytes these are released: only the 16-bit walk reads them.)
    const RowBlockNode* top = blocks.top.data() + size_t(t) * kRowBlockNodes;
    const RowBlockNode* bottom = blocks.bottom.data() + blocks.bottom_begin[t];
    uint32_t lanes[kTreeLanes];
    uint32_t* out = run == kTreeLanes ? slots + (t - first) : lanes;
    for_block_depth(heap.depth[t], [&](auto depth) {
      walk_lanes<decltype(depth)::value>(top, bottom, keys16, heap.slot_begin[t], out);
    });
    if (out == lanes) std::copy_n(lanes, run, slots + (t - first));
    t += run;
  }
}

}  // namespace

void row_block_slots(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                     uint32_t* slots) {
  row_block_walk<float>(model, keys16, first, count, slots, nullptr, nullptr);
}

template <typename Acc>
void row_block_sum(const PreparedModel& model, const uint16_t* keys16, uint32_t first, uint32_t count,
                   const Acc* values, Acc& sum) {
  row_block_walk<Acc>(model, keys16, first, count, nullptr, values, &sum);
}
template void row_block_sum<float>(const PreparedModel&, const uint16_t*, uint32_t, uint32_t, const float*, float&);
template void row_block_sum<double>(const PreparedModel&, const uint16_t*, uint32_t, uint32_t, const double*,
                                    double&);

}  // namespace polyscore::key_walk
