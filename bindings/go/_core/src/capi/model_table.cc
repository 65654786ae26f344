#include "capi/model_table.h"

#include <algorithm>

#include "model/error.h"

namespace polyscore {

static_assert(sizeof(void*) == 8, "handles pack a generation and a slot into 64 bits");

LoadedModel::LoadedModel(std::unique_ptr<const Forest> f)
    : forest(std::move(f)), prepared(prepare_model(*forest)) {
  for (int kind = 0; kind < 3; ++kind) {
    PredictRequest request;  // all rounds, one thread: what a call with default options asks
    request.kind = static_cast<OutputKind>(kind);
    try {
      full_plan[kind] = plan_prediction(*forest, request);
      has_full_plan[kind] = true;
    } catch (const Error&) {
      // Not cached: calls for this kind plan afresh and report the error.
    }
  }
  default_shap = default_shap_arithmetic(*forest);
  for (const Node& node : forest->nodes) {
    if (node.flags & kCategorical) categorical_features.push_back(node.feature);
  }
  std::sort(categorical_features.begin(), categorical_features.end());
  categorical_features.erase(std::unique(categorical_features.begin(), categorical_features.end()),
                             categorical_features.end());
  categorical_features.shrink_to_fit();
  row_on_stack = forest->num_margin_outputs <= kMaxRowMargins && forest->num_features <= kMaxRowFeatures;
}

const ContribTables& LoadedModel::contrib(ShapArithmetic arithmetic) const {
  LazyContribTables& lazy = contrib_[static_cast<int>(arithmetic)];
  std::call_once(lazy.made, [&] { lazy.tables = prepare_contributions(*forest, arithmetic); });
  return lazy.tables;
}

ps_model* ModelTable::insert(std::unique_ptr<const LoadedModel> model) {
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
  s.model.store(model.release(), std::memory_order_relaxed);
  s.state.store((generation << 32) | kAlive, std::memory_order_release);
  return reinterpret_cast<ps_model*>(static_cast<uintptr_t>((generation << 32) | (index + 1)));
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
    destroy(s, static_cast<uint32_t>((reinterpret_cast<uintptr_t>(handle) & 0xffffffffu) - 1));
  }
}

void ModelTable::destroy(Slot* s, uint32_t index) {
  delete s->model.exchange(nullptr, std::memory_order_acq_rel);
  const uint64_t generation = s->state.load(std::memory_order_acquire) >> 32;
  // A new generation makes every old handle of this slot invalid before reuse.
  uint64_t next = (generation + 1) & 0xffffffffu;
  if (next == 0) next = 1;
  s->state.store(next << 32, std::memory_order_release);
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(index);
}

}  // namespace polyscore
