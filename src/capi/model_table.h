// Handles: a table of slots, each with a generation and a count of calls in flight.
// A ps_model* is (generation << 32 | slot + 1), never a pointer, so a freed or forged
// handle is recognised without touching freed memory, and a model freed while other
// threads still predict with it lives until the last of those calls returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "model/forest.h"
#include "polyscore/model.h"

namespace polyscore {

class ModelTable {
 public:
  static ModelTable& instance();

  // Stores the forest and returns its new handle. Throws Error on exhaustion.
  ps_model* insert(std::unique_ptr<const Forest> forest);
  // The forest behind a live handle with its in-flight count raised, or nullptr.
  const Forest* acquire(ps_model* handle);
  void release(ps_model* handle);
  // Marks the handle dead; the forest goes when no call holds it. Idempotent.
  void remove(ps_model* handle);

 private:
  struct Slot {
    // generation (high 32 bits) | alive (bit 31) | calls in flight (low 31 bits)
    std::atomic<uint64_t> state{uint64_t(1) << 32};
    std::atomic<const Forest*> forest{nullptr};
  };
  static constexpr uint32_t kChunkSlots = 1024;
  static constexpr uint32_t kMaxChunks = 1024;

  Slot* slot(ps_model* handle, uint32_t* generation);
  void destroy(Slot* slot, uint32_t index);

  std::atomic<Slot*> chunks_[kMaxChunks] = {};
  std::mutex mutex_;  // guards free_ and chunk creation; never taken by predict calls
  std::vector<uint32_t> free_;
  uint32_t next_unused_ = 0;
};

// Holds one in-flight reference for the length of a call.
class ModelRef {
 public:
  explicit ModelRef(ps_model* handle)
      : handle_(handle), forest_(ModelTable::instance().acquire(handle)) {}
  ~ModelRef() {
    if (forest_) ModelTable::instance().release(handle_);
  }
  ModelRef(const ModelRef&) = delete;
  ModelRef& operator=(const ModelRef&) = delete;
  const Forest* get() const { return forest_; }

 private:
  ps_model* handle_;
  const Forest* forest_;
};

}  // namespace polyscore
