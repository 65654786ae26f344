// How the walks by keys turn a row's values into 32-bit keys that sort like them (see
// KeyRanks and CategoryCodes in walk_tables.h), so NaN, signed zeros and the
// float32/double question are settled once per row, not at every node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "predict/prepared_model.h"

namespace polyscore::key_walk {

// Rows of a block, as the walks read them: the values of the used features only
// (PreparedModel::used_features; nu = num_used_features()). keys: 2 * nu * kBlockRows keys; the
// key of used feature f of row r is at keys[(f + copy * nu) * kBlockRows + r].
constexpr size_t kBlockRows = 64;

// Fills keys from n converted rows x (row-major, n x nu).
void block_keys(const PreparedModel& model, const double* x, size_t n, uint32_t* keys);
// One row (nu values): keys[f + copy * nu], 2 * nu keys.
void row_keys(const PreparedModel& model, const double* row, uint32_t* keys);

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

}  // namespace polyscore::key_walk
