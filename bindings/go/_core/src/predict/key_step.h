// The pieces every walk by keys shares (heap_walk.cc, linked_walk.cc): how a node
// decides, the lane counts, and the dispatch on whether a model has categorical splits.
#pragma once

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

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "predict/key_encoding.h"
#include "predict/prepared_model.h"

namespace polyscore::key_walk {

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


// Rows the block walk moves side by side through one tree: enough independent chains
// of loads to keep the core busy, few enough to stay in registers.
constexpr int kRowLanes = 8;

// Trees a single row walks side by side (16 beat 8 here, spilling a few lanes or not).
constexpr uint32_t kTreeLanes = 16;

// Levels of each tree a batch walks with AVX-512 first (heap walk; avx512_walk.h).
constexpr int kVectorLevels = 5;
// Levels of each tree a batch walks with AVX2 first (heap walk; avx2_walk.h).
constexpr int kAvx2Levels = 4;

// The lane of a single row's walk (its keys at keys[offset / kBlockRows]).
constexpr int kOneRow = -1;

// Calls walk(std::bool_constant<the model has categorical splits>).
template <typename Walk>
void with_categories(const PreparedModel& model, Walk&& walk) {
  if (model.category_codes.any) {
    walk(std::true_type{});
  } else {
    walk(std::false_type{});
  }
}

// Calls make<D>() for the tree depth d (0 <= d <= kMaxHeapDepth) and returns its result.
template <typename Make, int D = 0>
auto for_depth(uint32_t d, Make&& make) {
  if constexpr (D < int(kMaxHeapDepth)) {
    if (d != D) return for_depth<Make, D + 1>(d, std::forward<Make>(make));
  }
  return make(std::integral_constant<int, D>{});
}

}  // namespace polyscore::key_walk
