#include "predict/key_walk.h"

// x86-64 builds get hand-written steps (inline assembly) and the AVX-512 walks, the
// latter used only where the CPU has AVX-512. Other CPUs, and builds with
// POLYSCORE_PORTABLE (cmake -DPOLYSCORE_PORTABLE=ON, which the test command builds too
// so that the fallback stays tested), get the plain C++ of each step and no AVX-512.
#if defined(__x86_64__) && !defined(POLYSCORE_PORTABLE)
#define POLYSCORE_X86_64 1
#include <immintrin.h>
#else
#define POLYSCORE_X86_64 0
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

namespace polyscore::key_walk {
namespace {

// Order-preserving maps of values to unsigned keys: for non-NaN a and b,
// a > b exactly when key(a) > key(b). -0.0 becomes +0.0 first (they compare equal).
// The keys of -inf and +inf are 0x007fffff.. and 0xff80..00, strictly between 0 and
// the all-ones key, which leaves those two free for NaN.
inline uint32_t key_of(float v) {
  if (v == 0.0f) v = 0.0f;
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 31) ? ~bits : bits | (uint32_t(1) << 31);
}
inline uint64_t key_of(double v) {
  if (v == 0.0) v = 0.0;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (uint64_t(1) << 63);
}
// The key a NaN reads in copy 0 (goes left at every split) and copy 1 (goes right).
constexpr uint32_t kNanLeft = 0;
constexpr uint32_t kNanRight = std::numeric_limits<uint32_t>::max();

// How many of the m sorted keys in `sorted` are below `key`, without a branch to mispredict.
inline uint32_t count_below(const uint64_t* sorted, uint32_t m, uint64_t key) {
  const uint64_t* base = sorted;
  while (m > 1) {
    const uint32_t half = m / 2;
    base = base[half] < key ? base + half : base;
    m -= half;
  }
  return static_cast<uint32_t>(base - sorted) + (*base < key);
}

// Feature f's rank of order key `key` (KeyRanks), by binary search.
inline uint32_t rank_by_search(const KeyRanks& ranks, size_t f, uint64_t key) {
  const KeyRanks::Feature& feature = ranks.features[f];
  return count_below(ranks.keys.data() + feature.keys, feature.count, key);
}

// Feature f's key of the converted value v (KeyRanks; NaN gets some key, which the
// callers replace by kNanLeft or kNanRight); for a threshold of f, the key its nodes
// compare with. A double model's ranks run from 0 (below every threshold:
// left at every split, as NaN's key in copy 0) to m (above every one: right, as in copy 1).
inline uint32_t key_of_value(const PreparedModel& model, size_t f, double v) {
  if (!model.ranks.used) return key_of(static_cast<float>(v));
  return rank_by_search(model.ranks, f, key_of(v));
}

bool set_in_environment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value;
}
bool disabled_by_environment() { return set_in_environment("POLYSCORE_NO_HEAP_WALK"); }

bool cpu_has_avx512() {
#if POLYSCORE_X86_64
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  return false;  // no AVX-512 code in this build
#endif
}

template <typename Acc, typename Tables>
const Acc* values_of(const Tables& tables) {
  if constexpr (sizeof(Acc) == 4) return tables.value32.data();
  else return tables.value64.data();
}

// Whether key x goes right at a node with key `key`. With kCategories the node may be
// categorical: a numeric node reads bit 0 of the zero word (its ref's code_mask is 0),
// a categorical one its bitset's bit for the code and, with the all-ones key, never
// "x > key"; so the two outcomes are or-ed, with no branch on the kind.
template <bool kCategories>
inline bool goes_right(uint32_t x, uint32_t key, const CategoryCodes::Ref* ref, const uint32_t* right_words) {
  if constexpr (!kCategories) {
    return x > key;
  } else {
    const uint32_t code = x & ref->code_mask;
    const uint32_t word = right_words[ref->word + code / 32];
    return ((word >> (code % 32)) & 1u) | (x > key);
  }
}

// How a walk by keys reads a split: the key it compares with and where it reads the
// row's key (a categorical node: the all-ones key, see goes_right; the code from copy 0;
// its bitset is in CategoryCodes).
HeapNode split_of(const PreparedModel& model, const WalkNode& w) {
  const uint32_t feature = w.feature_flags & kWalkFeatureMask;
  if (w.feature_flags & kWalkCategorical) return {kNanRight, feature * uint32_t(kBlockRows)};
  const bool nan_right = (w.feature_flags & kWalkNanAsZero) ? 0.0 > w.threshold
                                                            : (w.feature_flags & kWalkNanGoesRight) != 0;
  return {key_of_value(model, feature, w.threshold),
          (feature + (nan_right ? model.num_used_features() : 0)) * uint32_t(kBlockRows)};
}
CategoryCodes::Ref category_ref_of(const PreparedModel& model, uint32_t node) {
  if (!(model.walk.nodes[node].feature_flags & kWalkCategorical)) return {0, 0};
  return {model.category_codes.word_of_node[node], ~0u};
}

// Whether the CPU has AVX-512 and the environment does not turn it off.
bool avx512_allowed() { return cpu_has_avx512() && !set_in_environment("POLYSCORE_NO_AVX512"); }

// Whether batches may walk top levels with AVX-512: avx512_allowed, and any category
// bitset fits one register (512 bits).
bool vector_walk_allowed(const PreparedModel& model) {
  return avx512_allowed() && (!model.category_codes.any || model.category_codes.bitset_words() <= 16);
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

// Per tree: the depth of the deepest tree of its group, or an empty vector when the
// model does not qualify.
std::vector<uint32_t> group_depths(const PreparedModel& model) {
  const WalkTables& walk = model.walk;
  const bool categories_ok = !(walk.kinds & kWalkHasCategorical) || model.category_codes.any;
  if (!walk.usable || !categories_ok || model.forest->leaf_size != 1 ||
      model.forest->has_linear || model.forest->trees.empty() ||
      2 * uint64_t(model.num_used_features()) * kBlockRows > std::numeric_limits<uint32_t>::max()) {
    return {};
  }
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
  if (model.forest->arithmetic.float32) {
    // 32-bit keys compare float x with float thresholds: exact only if every threshold
    // is a float (XGBoost's are).
    for (const WalkNode& w : walk.nodes) {
      if (!(w.feature_flags & kWalkCategorical) &&
          static_cast<double>(static_cast<float>(w.threshold)) != w.threshold) {
        return {};
      }
    }
  }
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
  heap.leaf.assign(slots, 0);
  for (size_t t = 0; t < num_trees; ++t) {
    const uint32_t node_base = heap.node_begin[t], slot_base = heap.slot_begin[t];
    auto split = [&](uint32_t p, uint32_t node) {
      heap.nodes[node_base + p] = split_of(model, model.walk.nodes[node]);
      if (!heap.category.empty()) heap.category[node_base + p] = category_ref_of(model, node);
    };
    auto leaf = [&](uint32_t first, uint32_t width, uint32_t node) {
      std::fill_n(heap.leaf.begin() + slot_base + first, width, model.forest->nodes[node].child_or_leaf);
    };
    lay_out_in_heap_order(model, model.forest->trees[t], heap.depth[t], 0, 0, 0, split, leaf);
  }
  // Leaf values as the predictor adds them: weight * value, rounded to the model's sum type.
  if (wide) heap.value64.resize(slots);
  else heap.value32.resize(slots);
  for (size_t t = 0; t < num_trees; ++t) {
    const uint32_t end = heap.slot_begin[t] + (1u << heap.depth[t]);
    for (uint32_t s = heap.slot_begin[t]; s < end; ++s) {
      const double value = model.forest->trees[t].weight * model.forest->leaf_values[heap.leaf[s]];
      if (wide) heap.value64[s] = value;
      else heap.value32[s] = static_cast<float>(value);
    }
  }
  heap.vector_top_levels = vector_walk_allowed(model);
  heap.usable = true;
  model.heap = std::move(heap);
}

// ---- The walks. D, the depth, is a compile-time constant so that the levels unroll.

// Rows the block walk moves side by side through one tree: enough independent chains
// of loads to keep the core busy, few enough to stay in registers.
constexpr int kRowLanes = 8;

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

// ---- The top levels with AVX-512. All rows start at the root, so level k has only
// 2^k nodes: each lane's key comes from 2^k plain vector loads (one per node's feature)
// and a blend tree on the lane's position, instead of one dependent load per lane.
// Everything down to the matching pop is compiled for AVX-512 (and runs only when the
// CPU has it: HeapTables::vector_top_levels).
#if POLYSCORE_X86_64
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
// GCC 12 warns inside its own headers about the _mm512_undefined_* sources of some
// intrinsics (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// 16 rows of 32-bit keys.
struct Keys32x16 {
  using M = __mmask16;
  static constexpr int kLanes = 16;
  static __m512i set1(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static __m512i add(__m512i a, __m512i b) { return _mm512_add_epi32(a, b); }
  static __m512i sub(__m512i a, __m512i b) { return _mm512_sub_epi32(a, b); }
  static __m512i add_where(M m, __m512i a, __m512i b) { return _mm512_mask_add_epi32(a, m, a, b); }
  static M test(__m512i a, __m512i b) { return _mm512_test_epi32_mask(a, b); }
  static __m512i blend(M m, __m512i a, __m512i b) { return _mm512_mask_blend_epi32(m, a, b); }
  static M greater(__m512i a, __m512i b) { return _mm512_cmpgt_epu32_mask(a, b); }
  // The key of node j of a level, from its nodes (8-byte HeapNodes: keys at even dwords).
  static __m512i node_keys(__m512i j, __m512i lo, __m512i hi) {
    return _mm512_permutex2var_epi32(lo, _mm512_add_epi32(j, j), hi);
  }
  static void store_positions(uint32_t* pos, __m512i p) { _mm512_storeu_si512(pos, p); }
  // Bit `code` of a 512-bit bitset held in one register, for each lane.
  static M bit(__m512i code, __m512i bits) {
    const __m512i word = _mm512_permutexvar_epi32(_mm512_srli_epi32(code, 5), bits);
    return _mm512_test_epi32_mask(_mm512_srlv_epi32(word, _mm512_and_si512(code, set1(31))), set1(1));
  }
};

// walk_top_levels (below) for models with categorical splits: each of a level's nodes
// decides for all lanes (a compare, or a lookup in its bitset), then each lane's own
// node's decision is picked by a select tree on the lane's position.
template <int kLevels>
void walk_top_levels_with_categories(const HeapNode* nodes,
                                     const CategoryCodes::Ref* refs, const uint32_t* right_words,
                                     uint32_t bitset_words, const uint32_t* keys, size_t n,
                                     uint32_t* pos) {
  using S = Keys32x16;
  using M = S::M;
  constexpr int kNodes = (1 << kLevels) - 1;
  uint32_t offset[kNodes];
  __m512i key[kNodes];
  for (int j = 0; j < kNodes; ++j) {
    offset[j] = nodes[j].offset;
    key[j] = S::set1(nodes[j].key);
  }
  const __m512i one = S::set1(1);
  for (size_t r = 0; r < n; r += S::kLanes) {
    __m512i p = S::set1(0);
#pragma GCC unroll 8
    for (int k = 0; k < kLevels; ++k) {
      const int first = (1 << k) - 1;
      const __m512i j = S::sub(p, S::set1(first));
      M right[1 << (kLevels - 1)];
#pragma GCC unroll 16
      for (int c = 0; c < (1 << k); ++c) {
        const __m512i x = _mm512_loadu_si512(keys + offset[first + c] + r);
        const CategoryCodes::Ref& ref = refs[first + c];
        if (ref.code_mask) {
          // Only the node's own words are read (bitset_words <= 16: checked at build).
          const __m512i bits = _mm512_maskz_loadu_epi32(__mmask16((1u << bitset_words) - 1),
                                                        right_words + ref.word);
          right[c] = S::bit(x, bits);
        } else {
          right[c] = S::greater(x, key[first + c]);
        }
      }
#pragma GCC unroll 4
      for (int b = 0; b < k; ++b) {
        const M odd = S::test(j, S::set1(1u << b));
#pragma GCC unroll 8
        for (int c = 0; c < (1 << (k - b - 1)); ++c) {
          right[c] = M((right[2 * c] & ~odd) | (right[2 * c + 1] & odd));
        }
      }
      p = S::add_where(right[0], S::add(S::add(p, p), one), one);
    }
    S::store_positions(pos + r, p);
  }
}

// Rows [0, n) of a block (rounded up to whole vectors) through the first kLevels levels
// of a tree: writes each row's heap position to pos.
template <int kLevels, bool kCategories>
__attribute__((noinline)) void walk_top_levels(const HeapNode* nodes,
                                               const CategoryCodes::Ref* refs,
                                               const uint32_t* right_words, uint32_t bitset_words,
                                               const uint32_t* keys, size_t n, uint32_t* pos) {
  if constexpr (kCategories) {
    walk_top_levels_with_categories<kLevels>(nodes, refs, right_words, bitset_words, keys, n, pos);
    return;
  }
  using S = Keys32x16;
  static_assert(kLevels >= 1 && (int(sizeof(HeapNode)) << (kLevels - 1)) <= 128,
                "the nodes of a level are read as two vectors");
  constexpr int kNodes = (1 << kLevels) - 1;
  constexpr int kLevelBytes = 128;  // two vectors
  uint32_t offset[kNodes];
  for (int j = 0; j < kNodes; ++j) offset[j] = nodes[j].offset;
  __m512i level_lo[kLevels], level_hi[kLevels];
  for (int k = 0; k < kLevels; ++k) {
    const int first = (1 << k) - 1, bytes = int(sizeof(HeapNode)) << k;
    const char* start = reinterpret_cast<const char*>(nodes + first);
    // Only the level's own bytes are read (the tree may end right after them).
    const __mmask64 lo_bytes = bytes >= 64 ? ~__mmask64(0) : (__mmask64(1) << bytes) - 1;
    const __mmask64 hi_bytes = bytes >= kLevelBytes ? ~__mmask64(0)
                               : bytes > 64         ? (__mmask64(1) << (bytes - 64)) - 1
                                                    : 0;
    level_lo[k] = _mm512_maskz_loadu_epi8(lo_bytes, start);
    level_hi[k] = _mm512_maskz_loadu_epi8(hi_bytes, start + 64);
  }
  const __m512i one = S::set1(1);
  for (size_t r = 0; r < n; r += S::kLanes) {
    __m512i p = S::set1(0);
#pragma GCC unroll 8
    for (int k = 0; k < kLevels; ++k) {
      const int first = (1 << k) - 1;
      const __m512i j = S::sub(p, S::set1(first));
      __m512i x[1 << (kLevels - 1)];
#pragma GCC unroll 16
      for (int c = 0; c < (1 << k); ++c) x[c] = _mm512_loadu_si512(keys + offset[first + c] + r);
#pragma GCC unroll 4
      for (int bit = 0; bit < k; ++bit) {
        const auto m = S::test(j, S::set1(1u << bit));
#pragma GCC unroll 8
        for (int c = 0; c < (1 << (k - bit - 1)); ++c) x[c] = S::blend(m, x[2 * c], x[2 * c + 1]);
      }
      const auto right = S::greater(x[0], S::node_keys(j, level_lo[k], level_hi[k]));
      p = S::add_where(right, S::add(S::add(p, p), one), one);
    }
    S::store_positions(pos + r, p);
  }
}

// Ranks (KeyRanks) by counting: the fences below a key give its block, the keys below
// it in that block its place there. Compares of 8 keys at a time replace a binary
// search's chain of dependent loads, so the features of a row overlap.
inline uint32_t rank_by_count(const KeyRanks& ranks, size_t f, uint64_t key) {
  const KeyRanks::Feature& feature = ranks.features[f];
  const __m512i k = _mm512_set1_epi64(static_cast<long long>(key));
  auto below = [&](const uint64_t* p) {
    return uint32_t(__builtin_popcount(_mm512_cmplt_epu64_mask(_mm512_loadu_si512(p), k)));
  };
  const uint64_t* fences = ranks.fences.data() + feature.fences;
  const uint32_t blocks = feature.count / KeyRanks::kBlock;
  uint32_t block = 0;
  for (uint32_t i = 0; i < blocks; i += KeyRanks::kFenceVector) block += below(fences + i);
  // The last fence is all ones, so the block is one of the feature's own.
  const uint64_t* keys = ranks.keys.data() + feature.keys + KeyRanks::kBlock * block;
  return KeyRanks::kBlock * block + below(keys) + below(keys + 8);
}

// out[i] = the rank of feature f's value x[i * stride], for i < n (NaN: any rank).
__attribute__((noinline)) void ranks_by_count(const KeyRanks& ranks, size_t f, const double* x,
                                              size_t stride, size_t n, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = rank_by_count(ranks, f, key_of(x[i * stride]));
}

// out[f] = the rank of feature f's value row[f], for f < n (NaN: any rank).
__attribute__((noinline)) void row_ranks_by_count(const KeyRanks& ranks, const double* row, size_t n,
                                                  uint32_t* out) {
  for (size_t f = 0; f < n; ++f) out[f] = rank_by_count(ranks, f, key_of(row[f]));
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
#endif  // POLYSCORE_X86_64

// Calls walk(std::bool_constant<the model has categorical splits>).
template <typename Walk>
void with_categories(const PreparedModel& model, Walk&& walk) {
  if (model.category_codes.any) {
    walk(std::true_type{});
  } else {
    walk(std::false_type{});
  }
}

// Rows [0, n) of a block (keys) through tree t of depth D: the heap position each
// reaches goes to pos (room for kBlockRows).
template <int D, bool kCategories>
void walk_block(const PreparedModel& model, uint32_t t, const uint32_t* keys, size_t n, uint32_t* pos) {
  const HeapTables& heap = model.heap;
  const HeapNode* nodes = heap.nodes.data() + heap.node_begin[t];
  const CategoryCodes::Ref* refs = kCategories ? heap.category.data() + heap.node_begin[t] : nullptr;
  const uint32_t* words = model.category_codes.right_words.data();
  constexpr int kTop = std::min(D, kVectorLevels);
  if (kTop > 0 && heap.vector_top_levels) {
#if POLYSCORE_X86_64
    if constexpr (kTop > 0) {
      walk_top_levels<kTop, kCategories>(nodes, refs, words, model.category_codes.bitset_words(), keys, n, pos);
    }
#endif
    for (size_t r = 0; r < n; r += kRowLanes) {
      walk_rows<D - kTop, kCategories>(nodes, refs, words, keys + r, pos + r);
    }
  } else {
    std::fill_n(pos, kBlockRows, 0u);
    for (size_t r = 0; r < n; r += kRowLanes) walk_rows<D, kCategories>(nodes, refs, words, keys + r, pos + r);
  }
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

// Trees a single row walks side by side (16 beat 8 here, spilling a few lanes or not).
constexpr uint32_t kTreeLanes = 16;

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

// One step of the linked walk from node i. A batch reads x from its row's column of the
// block (keys: the row's first key); a single row (kOneRow) reads keys[offset / kBlockRows].
template <bool kCategories, bool kOneRow>
inline size_t linked_step(const PreparedModel& model, const LinkedNode* nodes, size_t i,
                          const uint32_t* keys) {
  const LinkedNode& node = nodes[i];
  const uint32_t x = kOneRow ? keys[node.offset / kBlockRows] : keys[node.offset];
  if constexpr (!kCategories) return child_if_below(node, x);
  return node.child + goes_right<kCategories>(x, node.key, model.linked.category.data() + i,
                                              model.category_codes.right_words.data());
}

// kLanes walks of the linked tables for `depth` steps from the nodes start[]: leaves in
// at[] the node each reached. A batch (kOneRow false) walks rows of a block side by side
// (lane g reads keys + g: keys is the first row's column); a single row walks trees
// side by side. Leaves are self-loops, so walks that arrive early stay put; and since
// deep leaf-wise trees have a few long branches that most walks never take, every
// kExitCheck steps the walk stops if no lane moved.
template <bool kCategories, bool kOneRow, int kLanes>
__attribute__((noinline)) void walk_linked_lanes(const PreparedModel& model, const uint32_t* start,
                                                 uint32_t depth, const uint32_t* keys, uint32_t* at) {
  const LinkedNode* nodes = model.linked.nodes.data();
  size_t i[kLanes];
  for (int g = 0; g < kLanes; ++g) i[g] = start[g];
  constexpr uint32_t kExitCheck = 4;
  for (uint32_t d = 0; d < depth;) {
    const uint32_t last = std::min(depth, d + kExitCheck) - 1;
    for (; d < last; ++d) {
#pragma GCC unroll 16
      for (int g = 0; g < kLanes; ++g) {
        i[g] = linked_step<kCategories, kOneRow>(model, nodes, i[g], kOneRow ? keys : keys + g);
      }
    }
    size_t moved = 0;
#pragma GCC unroll 16
    for (int g = 0; g < kLanes; ++g) {
      const size_t next = linked_step<kCategories, kOneRow>(model, nodes, i[g], kOneRow ? keys : keys + g);
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
  if (linked.vector_top_levels) {
    constexpr uint32_t kTop = kLinkedTopLevels, kTopNodes = (1u << kTop) - 1;
    const HeapNode* top = linked.top.data() + size_t(t) * kTopNodes;
    const CategoryCodes::Ref* refs = kCategories ? linked.top_category.data() + size_t(t) * kTopNodes : nullptr;
    uint32_t pos[kBlockRows];
    walk_top_levels<kTop, kCategories>(top, refs, model.category_codes.right_words.data(),
                                       model.category_codes.bitset_words(), keys, n, pos);
    const uint32_t* exit = linked.top_exit.data() + (size_t(t) << kTop) - kTopNodes;
    // Every lane the walk below takes, rows past n too (it walks whole groups of
    // kRowLanes; walk_top_levels gave positions to whole vectors of 16 rows).
    const size_t lanes = (n + kRowLanes - 1) / kRowLanes * kRowLanes;
    for (size_t r = 0; r < lanes; ++r) start[r] = exit[pos[r]];
    steps = depth > kTop ? depth - kTop : 0;
    walked_top = true;
  }
#endif
  if (!walked_top) std::fill_n(start, kBlockRows, model.forest->trees[t].node_begin);
  for (size_t r = 0; r < n; r += kRowLanes) {
    walk_linked_lanes<kCategories, false, kRowLanes>(model, start + r, steps, keys + r, at + r);
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

// Calls make<D>() for the tree depth d (0 <= d <= kMaxHeapDepth) and returns its result.
template <typename Make, int D = 0>
auto for_depth(uint32_t d, Make&& make) {
  if constexpr (D < int(kMaxHeapDepth)) {
    if (d != D) return for_depth<Make, D + 1>(d, std::forward<Make>(make));
  }
  return make(std::integral_constant<int, D>{});
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

// The code (CategoryCodes) of a categorical feature's value v, converted.
uint32_t category_code(const CategoryCodes& cc, double v) {
  if (std::isnan(v)) return cc.codes + 1;
  const double lowest = cc.lightgbm ? -1.0 : 0.0;
  if ((v > lowest || v == 0.0) && v < cc.codes) return static_cast<uint32_t>(v < 0.0 ? 0.0 : v);
  return cc.codes;
}

bool reads_category(const PreparedModel& model, size_t f) {
  return model.category_codes.any && model.category_codes.categorical_feature[f];
}

// Appends to cc.right_words the bitset over the codes of categorical node w: code c
// goes right as walk_step in predictor.cc would send a value of category c.
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

void build_linked(PreparedModel& model) {
  LinkedTables linked;
  const bool wide = !model.forest->arithmetic.float32;
  if (model.category_codes.any) linked.category.assign(model.forest->nodes.size(), {0, 0});
  auto& nodes = linked.nodes;
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
      if (model.category_codes.any) linked.category[i] = category_ref_of(model, i);
    }
  }
  if (vector_walk_allowed(model)) {
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
    linked.vector_top_levels = true;
  }
  linked.usable = true;
  model.linked = std::move(linked);
}

}  // namespace

void build_category_codes(PreparedModel& model) {
  CategoryCodes cc;
  const WalkTables& walk = model.walk;
  if (disabled_by_environment() || !walk.usable || !(walk.kinds & kWalkHasCategorical)) {
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
  cc.right_words.assign(1, 0u);  // the zero word numeric nodes read
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
  std::vector<std::vector<uint64_t>> thresholds(model.num_used_features());
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const WalkNode& w = walk.nodes[i];
    if (w.child == i || (w.feature_flags & kWalkCategorical)) continue;
    thresholds[w.feature_flags & kWalkFeatureMask].push_back(key_of(w.threshold));
  }
  constexpr uint64_t kAllOnes = std::numeric_limits<uint64_t>::max();
  KeyRanks ranks;
  // One block of all-ones keys and a vector of all-ones fences, shared by the features
  // without thresholds.
  ranks.keys.assign(KeyRanks::kBlock, kAllOnes);
  ranks.fences.assign(KeyRanks::kFenceVector, kAllOnes);
  ranks.features.assign(model.num_used_features(), {0, KeyRanks::kBlock, 0});
  for (size_t f = 0; f < thresholds.size(); ++f) {
    std::vector<uint64_t>& keys = thresholds[f];
    if (keys.empty()) continue;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    keys.resize((keys.size() / KeyRanks::kBlock + 1) * KeyRanks::kBlock, kAllOnes);
    ranks.features[f] = {static_cast<uint32_t>(ranks.keys.size()), static_cast<uint32_t>(keys.size()),
                         static_cast<uint32_t>(ranks.fences.size())};
    for (size_t b = KeyRanks::kBlock - 1; b < keys.size(); b += KeyRanks::kBlock) ranks.fences.push_back(keys[b]);
    const size_t vectors = (ranks.fences.size() - ranks.features[f].fences + KeyRanks::kFenceVector - 1) /
                           KeyRanks::kFenceVector;
    ranks.fences.resize(ranks.features[f].fences + vectors * KeyRanks::kFenceVector, kAllOnes);
    ranks.keys.insert(ranks.keys.end(), keys.begin(), keys.end());
  }
  ranks.used = true;
  ranks.vector = avx512_allowed();
  model.ranks = std::move(ranks);
}

void build_linked_tables(PreparedModel& model) {
  model.linked = LinkedTables();
  const WalkTables& walk = model.walk;
  if (disabled_by_environment() || model.heap.usable || !walk.usable ||
      ((walk.kinds & kWalkHasCategorical) && !model.category_codes.any) ||
      model.forest->leaf_size != 1 || model.forest->has_linear || model.forest->trees.empty() ||
      2 * uint64_t(model.num_used_features()) * kBlockRows > std::numeric_limits<uint32_t>::max()) {
    return;
  }
  if (model.forest->arithmetic.float32) {
    for (const WalkNode& w : walk.nodes) {
      if (!(w.feature_flags & kWalkCategorical) &&
          static_cast<double>(static_cast<float>(w.threshold)) != w.threshold) {
        return;
      }
    }
  }
  build_linked(model);
}

void build_heap_tables(PreparedModel& model) {
  model.heap = HeapTables();
  if (disabled_by_environment()) return;
  std::vector<uint32_t> depth = group_depths(model);
  if (depth.empty()) return;
  build(model, std::move(depth));
}

void block_keys(const PreparedModel& model, const double* x, size_t n, uint32_t* keys) {
  const size_t nf = model.num_used_features();
  const KeyRanks& ranks = model.ranks;
  for (size_t f = 0; f < nf; ++f) {
    uint32_t* left = keys + f * kBlockRows;
    uint32_t* right = keys + (f + nf) * kBlockRows;
    if (reads_category(model, f)) {
      for (size_t r = 0; r < n; ++r) left[r] = right[r] = category_code(model.category_codes, x[r * nf + f]);
      continue;
    }
    if (ranks.vector) {
#if POLYSCORE_X86_64
      ranks_by_count(ranks, f, x + f, nf, n, left);
#endif
    } else {
      for (size_t r = 0; r < n; ++r) left[r] = key_of_value(model, f, x[r * nf + f]);
    }
    for (size_t r = 0; r < n; ++r) {
      const bool nan = std::isnan(x[r * nf + f]);
      right[r] = nan ? kNanRight : left[r];
      left[r] = nan ? kNanLeft : left[r];
    }
  }
}

void row_keys(const PreparedModel& model, const double* row, uint32_t* keys) {
  const size_t nf = model.num_used_features();
  if (model.ranks.vector) {
#if POLYSCORE_X86_64
    row_ranks_by_count(model.ranks, row, nf, keys);
#endif
  } else {
    for (size_t f = 0; f < nf; ++f) keys[f] = key_of_value(model, f, row[f]);
  }
  for (size_t f = 0; f < nf; ++f) {
    const double v = row[f];
    if (reads_category(model, f)) {
      keys[f] = keys[f + nf] = category_code(model.category_codes, v);
      continue;
    }
    const bool nan = std::isnan(v);
    keys[f + nf] = nan ? kNanRight : keys[f];
    keys[f] = nan ? kNanLeft : keys[f];
  }
}

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
  for (uint32_t lane0 = 0; lane0 < count; lane0 += kTreeLanes) {
    // Lanes past count walk the last tree again.
    uint32_t roots[kTreeLanes], at[kTreeLanes], depth = 0;
    for (uint32_t g = 0; g < kTreeLanes; ++g) {
      const uint32_t t = first + std::min(lane0 + g, count - 1);
      roots[g] = model.forest->trees[t].node_begin;
      depth = std::max(depth, model.walk.depth[t]);
    }
    with_categories(model, [&](auto categories) {
      walk_linked_lanes<decltype(categories)::value, true, kTreeLanes>(model, roots, depth, keys, at);
    });
    for (uint32_t g = 0; g < kTreeLanes && lane0 + g < count; ++g) leaves[lane0 + g] = at[g];
  }
}

}  // namespace polyscore::key_walk
