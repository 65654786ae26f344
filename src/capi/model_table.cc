#include "capi/model_table.h"

#include "model/error.h"

namespace polyscore {
namespace {

constexpr uint64_t kAlive = uint64_t(1) << 31;
constexpr uint64_t kCallsMask = kAlive - 1;

static_assert(sizeof(void*) == 8, "handles pack a generation and a slot into 64 bits");

uint64_t handle_bits(ps_model* handle) { return reinterpret_cast<uintptr_t>(handle); }

}  // namespace

ModelTable& ModelTable::instance() {
  // Never destroyed: handles may be used (and rejected) during static destruction.
  static ModelTable* table = new ModelTable();
  return *table;
}

ModelTable::Slot* ModelTable::slot(ps_model* handle, uint32_t* generation) {
  const uint64_t bits = handle_bits(handle);
  const uint64_t low = bits & 0xffffffffu;
  if (low == 0) return nullptr;
  const uint64_t index = low - 1;
  const uint64_t chunk = index / kChunkSlots;
  if (chunk >= kMaxChunks) return nullptr;
  Slot* slots = chunks_[chunk].load(std::memory_order_acquire);
  if (!slots) return nullptr;
  *generation = static_cast<uint32_t>(bits >> 32);
  return &slots[index % kChunkSlots];
}

ps_model* ModelTable::insert(std::unique_ptr<const Forest> forest) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (next_unused_ >= kChunkSlots * kMaxChunks) {
      throw Error(PS_ERR_OUT_OF_MEMORY, "too many models loaded at once");
    }
    index = next_unused_++;
    const uint32_t chunk = index / kChunkSlots;
    if (!chunks_[chunk].load(std::memory_order_relaxed)) {
      chunks_[chunk].store(new Slot[kChunkSlots], std::memory_order_release);
    }
  }
  Slot& s = chunks_[index / kChunkSlots].load(std::memory_order_relaxed)[index % kChunkSlots];
  const uint64_t generation = s.state.load(std::memory_order_relaxed) >> 32;
  s.forest.store(forest.release(), std::memory_order_relaxed);
  s.state.store((generation << 32) | kAlive, std::memory_order_release);
  return reinterpret_cast<ps_model*>(static_cast<uintptr_t>((generation << 32) | (index + 1)));
}

const Forest* ModelTable::acquire(ps_model* handle) {
  uint32_t generation;
  Slot* s = slot(handle, &generation);
  if (!s) return nullptr;
  uint64_t state = s->state.load(std::memory_order_acquire);
  for (;;) {
    if ((state >> 32) != generation || !(state & kAlive) || (state & kCallsMask) == kCallsMask) {
      return nullptr;
    }
    if (s->state.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel)) {
      return s->forest.load(std::memory_order_acquire);
    }
  }
}

void ModelTable::release(ps_model* handle) {
  uint32_t generation;
  Slot* s = slot(handle, &generation);
  const uint64_t after = s->state.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (!(after & kAlive) && (after & kCallsMask) == 0) {
    destroy(s, static_cast<uint32_t>((handle_bits(handle) & 0xffffffffu) - 1));
  }
}

void ModelTable::remove(ps_model* handle) {
  uint32_t generation;
  Slot* s = slot(handle, &generation);
  if (!s) return;
  uint64_t state = s->state.load(std::memory_order_acquire);
  for (;;) {
    if ((state >> 32) != generation || !(state & kAlive)) return;  // already freed
    if (s->state.compare_exchange_weak(state, state & ~kAlive, std::memory_order_acq_rel)) break;
  }
  if ((state & kCallsMask) == 0) {
    destroy(s, static_cast<uint32_t>((handle_bits(handle) & 0xffffffffu) - 1));
  }
}

void ModelTable::destroy(Slot* s, uint32_t index) {
  delete s->forest.exchange(nullptr, std::memory_order_acq_rel);
  const uint64_t generation = s->state.load(std::memory_order_acquire) >> 32;
  // A new generation makes every old handle of this slot invalid before reuse.
  uint64_t next = (generation + 1) & 0xffffffffu;
  if (next == 0) next = 1;
  s->state.store(next << 32, std::memory_order_release);
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(index);
}

}  // namespace polyscore
