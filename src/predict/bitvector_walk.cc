#include "predict/bitvector_walk.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "predict/key_step.h"

namespace polyscore::key_walk {
namespace {

template <typename Acc>
const Acc* values_of(const BitvectorTables& bv) {
  if constexpr (sizeof(Acc) == 4) return bv.value32.data();
  else return bv.value64.data();
}

// ---- Portable: kRowLanes rows side by side, a split's test and mask in scalar code.

// Rows [r0, r0 + kRowLanes) of a block (keys) through tree t: the leaf slot of each in
// slots[0, kRowLanes). Lanes past the block's rows read stale keys; their slots are
// valid (any keys lead to exactly one leaf) and ignored.
void scalar_slots(const BitvectorTables& bv, uint32_t t, const uint32_t* keys, size_t r0, uint32_t* slots) {
  uint64_t leaves[kRowLanes];
  std::fill_n(leaves, kRowLanes, ~uint64_t(0));
  const uint32_t end = bv.split_begin[t] + bv.splits[t];
  for (uint32_t i = bv.split_begin[t]; i < end; ++i) {
    const uint32_t* x = keys + bv.offset[i] + r0;
    const uint32_t key = bv.key[i];
    const uint64_t keep = bv.keep[i];
    for (int g = 0; g < kRowLanes; ++g) {
      // keep where x > key, all ones where not.
      leaves[g] &= keep | (uint64_t(x[g] > key) - 1);
    }
  }
  for (int g = 0; g < kRowLanes; ++g) slots[g] = t * kBitvectorLeaves + uint32_t(__builtin_clzll(leaves[g]));
}

template <typename Acc>
void scalar_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                      uint32_t tree_begin, uint32_t tree_end, Acc* margins) {
  const Acc* values = values_of<Acc>(bv);
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    Acc* m = margins + size_t(model.forest->trees[t].output) * kBlockRows;
    for (size_t r0 = 0; r0 < n; r0 += kRowLanes) {
      uint32_t slots[kRowLanes];
      scalar_slots(bv, t, keys, r0, slots);
      for (size_t g = 0; g < size_t(kRowLanes) && r0 + g < n; ++g) m[r0 + g] += values[slots[g]];
    }
  }
}

// ---- One row's categorical splits (BitvectorTables::categorical), in scalar code.

// The and of the keep masks of tree t's categorical splits that send one row right:
// its code (keys[at], 32-bit keys or 16-bit ones, where a code fits) picks a bit of the
// split's bitset, and the mask is and-ed without a branch.
template <typename Key>
uint64_t category_leaves(const BitvectorTables& bv, const uint32_t* right_words, const Key* keys, uint32_t t) {
  uint64_t leaves = ~uint64_t(0);
  for (uint32_t j = bv.category_begin[t]; j < bv.category_begin[t + 1]; ++j) {
    const BitvectorCategorySplit& split = bv.category_splits[j];
    const uint32_t code = keys[split.at];
    const uint32_t right = (right_words[split.word + code / 32] >> (code % 32)) & 1u;
    leaves &= split.keep | (uint64_t(right) - 1);
  }
  return leaves;
}

// ---- AVX-512: 16 rows per compare, the halves of 16 rows' leaf sets in two registers.
#if POLYSCORE_X86_64
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512cd,avx512bw,avx512dq,avx512vl"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512cd,avx512bw,avx512dq,avx512vl")
#pragma GCC diagnostic push
// GCC 12 warns inside its own headers about the _mm512_undefined_* sources of the
// gathers (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

// The leaf slots of 16 rows in tree t from the halves of their leaf sets: the leaf number
// is the leading zeros of the high half, or 32 and those of the low half where the high
// half is empty (vplzcntd of 0 is 32).
inline __m512i leaf_slots(__m512i high, __m512i low, uint32_t t) {
  const __m512i zeros = _mm512_lzcnt_epi32(high);
  const __m512i leaf = _mm512_mask_add_epi32(zeros, _mm512_cmpeq_epi32_mask(zeros, _mm512_set1_epi32(32)), zeros,
                                             _mm512_lzcnt_epi32(low));
  return _mm512_add_epi32(leaf, _mm512_set1_epi32(static_cast<int>(t * kBitvectorLeaves)));
}

// The first 16 * kGroups rows of a block (keys) through tree t: the leaf slot of row
// 16g + i is lane i of slots[g]. A row's leaf set sits in two 32-bit lanes, its high half
// (leaves 0-31) in high[g] and its low half (leaves 32-63) in low[g], so a compare's mask
// of 16 rows selects the lanes of both directly (where 64-bit lanes took it in two
// halves, shifted, for 8 rows each).
template <int kGroups>
inline void vector_slots(const BitvectorTables& bv, uint32_t t, const uint32_t* keys, __m512i* slots) {
  __m512i high[kGroups], low[kGroups];
  for (int g = 0; g < kGroups; ++g) high[g] = low[g] = _mm512_set1_epi32(-1);
  const uint32_t end = bv.split_begin[t] + bv.splits[t];
  for (uint32_t i = bv.split_begin[t]; i < end; ++i) {
    const uint32_t* x = keys + bv.offset[i];
    const __m512i key = _mm512_set1_epi32(static_cast<int>(bv.key[i]));
    const __m512i keep_high = _mm512_set1_epi32(static_cast<int>(bv.keep[i] >> 32));
    const __m512i keep_low = _mm512_set1_epi32(static_cast<int>(bv.keep[i]));
    for (int g = 0; g < kGroups; ++g) {
      const __mmask16 right = _mm512_cmpgt_epu32_mask(_mm512_loadu_si512(x + 16 * g), key);
      high[g] = _mm512_mask_and_epi32(high[g], right, high[g], keep_high);
      low[g] = _mm512_mask_and_epi32(low[g], right, low[g], keep_low);
    }
  }
  for (int g = 0; g < kGroups; ++g) slots[g] = leaf_slots(high[g], low[g], t);
}

// As vector_slots, on the block's keys narrowed to 16 bits (BitvectorTables::batches16,
// keys16 from narrow_keys): 32 rows per compare, the mask's halves for groups 2p, 2p + 1.
// kCategories: a categorical model's tables (BitvectorTables::category_vector), whose
// numeric splits are in key16 and at16 (key and offset are released), and whose
// categorical splits send a row right when its code's bit is set in the split's 128-bit
// set: the code (below 128, category_vector) picks one of the set's 8 words by a permute
// and its bit by a shift, 32 rows per step.
template <int kPairs, bool kCategories>
inline void vector_slots16(const BitvectorTables& bv, uint32_t t, const uint16_t* keys16, __m512i* slots) {
  __m512i high[2 * kPairs], low[2 * kPairs];
  for (int g = 0; g < 2 * kPairs; ++g) high[g] = low[g] = _mm512_set1_epi32(-1);
  // Ands a split's keep mask into the leaf sets of the rows of pair p its mask sends right.
  auto keep_where = [&](int p, __mmask32 right, __m512i keep_high, __m512i keep_low) {
    const __mmask16 first = static_cast<__mmask16>(right), second = static_cast<__mmask16>(right >> 16);
    high[2 * p] = _mm512_mask_and_epi32(high[2 * p], first, high[2 * p], keep_high);
    low[2 * p] = _mm512_mask_and_epi32(low[2 * p], first, low[2 * p], keep_low);
    high[2 * p + 1] = _mm512_mask_and_epi32(high[2 * p + 1], second, high[2 * p + 1], keep_high);
    low[2 * p + 1] = _mm512_mask_and_epi32(low[2 * p + 1], second, low[2 * p + 1], keep_low);
  };
  const uint32_t end = bv.split_begin[t] + bv.splits[t];
  for (uint32_t i = bv.split_begin[t]; i < end; ++i) {
    const uint16_t* x;
    __m512i key;
    // Below 0xffff (batches16): compares with a row's key narrowed as the 32-bit keys do.
    if constexpr (kCategories) {
      x = keys16 + size_t(bv.at16[i]) * kBlockRows;
      key = _mm512_set1_epi16(static_cast<short>(bv.key16[i]));
    } else {
      x = keys16 + bv.offset[i];
      key = _mm512_set1_epi16(static_cast<short>(bv.key[i]));
    }
    const __m512i keep_high = _mm512_set1_epi32(static_cast<int>(bv.keep[i] >> 32));
    const __m512i keep_low = _mm512_set1_epi32(static_cast<int>(bv.keep[i]));
    for (int p = 0; p < kPairs; ++p) {
      keep_where(p, _mm512_cmpgt_epu16_mask(_mm512_loadu_si512(x + 32 * p), key), keep_high, keep_low);
    }
  }
  if constexpr (kCategories) {
    const __m512i bit_of_word = _mm512_set1_epi16(15), one = _mm512_set1_epi16(1);
    for (uint32_t j = bv.category_begin[t]; j < bv.category_begin[t + 1]; ++j) {
      // The set in each 128-bit lane: a code's word (code / 16 < 8) is picked in any lane.
      const __m512i set = _mm512_broadcast_i32x4(_mm_set_epi64x(static_cast<long long>(bv.category_high[j]),
                                                                static_cast<long long>(bv.category_low[j])));
      const uint16_t* x = keys16 + size_t(bv.category_at[j]) * kBlockRows;
      const __m512i keep_high = _mm512_set1_epi32(static_cast<int>(bv.category_keep[j] >> 32));
      const __m512i keep_low = _mm512_set1_epi32(static_cast<int>(bv.category_keep[j]));
      for (int p = 0; p < kPairs; ++p) {
        const __m512i code = _mm512_loadu_si512(x + 32 * p);
        const __m512i word = _mm512_permutexvar_epi16(_mm512_srli_epi16(code, 4), set);
        const __m512i bit = _mm512_srlv_epi16(word, _mm512_and_si512(code, bit_of_word));
        keep_where(p, _mm512_test_epi16_mask(bit, one), keep_high, keep_low);
      }
    }
  }
  for (int g = 0; g < 2 * kPairs; ++g) slots[g] = leaf_slots(high[g], low[g], t);
}

// A block's keys (2 * nu * kBlockRows) narrowed to 16 bits, min(key, 0xffff): where every
// split's key is below 0xffff a narrowed key goes the same way at every split (NaN's
// all-ones key becomes 0xffff, still above every split).
void narrow_keys(const uint32_t* keys, size_t count, uint16_t* keys16) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys16 + i), _mm512_cvtusepi32_epi16(_mm512_loadu_si512(keys + i)));
  }
  for (; i < count; ++i) keys16[i] = static_cast<uint16_t>(std::min<uint32_t>(keys[i], 0xffff));
}

// Rows [0, 16 * kGroups) of a block through tree t: keys as the block's 32-bit keys, or,
// kNarrow, as narrow_keys made them. kCategories: a categorical model's (16-bit keys only).
template <int kGroups, bool kNarrow, bool kCategories>
inline void block_slots_of(const BitvectorTables& bv, uint32_t t, const void* keys, __m512i* slots) {
  if constexpr (kNarrow) {
    static_assert(kGroups % 2 == 0, "16-bit keys fill pairs of groups");
    vector_slots16<kGroups / 2, kCategories>(bv, t, static_cast<const uint16_t*>(keys), slots);
  } else {
    static_assert(!kCategories, "categorical splits are tested on 16-bit keys");
    vector_slots<kGroups>(bv, t, static_cast<const uint32_t*>(keys), slots);
  }
}

// Adds the values of 16 rows' leaf slots (a double model's gathered 8 at a time) to m[0, 16).
inline void add_values(const BitvectorTables& bv, __m512i slots, double* m) {
  for (int h = 0; h < 2; ++h) {
    const __m256i at = h == 0 ? _mm512_castsi512_si256(slots) : _mm512_extracti64x4_epi64(slots, 1);
    const __m512d value = _mm512_i32gather_pd(at, bv.value64.data(), 8);
    _mm512_storeu_pd(m + 8 * h, _mm512_add_pd(_mm512_loadu_pd(m + 8 * h), value));
  }
}
inline void add_values(const BitvectorTables& bv, __m512i slots, float* m) {
  const __m512 value = _mm512_i32gather_ps(slots, bv.value32.data(), 4);
  _mm512_storeu_ps(m, _mm512_add_ps(_mm512_loadu_ps(m), value));
}

template <int kGroups, bool kNarrow, bool kCategories, typename Acc>
void vector_add_trees(const PreparedModel& model, const BitvectorTables& bv, const void* keys, uint32_t tree_begin,
                      uint32_t tree_end, Acc* margins) {
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    Acc* m = margins + size_t(model.forest->trees[t].output) * kBlockRows;
    __m512i slots[kGroups];
    block_slots_of<kGroups, kNarrow, kCategories>(bv, t, keys, slots);
    for (int g = 0; g < kGroups; ++g) add_values(bv, slots[g], m + 16 * g);
  }
}

template <int kGroups, bool kNarrow, bool kCategories>
void vector_block_slots(const BitvectorTables& bv, uint32_t t, const void* keys, uint32_t* out) {
  __m512i slots[kGroups];
  block_slots_of<kGroups, kNarrow, kCategories>(bv, t, keys, slots);
  for (int g = 0; g < kGroups; ++g) _mm512_storeu_si512(out + 16 * g, slots[g]);
}

// One row (keys: row_keys, 2 * nu of them) through trees [first, first + count): the
// leaf slot of each in slots. The row's keys sit in kTables pairs of registers (32 keys
// a pair, nu <= 16 * kTables); a tree's splits are tested 16 per compare, their keys
// picked from the registers by permutes (AVX-512 gathers cost more than the linked walk
// saves); the leaf sets of the splits that send the row right are and-ed.
// kCategories: the model's categorical splits too (right_words: CategoryCodes::right_words).
template <int kTables, bool kCategories>
void vector_row_slots(const BitvectorTables& bv, const uint32_t* right_words, const uint32_t* keys, uint32_t nu,
                      uint32_t first, uint32_t count, uint32_t* slots) {
  static_assert(kBlockRows == 64, "a row's key is at offset / 64");
  __m512i table[2 * kTables];
  for (int j = 0; j < 2 * kTables; ++j) {
    const int64_t left = int64_t(2 * nu) - 16 * j;
    const __mmask16 present = left >= 16 ? __mmask16(0xffff) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
    table[j] = _mm512_maskz_loadu_epi32(present, keys + 16 * j);
  }
  const __m512i all = _mm512_set1_epi64(-1), bit5 = _mm512_set1_epi32(32), bit6 = _mm512_set1_epi32(64);
  for (uint32_t t = first; t < first + count; ++t) {
    __m512i low = all, high = all;
    for (uint32_t i = bv.split_begin[t]; i < bv.split_begin[t + 1]; i += 16) {
      const __m512i at = _mm512_srli_epi32(_mm512_loadu_si512(bv.offset.data() + i), 6);
      __m512i x = _mm512_permutex2var_epi32(table[0], at, table[1]);
      if constexpr (kTables >= 2) {
        const __mmask16 upper = _mm512_test_epi32_mask(at, bit5);
        x = _mm512_mask_blend_epi32(upper, x, _mm512_permutex2var_epi32(table[2], at, table[3]));
        if constexpr (kTables == 4) {
          __m512i y = _mm512_permutex2var_epi32(table[4], at, table[5]);
          y = _mm512_mask_blend_epi32(upper, y, _mm512_permutex2var_epi32(table[6], at, table[7]));
          x = _mm512_mask_blend_epi32(_mm512_test_epi32_mask(at, bit6), x, y);
        }
      }
      const __mmask16 right = _mm512_cmpgt_epu32_mask(x, _mm512_loadu_si512(bv.key.data() + i));
      low = _mm512_mask_and_epi64(low, static_cast<__mmask8>(right), low, _mm512_loadu_si512(bv.keep.data() + i));
      high = _mm512_mask_and_epi64(high, static_cast<__mmask8>(right >> 8), high,
                                   _mm512_loadu_si512(bv.keep.data() + i + 8));
    }
    uint64_t leaves = static_cast<uint64_t>(_mm512_reduce_and_epi64(_mm512_and_si512(low, high)));
    if constexpr (kCategories) leaves &= category_leaves(bv, right_words, keys, t);
    slots[t - first] = t * kBitvectorLeaves + uint32_t(__builtin_clzll(leaves));
  }
}

// As vector_row_slots, on 16-bit keys (BitvectorTables::rows16): 32 splits per compare,
// the row's keys (at most 128) in kTables pairs of registers of 32 words.
// The and of the keep masks of tree t's categorical splits that send one row right, in
// the vector form (BitvectorTables::category_vector), 8 splits per step: each split's code
// is picked from the row's 16-bit keys (table, as vector_row_slots16 holds them) into the
// low word of a 64-bit lane (the other words zeroed), and its bit of the split's 128-bit
// set picks the lane of the keep masks to and.
// A code is read from the keys' first copy (the feature's position, below
// kBitvectorRowFeatures = 64), so the first pair of registers holds it.
__m512i vector_category_leaves(const BitvectorTables& bv, const __m512i* table, uint32_t t) {
  static_assert(kBitvectorRowFeatures <= 64, "a code's key is among the first 64");
  const __m512i one = _mm512_set1_epi64(1), k63 = _mm512_set1_epi64(63);
  constexpr __mmask32 kLowWords = 0x11111111;
  __m512i leaves = _mm512_set1_epi64(-1);
  for (uint32_t j = bv.category_begin[t]; j < bv.category_begin[t + 1]; j += 8) {
    const __m512i at = _mm512_loadu_si512(bv.category_at.data() + j);
    const __m512i code = _mm512_maskz_permutex2var_epi16(kLowWords, table[0], at, table[1]);
    const __m512i set = _mm512_mask_blend_epi64(_mm512_cmpgt_epu64_mask(code, k63),
                                                _mm512_loadu_si512(bv.category_low.data() + j),
                                                _mm512_loadu_si512(bv.category_high.data() + j));
    const __mmask8 right = _mm512_test_epi64_mask(set, _mm512_sllv_epi64(one, _mm512_and_si512(code, k63)));
    leaves = _mm512_mask_and_epi64(leaves, right, leaves, _mm512_loadu_si512(bv.category_keep.data() + j));
  }
  return leaves;
}

// kCategories: the model's categorical splits too, in the vector form where it has it.
template <int kTables, bool kCategories>
void vector_row_slots16(const BitvectorTables& bv, const uint32_t* right_words, const uint16_t* keys16,
                        uint32_t first, uint32_t count, uint32_t* slots) {
  __m512i table[2 * kTables];
  for (int j = 0; j < 2 * kTables; ++j) table[j] = _mm512_loadu_si512(keys16 + 32 * j);
  const __m512i all = _mm512_set1_epi64(-1), bit6 = _mm512_set1_epi16(64);
  for (uint32_t t = first; t < first + count; ++t) {
    __m512i leaves[4] = {all, all, all, all};
    for (uint32_t i = bv.split_begin[t]; i < bv.split_begin[t + 1]; i += 32) {
      const __m512i at = _mm512_loadu_si512(bv.at16.data() + i);
      __m512i x = _mm512_permutex2var_epi16(table[0], at, table[1]);
      if constexpr (kTables == 2) {
        x = _mm512_mask_blend_epi16(_mm512_test_epi16_mask(at, bit6), x,
                                    _mm512_permutex2var_epi16(table[2], at, table[3]));
      }
      const __mmask32 right = _mm512_cmpgt_epu16_mask(x, _mm512_loadu_si512(bv.key16.data() + i));
      for (int q = 0; q < 4; ++q) {
        leaves[q] = _mm512_mask_and_epi64(leaves[q], static_cast<__mmask8>(right >> (8 * q)), leaves[q],
                                          _mm512_loadu_si512(bv.keep.data() + i + 8 * q));
      }
    }
    __m512i both = _mm512_and_si512(_mm512_and_si512(leaves[0], leaves[1]), _mm512_and_si512(leaves[2], leaves[3]));
    if constexpr (kCategories) {
      if (bv.category_vector) both = _mm512_and_si512(both, vector_category_leaves(bv, table, t));
    }
    uint64_t set = static_cast<uint64_t>(_mm512_reduce_and_epi64(both));
    if constexpr (kCategories) {
      if (!bv.category_vector) set &= category_leaves(bv, right_words, keys16, t);
    }
    slots[t - first] = t * kBitvectorLeaves + uint32_t(__builtin_clzll(set));
  }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

// ---- AVX2 (CPUs without AVX-512): 8 rows per compare, 4 rows' leaf sets per register.
#include "predict/avx2_target_begin.h"

// AVX2 compares signed 32-bit lanes only: keys with the top bit flipped compare signed as
// the keys do unsigned.
constexpr uint32_t kSignBit = 0x80000000u;

// A block's keys with kSignBit flipped, where the AVX2 walk reads them (2 * nu * kBlockRows).
void flip_sign_bits(const uint32_t* keys, size_t count, uint32_t* flipped) {
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(kSignBit));
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(flipped + i), _mm256_xor_si256(x, sign));
  }
  for (; i < count; ++i) flipped[i] = keys[i] ^ kSignBit;
}

// A categorical model's block (BitvectorTables::category_vector, codes below 128), as
// the AVX2 walk tests its categorical splits, 8 rows per step in 32-bit lanes: a split's
// 128-bit set sits in both 128-bit halves of a register, so `vpshufb` picks the byte
// of a row's code into its lane's low byte (the lane's other index bytes have the top
// bit, which zeroes them), and the code's bit of that byte is and-ed. Made once a block
// per categorical feature, at its key's place (feature * kBlockRows, the keys' first
// copy, where BitvectorTables::category_at points).
struct Avx2CategoryLanes {
  std::vector<uint32_t> byte_index;  // code / 8 in the low byte, 0x80 in the others
  std::vector<uint32_t> bit;         // 1 << code % 8
};

// Fills lanes for a block's keys. Lanes past the block's rows read stale keys, perhaps
// not codes at all (a batch's blocks of fewer than 16 rows leave a single row's keys);
// masked to a byte of the set, they still send a row one way at every split.
void avx2_category_lanes(const PreparedModel& model, const uint32_t* keys, Avx2CategoryLanes& lanes) {
  const uint32_t nu = model.num_used_features();
  lanes.byte_index.resize(size_t(nu) * kBlockRows);
  lanes.bit.resize(size_t(nu) * kBlockRows);
  const __m256i other_bytes = _mm256_set1_epi32(static_cast<int>(0x80808000u)), byte_of_set = _mm256_set1_epi32(15);
  const __m256i bit_of_byte = _mm256_set1_epi32(7), one = _mm256_set1_epi32(1);
  for (uint32_t f = 0; f < nu; ++f) {
    if (!model.category_codes.categorical_feature[f]) continue;
    for (size_t r = 0; r < kBlockRows; r += 8) {
      const size_t at = size_t(f) * kBlockRows + r;
      const __m256i code = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + at));
      const __m256i byte = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(code, 3), byte_of_set), other_bytes);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes.byte_index.data() + at), byte);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes.bit.data() + at),
                          _mm256_sllv_epi32(one, _mm256_and_si256(code, bit_of_byte)));
    }
  }
}

// Rows [r0, r0 + 8 * kGroups) of a block (flipped: its keys through flip_sign_bits)
// through tree t: the leaf number (0-63) of row r0 + i in leaf[i]. A row's leaf set sits
// in two 32-bit lanes, its high half (leaves 0-31) in one register and its low half
// (leaves 32-63) in another, so a compare's 32-bit row masks and it directly, with the
// split's keep halves broadcast: no mask has to be widened to 64 bits. Rows past the
// block's read stale keys and reach some leaf, ignored. kCategories: a categorical
// model's (lanes: its block's, avx2_category_lanes), whose categorical splits are
// tested after the numeric ones.
template <int kGroups, bool kCategories>
inline void avx2_leaves(const BitvectorTables& bv, uint32_t t, const uint32_t* flipped,
                        [[maybe_unused]] const Avx2CategoryLanes* lanes, size_t r0, uint32_t* leaf) {
  __m256i high[kGroups], low[kGroups];
  for (int g = 0; g < kGroups; ++g) high[g] = low[g] = _mm256_set1_epi32(-1);
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(kSignBit));
  const uint32_t end = bv.split_begin[t] + bv.splits[t];
  for (uint32_t i = bv.split_begin[t]; i < end; ++i) {
    const uint32_t* x = flipped + bv.offset[i] + r0;
    // Broadcast from memory, then flipped: fewer instructions than flipping first.
    const __m256i key = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(bv.key[i])), sign);
    const __m256i keep_high = _mm256_set1_epi32(static_cast<int>(bv.keep[i] >> 32));
    const __m256i keep_low = _mm256_set1_epi32(static_cast<int>(bv.keep[i]));
    for (int g = 0; g < kGroups; ++g) {
      const __m256i right =
          _mm256_cmpgt_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 8 * g)), key);
      // leaves &= keep where the row goes right: leaves & ~(right & ~keep).
      high[g] = _mm256_andnot_si256(_mm256_andnot_si256(keep_high, right), high[g]);
      low[g] = _mm256_andnot_si256(_mm256_andnot_si256(keep_low, right), low[g]);
    }
  }
  if constexpr (kCategories) {
    const __m256i zero = _mm256_setzero_si256();
    for (uint32_t j = bv.category_begin[t]; j < bv.category_begin[t + 1]; ++j) {
      const uint64_t keep = bv.category_keep[j];
      // The padding to 8 splits a tree (all ones: a split always rules out its left
      // subtree's leaves) ends the tree's list: it keeps every leaf.
      if (keep == ~uint64_t(0)) break;
      const __m256i set = _mm256_broadcastsi128_si256(_mm_set_epi64x(static_cast<long long>(bv.category_high[j]),
                                                                     static_cast<long long>(bv.category_low[j])));
      const size_t at = size_t(bv.category_at[j]) * kBlockRows + r0;
      const uint32_t* byte_index = lanes->byte_index.data() + at;
      const uint32_t* bit = lanes->bit.data() + at;
      const __m256i keep_high = _mm256_set1_epi32(static_cast<int>(keep >> 32));
      const __m256i keep_low = _mm256_set1_epi32(static_cast<int>(keep));
      for (int g = 0; g < kGroups; ++g) {
        const __m256i byte =
            _mm256_shuffle_epi8(set, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(byte_index + 8 * g)));
        const __m256i left = _mm256_cmpeq_epi32(
            _mm256_and_si256(byte, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bit + 8 * g))), zero);
        // leaves &= keep where the row goes right: leaves & (left | keep).
        high[g] = _mm256_and_si256(high[g], _mm256_or_si256(left, keep_high));
        low[g] = _mm256_and_si256(low[g], _mm256_or_si256(left, keep_low));
      }
    }
  }
  for (int g = 0; g < kGroups; ++g) {
    alignas(32) uint32_t h[8], l[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(h), high[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), low[g]);
    // Never empty: no split rules out the leaf a row exits at.
    for (int j = 0; j < 8; ++j) leaf[8 * g + j] = uint32_t(__builtin_clzll(uint64_t(h[j]) << 32 | l[j]));
  }
}

// Rows [0, n) of a block through tree t, 32 rows per pass: leaf numbers in leaf[0, n).
template <bool kCategories>
inline void avx2_block_leaves(const BitvectorTables& bv, uint32_t t, const uint32_t* flipped,
                              const Avx2CategoryLanes* lanes, size_t n, uint32_t* leaf) {
  size_t r0 = 0;
  for (; r0 + 32 <= n; r0 += 32) avx2_leaves<4, kCategories>(bv, t, flipped, lanes, r0, leaf + r0);
  switch ((n - r0 + 7) / 8) {
    case 0: break;
    case 1: avx2_leaves<1, kCategories>(bv, t, flipped, lanes, r0, leaf + r0); break;
    case 2: avx2_leaves<2, kCategories>(bv, t, flipped, lanes, r0, leaf + r0); break;
    case 3: avx2_leaves<3, kCategories>(bv, t, flipped, lanes, r0, leaf + r0); break;
    default: avx2_leaves<4, kCategories>(bv, t, flipped, lanes, r0, leaf + r0); break;
  }
}

// A block as the AVX2 walk reads it: its keys flipped, and a categorical model's lanes.
struct Avx2Block {
  std::vector<uint32_t> flipped;
  Avx2CategoryLanes lanes;
  Avx2Block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys)
      : flipped(size_t(2) * model.num_used_features() * kBlockRows) {
    flip_sign_bits(keys, flipped.size(), flipped.data());
    if (bv.categorical) avx2_category_lanes(model, keys, lanes);
  }
  // Rows [0, n) of the block through tree t: leaf numbers in leaf[0, n).
  void leaves(const BitvectorTables& bv, uint32_t t, size_t n, uint32_t* leaf) const {
    if (bv.categorical) avx2_block_leaves<true>(bv, t, flipped.data(), &lanes, n, leaf);
    else avx2_block_leaves<false>(bv, t, flipped.data(), nullptr, n, leaf);
  }
};

template <typename Acc>
void avx2_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                    uint32_t tree_begin, uint32_t tree_end, Acc* margins) {
  const Acc* values = values_of<Acc>(bv);
  const Avx2Block block(model, bv, keys);
  uint32_t leaf[kBlockRows];
  for (uint32_t t = tree_begin; t < tree_end; ++t) {
    Acc* m = margins + size_t(model.forest->trees[t].output) * kBlockRows;
    block.leaves(bv, t, n, leaf);
    const Acc* tree_values = values + size_t(t) * kBitvectorLeaves;
    for (size_t r = 0; r < n; ++r) m[r] += tree_values[leaf[r]];
  }
}

void avx2_block_slots(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                      uint32_t tree_begin, uint32_t tree_end, uint32_t* slots) {
  const Avx2Block block(model, bv, keys);
  for (uint32_t t = tree_begin; t < tree_end; ++t, slots += kBlockRows) {
    block.leaves(bv, t, n, slots);
    for (size_t r = 0; r < n; ++r) slots[r] += t * kBitvectorLeaves;
  }
}

#include "predict/avx2_target_end.h"

// Calls walk(std::integral_constant<int, groups of 16 rows that cover n rows>).
template <typename Walk>
void for_groups(size_t n, Walk&& walk) {
  switch ((n + 15) / 16) {
    case 1: walk(std::integral_constant<int, 1>{}); break;
    case 2: walk(std::integral_constant<int, 2>{}); break;
    case 3: walk(std::integral_constant<int, 3>{}); break;
    default: walk(std::integral_constant<int, 4>{}); break;
  }
}

// With AVX-512 on 16-bit keys (BitvectorTables::batches16): narrows a block's keys
// (narrow_keys) and calls walk(keys16, std::integral_constant<int, groups of 16 rows that
// cover n rows, in pairs>, std::bool_constant<a categorical model's tables>).
template <typename Walk>
void for_keys16(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                Walk&& walk) {
  std::vector<uint16_t> keys16(size_t(2) * model.num_used_features() * kBlockRows);
  narrow_keys(keys, keys16.size(), keys16.data());
  auto with_groups = [&](auto categories) {
    if (n <= 32) walk(keys16.data(), std::integral_constant<int, 2>{}, categories);
    else walk(keys16.data(), std::integral_constant<int, 4>{}, categories);
  };
  if (bv.categorical) with_groups(std::true_type{});
  else with_groups(std::false_type{});
}
#endif  // POLYSCORE_X86_64

template <typename Acc>
void add_block_impl(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys,
                    size_t n, uint32_t tree_begin, uint32_t tree_end, Acc* margins) {
  static_assert(kBlockRows == 64, "blocks are at most 4 groups of 16 rows");
#if POLYSCORE_X86_64
  if (bv.avx512 && bv.batches16) {
    for_keys16(model, bv, keys, n, [&](const uint16_t* keys16, auto groups, auto categories) {
      vector_add_trees<decltype(groups)::value, true, decltype(categories)::value>(model, bv, keys16, tree_begin,
                                                                                   tree_end, margins);
    });
    return;
  }
  if (bv.avx512) {
    for_groups(n, [&](auto groups) {
      vector_add_trees<decltype(groups)::value, false, false>(model, bv, keys, tree_begin, tree_end, margins);
    });
    return;
  }
  if (bv.avx2) {
    avx2_add_block(model, bv, keys, n, tree_begin, tree_end, margins);
    return;
  }
#endif
  scalar_add_block(model, bv, keys, n, tree_begin, tree_end, margins);
}

}  // namespace

void bitvector_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                         uint32_t tree_begin, uint32_t tree_end, float* margins) {
  add_block_impl(model, bv, keys, n, tree_begin, tree_end, margins);
}
void bitvector_add_block(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys, size_t n,
                         uint32_t tree_begin, uint32_t tree_end, double* margins) {
  add_block_impl(model, bv, keys, n, tree_begin, tree_end, margins);
}

void bitvector_block_slots([[maybe_unused]] const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys,
                           size_t n, uint32_t tree_begin, uint32_t tree_end, uint32_t* slots) {
#if POLYSCORE_X86_64
  if (bv.avx512 && bv.batches16) {
    for_keys16(model, bv, keys, n, [&](const uint16_t* keys16, auto groups, auto categories) {
      for (uint32_t t = tree_begin; t < tree_end; ++t, slots += kBlockRows) {
        vector_block_slots<decltype(groups)::value, true, decltype(categories)::value>(bv, t, keys16, slots);
      }
    });
    return;
  }
  if (bv.avx512) {
    for_groups(n, [&](auto groups) {
      for (uint32_t t = tree_begin; t < tree_end; ++t, slots += kBlockRows) {
        vector_block_slots<decltype(groups)::value, false, false>(bv, t, keys, slots);
      }
    });
    return;
  }
  if (bv.avx2) {
    avx2_block_slots(model, bv, keys, n, tree_begin, tree_end, slots);
    return;
  }
#endif
  for (uint32_t t = tree_begin; t < tree_end; ++t, slots += kBlockRows) {
    for (size_t r0 = 0; r0 < n; r0 += kRowLanes) scalar_slots(bv, t, keys, r0, slots + r0);
  }
}

void bitvector_row_keys16(const PreparedModel& model, const uint32_t* keys, uint16_t* keys16) {
  const uint32_t nu = model.num_used_features();
  std::fill_n(keys16, kBitvectorRowKeys16, uint16_t(0));
  for (uint32_t j = 0; j < 2 * nu; ++j) keys16[j] = static_cast<uint16_t>(std::min<uint32_t>(keys[j], 0xffff));
}

void bitvector_row_slots(const PreparedModel& model, const BitvectorTables& bv, const uint16_t* keys16,
                         uint32_t first, uint32_t count, uint32_t* slots) {
#if POLYSCORE_X86_64
  if (bv.walks_rows() && bv.rows16) {
    const uint32_t* words = model.category_codes.right_words.data();
    const bool narrow = model.num_used_features() <= 32;
    if (bv.categorical) {
      if (narrow) vector_row_slots16<1, true>(bv, words, keys16, first, count, slots);
      else vector_row_slots16<2, true>(bv, words, keys16, first, count, slots);
    } else {
      if (narrow) vector_row_slots16<1, false>(bv, words, keys16, first, count, slots);
      else vector_row_slots16<2, false>(bv, words, keys16, first, count, slots);
    }
    return;
  }
#endif
  (void)model, (void)bv, (void)keys16, (void)first, (void)count, (void)slots;
  __builtin_trap();  // callers check BitvectorTables::rows16
}

void bitvector_row_slots(const PreparedModel& model, const BitvectorTables& bv, const uint32_t* keys,
                         uint32_t first, uint32_t count, uint32_t* slots) {
#if POLYSCORE_X86_64
  if (bv.walks_rows()) {
    const uint32_t nu = model.num_used_features();
    if (bv.rows16) {
      uint16_t keys16[kBitvectorRowKeys16];
      bitvector_row_keys16(model, keys, keys16);
      bitvector_row_slots(model, bv, keys16, first, count, slots);
      return;
    }
    const uint32_t* words = model.category_codes.right_words.data();
    auto walk = [&](auto categories) {
      constexpr bool kCategories = decltype(categories)::value;
      if (nu <= 16) vector_row_slots<1, kCategories>(bv, words, keys, nu, first, count, slots);
      else if (nu <= 32) vector_row_slots<2, kCategories>(bv, words, keys, nu, first, count, slots);
      else vector_row_slots<4, kCategories>(bv, words, keys, nu, first, count, slots);
    };
    if (bv.categorical) walk(std::true_type{});
    else walk(std::false_type{});
    return;
  }
#endif
  (void)model, (void)bv, (void)keys, (void)first, (void)count, (void)slots;
  __builtin_trap();  // callers check BitvectorTables::walks_rows()
}

}  // namespace polyscore::key_walk
