// Handles: a table of slots, each with a generation and a count of calls in flight.
// A ps_model* is (generation << 32 | slot + 1), never a pointer, so a freed or forged
// handle is recognised without touching freed memory, and a model freed while other
// threads still predict with it lives until the last of those calls returns.
//
// acquire/release are inline: they are most of what a single-row call costs besides the
// walk itself (one compare-and-swap to enter, one fetch_sub to leave; no lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "explain/tree_shap.h"
#include "model/forest.h"
#include "polyscore/model.h"
#include "predict/predictor.h"

namespace polyscore {

// What a handle stands for: the immutable forest and what the C API derives from it once,
// at load: the predictor's tables (prepared), and plans, so that a call with default
// options does no planning of its own. Everything
// here is as read-only as the forest, so any number of threads may read it.
struct LoadedModel {
  std::unique_ptr<const Forest> forest;
  PreparedModel prepared;  // prepare_model(*forest)
  // plan_prediction(forest, {kind, 0, 0, 1 thread}) for each OutputKind (index = kind),
  // when it succeeds; a kind whose plan fails (e.g. leaf output of a linear model) is not
  // cached and its calls go the general way, which reports the error.
  PredictPlan full_plan[3];
  bool has_full_plan[3] = {false, false, false};
  // predict_row can score a row of this model with stack scratch (else predict_dense).
  bool row_on_stack = false;
  // SHAP's per-tree data for the given algorithm (ps_predict_options.shap_algorithm), or
  // why the model has none under it. Made at the first call that asks for it, once
  // (several threads may ask at once), not at load: most models are never explained, and
  // making both algorithms' tables took 3.7% of loading the 500-tree XGBoost model.
  const ContribTables& contrib(ShapArithmetic arithmetic) const;
  // The algorithm of the library that wrote the file (PS_SHAP_AUTO).
  ShapArithmetic default_shap = ShapArithmetic::kExactTreeShap;
  // The features some split tests as a category, ascending (ps_model_feature_categorical):
  // a few numbers, not a flag per declared feature (hashed models declare millions).
  std::vector<uint32_t> categorical_features;

  explicit LoadedModel(std::unique_ptr<const Forest> f);

 private:
  struct LazyContribTables {
    std::once_flag made;
    ContribTables tables;
  };
  mutable LazyContribTables contrib_[2];  // index: ShapArithmetic
};

class ModelTable {
 public:
  static ModelTable& instance() {
    // Never destroyed: handles may be used (and rejected) during static destruction.
    static ModelTable* table = new ModelTable();
    return *table;
  }

  struct Slot {
    // generation (high 32 bits) | alive (bit 31) | calls in flight (low 31 bits)
    std::atomic<uint64_t> state{uint64_t(1) << 32};
    std::atomic<const LoadedModel*> model{nullptr};
  };

  // Stores the model and returns its new handle. Throws Error on exhaustion.
  ps_model* insert(std::unique_ptr<const LoadedModel> model);
  // The model behind a live handle with its in-flight count raised (the slot in *slot_out,
  // for release), or nullptr.
  const LoadedModel* acquire(const ps_model* handle, Slot** slot_out) {
    uint32_t generation;
    Slot* s = slot(handle, &generation);
    if (!s) return nullptr;
    uint64_t state = s->state.load(std::memory_order_acquire);
    for (;;) {
      if ((state >> 32) != generation || !(state & kAlive) || (state & kCallsMask) == kCallsMask) {
        return nullptr;
      }
      if (s->state.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel)) {
        *slot_out = s;
        return s->model.load(std::memory_order_acquire);
      }
    }
  }
  // Drops the reference acquire() took on this slot of this handle.
  void release(const ps_model* handle, Slot* s) {
    const uint64_t after = s->state.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (!(after & kAlive) && (after & kCallsMask) == 0) {
      destroy(s, static_cast<uint32_t>((reinterpret_cast<uintptr_t>(handle) & 0xffffffffu) - 1));
    }
  }
  // Marks the handle dead; the model goes when no call holds it. Idempotent.
  void remove(ps_model* handle);

 private:
  static constexpr uint64_t kAlive = uint64_t(1) << 31;
  static constexpr uint64_t kCallsMask = kAlive - 1;
  static constexpr uint32_t kChunkSlots = 1024;
  static constexpr uint32_t kMaxChunks = 1024;

  Slot* slot(const ps_model* handle, uint32_t* generation) {
    const uint64_t bits = reinterpret_cast<uintptr_t>(handle);
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
  void destroy(Slot* slot, uint32_t index);

  std::atomic<Slot*> chunks_[kMaxChunks] = {};
  std::mutex mutex_;  // guards free_ and chunk creation; never taken by predict calls
  std::vector<uint32_t> free_;
  uint32_t next_unused_ = 0;
};

// Holds one in-flight reference for the length of a call.
class ModelRef {
 public:
  explicit ModelRef(const ps_model* handle)
      : handle_(handle), model_(ModelTable::instance().acquire(handle, &slot_)) {}
  ~ModelRef() {
    if (model_) ModelTable::instance().release(handle_, slot_);
  }
  ModelRef(const ModelRef&) = delete;
  ModelRef& operator=(const ModelRef&) = delete;
  const LoadedModel* get() const { return model_; }

 private:
  const ps_model* handle_;
  ModelTable::Slot* slot_ = nullptr;
  const LoadedModel* model_;
};

}  // namespace polyscore
