// How a batch call's rows are shared among the threads that score them: blocks of
// kBlockRows rows, handed out one at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>

#include "predict/key_encoding.h"

namespace polyscore {

// The blocks of a call's rows, handed out one at a time to the threads that score them:
// a thread that gets less of a core (on a busy or shared machine) takes fewer blocks,
// where equal shares fixed in advance would leave the others waiting for it.
class BlockQueue {
 public:
  explicit BlockQueue(size_t n_rows) : n_rows_(n_rows) {}
  size_t blocks() const { return (n_rows_ + key_walk::kBlockRows - 1) / key_walk::kBlockRows; }
  // The next block's first row and row count; false once all are taken.
  bool take(size_t& first, size_t& n) {
    first = next_.fetch_add(1, std::memory_order_relaxed) * key_walk::kBlockRows;
    if (first >= n_rows_) return false;
    n = std::min(key_walk::kBlockRows, n_rows_ - first);
    return true;
  }

 private:
  const size_t n_rows_;
  std::atomic<size_t> next_{0};
};

}  // namespace polyscore
