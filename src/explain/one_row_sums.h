// The unwound path sums of one row's path at a leaf, all of them at once in vector lanes
// (element i of the path in lane i - 1), bit for bit the scalar ones, and ExtendPath at
// every node with the path's weights in lanes (docs/explain.md, "One row in lanes").
//
// At a leaf of depth d, TreeSHAP needs UnwoundPathSum(path, d, i) for i = 1..d. The d
// sums run the same operations in the same order on the same shared pweights; only the
// unwound element's zero and one fractions differ, and with them the library's branch on
// one_fraction != 0. So each lane computes one sum with both sides of that branch and
// keeps the side the library takes: the operations on each lane's values are exactly the
// library's, with IEEE divisions, and no fused multiply-adds (-ffp-contract=off).
#pragma once

#include <cstdint>

namespace polyscore {

// zero_fraction[k], one_fraction[k]: path element k + 1 (k < depth); pweight[j]: element
// j's path weight (j <= depth); total[k]: the unwound sum of element k + 1. The three
// per-element arrays hold at least one_row_sums_padded(depth) values, any finite values
// past depth (the lanes past it are computed and dropped).
template <typename F>
using UnwoundSums = void (*)(const F* zero_fraction, const F* one_fraction, const F* pweight, uint32_t depth,
                             F* total);

// Several leaves of the same depth at once (their chains of divisions side by side):
// `leaves` (1 to kOneRowMaxLeaves) paths of `depth` (<= OneRowSums::leaf_lanes)
// elements, leaf s's arrays (as above) starting at s * kOneRowLeafStride in each.
template <typename F>
using UnwoundSumsOfLeaves = void (*)(const F* zero_fraction, const F* one_fraction, const F* pweight, uint32_t depth,
                                     uint32_t leaves, F* total);
constexpr uint32_t kOneRowMaxLeaves = 4;

// ExtendPath, the new element at index `depth` (>= 1) with the given fractions: reads
// the path's weights old_pweight[0, depth) and writes the extended path's weights
// pweight[0, depth], and zeros after them to the end of the last vector written. The new weight j is the library's
// `zero_fraction * old_j * (depth - j) / (depth + 1)` (0 for j = depth) plus
// `one_fraction * old_(j-1) * j / (depth + 1)` (nothing for j = 0), each lane doing
// those operations in that order. Both arrays hold one_row_sums_padded(depth) values
// (whole vectors are read and written); they must not overlap.
template <typename F>
using ExtendPathLanes = void (*)(const F* old_pweight, F* pweight, uint32_t depth, F zero_fraction, F one_fraction);
constexpr uint32_t kOneRowLeafStride = 32;

template <typename F>
struct OneRowSums {
  UnwoundSums<F> one_leaf = nullptr;
  UnwoundSumsOfLeaves<F> leaves = nullptr;
  ExtendPathLanes<F> extend = nullptr;
  uint32_t leaf_lanes = 0;  // the deepest path `leaves` takes: lanes per vector
  explicit operator bool() const { return one_leaf != nullptr; }
};

// Values each per-element array of one_leaf needs for a path of `depth` elements.
uint32_t one_row_sums_padded(uint32_t depth);

// The lanes for this CPU: AVX-512 (POLYSCORE_NO_AVX512 turns it off), else AVX2
// (POLYSCORE_NO_AVX2), else none: the caller then computes each sum on its own, as it
// does on other CPUs, in builds with POLYSCORE_PORTABLE, and when
// POLYSCORE_CONTRIB_ONE_ROW_SCALAR is set (kept to check one against the other).
template <typename F>
OneRowSums<F> one_row_unwound_sums();

}  // namespace polyscore
