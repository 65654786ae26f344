#include "predict/predictor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "model/error.h"
#include "predict/bitvector_walk.h"
#include "predict/block_queue.h"
#include "predict/feature_value.h"
#include "predict/general_walk.h"
#include "predict/heap_walk.h"
#include "predict/key_encoding.h"
#include "predict/linked_walk.h"
#include "predict/margins.h"
#include "predict/output_transform.h"
#include "predict/row_block_walk.h"
#include "predict/thread_stack.h"
#include "predict/tree_block_walk.h"
#include "predict/tree_chains.h"
#include "predict/worker_pool.h"

namespace polyscore {
namespace {

[[gnu::cold, gnu::noinline]] void refuse_small_stack(size_t left) {
  throw Error(PS_ERR_UNSUPPORTED, "scoring needs about " + std::to_string(kPredictStackBytes >> 10) +
                                      " KiB of the calling thread's stack (a row's scratch is kept there); this "
                                      "thread has " + std::to_string(left >> 10) +
                                      " KiB left. Call from a thread with a larger stack");
}

// Refuses a calling thread with less than kPredictStackBytes of stack left: the
// overflow would be a crash no caller can catch. thread_stack_left() is SIZE_MAX where
// the stack cannot be known.
void check_predict_stack() {
  const size_t left = thread_stack_left();
  if (left < kPredictStackBytes) refuse_small_stack(left);
}

// Rows scored together (key_encoding.h): each tree is walked for a whole block before the
// next tree, so a tree's nodes stay in cache across the block.
using key_walk::kBlockRows;

// Scores one converted row, walking kLanes trees side by side; leaves are still added
// in tree order, as the training library adds them. Writes values_per_row to out.
// offset: the row's offsets (ps_predict_options.base_margin) or nullptr.
template <typename Acc>
void score_row(const PreparedModel& model, const PredictPlan& plan, const double* row, const double* offset,
               Acc* margins, double* out) {
  uint32_t leaves[kBlockRows];
  const bool linear = !model.forest->linear_leaves.empty();
  if (plan.kind != OutputKind::kLeaf) {
    init_margins(*model.forest, offset, margins);
    if (model.forest->has_linear) linear_margins(*model.forest, [row](uint32_t f) { return row[f]; }, margins);
  }
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; t += kBlockRows) {
    const uint32_t count = std::min<uint32_t>(kBlockRows, plan.tree_end - t);
    find_leaves_of_trees(model, t, count, row, leaves);
    for (uint32_t k = 0; k < count; ++k) {
      const Tree& tree = model.forest->trees[t + k];
      if (plan.kind == OutputKind::kLeaf) {
        out[t - plan.tree_begin + k] = model.forest->leaf_id(t + k, leaves[k]);
      } else if (linear) {
        add_linear_leaf(*model.forest, tree, leaves[k], model.linear_features(), row, margins);
      } else {
        add_leaf(*model.forest, tree, leaves[k], margins);
      }
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(*model.forest, plan, plan.kind, offset, margins, out);
}

// Finds, tree by tree, the leaf each row of a block reaches, by the fastest walk the
// model allows: the fixed-depth walk over a transposed copy of the block, or the
// general walk.
class BlockWalker {
 public:
  // xt: scratch of num_used_features() * kBlockRows doubles, used when the walk tables exist.
  BlockWalker(const PreparedModel& model, const double* x, size_t n, double* xt)
      : model_(model), x_(x), n_(n), xt_(model.family == WalkFamily::kFixedDepth ? xt : nullptr) {
    if (!xt_) return;
    const size_t nf = model.num_used_features();
    for (size_t r = 0; r < n; ++r) {
      for (size_t f = 0; f < nf; ++f) xt_[f * kBlockRows + r] = x[r * nf + f];
    }
  }
  void leaves(const Tree& tree, uint32_t* out) const {
    if (!xt_) {
      find_leaves(model_, tree, x_, model_.num_used_features(), n_, out);
    } else {
      walk_block(model_, tree, xt_, n_, out);
    }
  }

 private:
  const PreparedModel& model_;
  const double* x_;
  size_t n_;
  double* xt_;
};

// Scores a block of rows already converted to double (n x num_used_features()); offsets:
// the block's n x num_margin_outputs offsets, or nullptr.
template <typename Acc>
void score_block(const PreparedModel& model, const PredictPlan& plan, OutputKind kind, const double* x,
                 size_t n, const double* offsets, double* xt, Acc* margins, double* out) {
  const size_t nf = model.num_used_features();
  if (model.family == WalkFamily::kFixedDepth && n < kLanes) {
    // Too few rows to fill the lanes: walk each row through kLanes trees at once.
    const size_t m = model.forest->num_margin_outputs;
    for (size_t r = 0; r < n; ++r) {
      score_row(model, plan, x + r * nf, offsets ? offsets + r * m : nullptr, margins + r * m,
                out + r * plan.values_per_row);
    }
    return;
  }
  const BlockWalker walker(model, x, n, xt);
  uint32_t leaves[kBlockRows];
  if (kind == OutputKind::kLeaf) {
    const size_t used = plan.tree_end - plan.tree_begin;
    for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
      walker.leaves(model.forest->trees[t], leaves);
      for (size_t r = 0; r < n; ++r) out[r * used + (t - plan.tree_begin)] = model.forest->leaf_id(t, leaves[r]);
    }
    return;
  }
  const size_t m = model.forest->num_margin_outputs;
  for (size_t r = 0; r < n; ++r) init_margins(*model.forest, offsets ? offsets + r * m : nullptr, margins + r * m);
  if (model.forest->has_linear) {
    for (size_t r = 0; r < n; ++r) {
      const double* row = x + r * nf;
      linear_margins(*model.forest, [row](uint32_t f) { return row[f]; }, margins + r * m);
    }
  }
  const bool linear = !model.forest->linear_leaves.empty();
  const uint32_t* linear_features = model.linear_features();
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
    const Tree& tree = model.forest->trees[t];
    walker.leaves(tree, leaves);
    if (linear) {
      for (size_t r = 0; r < n; ++r) {
        add_linear_leaf(*model.forest, tree, leaves[r], linear_features, x + r * nf, margins + r * m);
      }
    } else {
      for (size_t r = 0; r < n; ++r) add_leaf(*model.forest, tree, leaves[r], margins + r * m);
    }
  }
  for (size_t r = 0; r < n; ++r) {
    finish_row(*model.forest, plan, kind, offsets ? offsets + r * m : nullptr, margins + r * m,
               out + r * plan.values_per_row);
  }
}
// ---- Scoring by keys, over the heap tables or else the linked tables (heap_walk.h, linked_walk.h).
// Acc, the sum's type, is float for float32 models, else double.

// The tree block tables single rows take (tree_block_tables.h), or nullptr: usable, and
// the tables their slots index are there.
const TreeBlockTables* row_tree_blocks(const PreparedModel& model) {
  const TreeBlockTables& tables = model.single_row_tree_blocks();
  if (!tables.usable) return nullptr;
  switch (tables.slots) {
    case TreeBlockSlots::kBitvector:
      return model.single_row_bitvector().walks_rows() ? &tables : nullptr;
    case TreeBlockSlots::kOwn:
      return &tables;
  }
  return nullptr;
}

// What a walk by keys returns for each tree is an index into these two tables: the
// value to add, and the index of the leaf (Forest::leaf_id).
template <typename Acc>
struct KeyWalkResults {
  const Acc* value;
  const uint32_t* leaf;
  // batch: for the walk of a batch's blocks, else of single rows (each may be the
  // bitvector walk, bitvector_tables.h). leaves: whether leaf is read (leaf output); the
  // heap walk's leaf table is made at the first call that reads it. tree_blocks: single
  // rows' (row_tree_blocks).
  KeyWalkResults(const PreparedModel& model, bool batch, bool leaves, const TreeBlockTables* tree_blocks = nullptr) {
    const BitvectorTables& bitvector = batch ? model.batch_bitvector() : model.single_row_bitvector();
    if (tree_blocks && tree_blocks->slots == TreeBlockSlots::kOwn) {
      // In place of the linked tables (TreeBlockSlots::kOwn).
      if constexpr (sizeof(Acc) == 4) value = tree_blocks->value32.data();
      else value = tree_blocks->value64.data();
      leaf = tree_blocks->leaf.data();
    } else if (batch ? bitvector.usable : bitvector.walks_rows()) {
      if constexpr (sizeof(Acc) == 4) value = bitvector.value32.data();
      else value = bitvector.value64.data();
      leaf = bitvector.leaf.data();
    } else if (model.family == WalkFamily::kHeap) {
      if constexpr (sizeof(Acc) == 4) value = model.heap.value32.data();
      else value = model.heap.value64.data();
      leaf = leaves ? model.heap_leaves() : nullptr;
    } else {
      // A model whose batches take the bitvector walk builds these at its first single row.
      const LinkedTables& linked = batch ? model.linked : model.single_row_linked();
      if constexpr (sizeof(Acc) == 4) value = linked.value32.data();
      else value = linked.value64.data();
      leaf = model.walk.leaf.data();
    }
  }
};

// Blocks with fewer rows than this walk row by row, many trees side by side (but see
// short_block_by_rows).
constexpr size_t kKeyMinBlockRows = 16;

// Whether a block of n rows of a call of call_rows rows walks row by row: one of fewer
// than kKeyMinBlockRows rows does, unless it is the short last block of a batch (a call
// of kKeyMinBlockRows rows or more) whose blocks take the bitvector walk where single
// rows do not (no AVX-512). That block takes the bitvector walk too, its lanes past n
// padded, so that a batch never builds the single-row walk's tables (a batch of 70 rows
// would hold both, PreparedModel::bitvector_batches_only); a call of fewer rows walks
// row by row, as single rows do. Every block of a model whose batches take the tree
// block walk (PreparedModel::tree_blocks_take_batches) walks row by row.
bool short_block_by_rows(const PreparedModel& model, size_t n, size_t call_rows) {
  if (model.tree_blocks_take_batches) return true;
  if (n >= kKeyMinBlockRows) return false;
  return call_rows < kKeyMinBlockRows || !model.bitvector_batches_only();
}

// Trees [begin, end) kTreeChainCall at a time through a walk in chains (tree_chains.h):
// walk(t, count, reached), then add(t, count, reached). Not inlined: every single row's
// frame keeps its size without these 4 KiB of leaves (which slowed the shallow models'
// single rows by 5-9%).
template <typename Walk, typename Add>
__attribute__((noinline)) void walk_in_chains(uint32_t begin, uint32_t end, Walk walk, Add add) {
  uint32_t reached[key_walk::kTreeChainCall];
  for (uint32_t t = begin; t < end; t += key_walk::kTreeChainCall) {
    const uint32_t count = std::min(key_walk::kTreeChainCall, end - t);
    walk(t, count, reached);
    add(t, count, reached);
  }
}

// Scores one row given its keys (key_walk::row_keys); margins: num_margin_outputs of scratch.
template <typename Acc>
void score_row_by_keys(const PreparedModel& model, const PredictPlan& plan, const uint32_t* keys,
                       const double* offset, Acc* margins, double* out) {
  // Deep trees cut into blocks of 4 levels, where every split fits a byte
  // (tree_block_tables.h): in place of the bitvector or linked walk.
  const TreeBlockTables* tree_blocks = row_tree_blocks(model);
  const KeyWalkResults<Acc> results(model, false, plan.kind == OutputKind::kLeaf, tree_blocks);
  constexpr uint32_t kTrees = 16;
  uint32_t reached[kTrees];
  // A categorical model's are built at its first single row (or a batch's first block of
  // fewer than 16 rows).
  const BitvectorTables& bitvector = model.single_row_bitvector();
  // The row block walk's 16-bit keys (when it takes the model; its slots are the
  // heap's). Batches of a few rows of a wider model come here too: they keep the heap walk.
  uint16_t keys16[2 * kMaxRowFeatures];
  const bool row_blocks = model.family == WalkFamily::kHeap && !bitvector.walks_rows() &&
                          model.num_used_features() <= kMaxRowFeatures && model.single_row_blocks().usable;
  if (row_blocks) key_walk::row_block_keys(model, keys, keys16);
  // The byte walk adds the values itself (one output), beside its walk.
  const bool row_blocks_sum = row_blocks && model.row_blocks.bytes && plan.kind != OutputKind::kLeaf &&
                              model.forest->num_margin_outputs == 1;
  // The tree block walk's byte keys take keys16's place (the row block walk, which reads
  // keys16, does not take such models).
  uint8_t* keys8 = reinterpret_cast<uint8_t*>(keys16);
  static_assert(sizeof(keys16) >= kRowByteKeys, "keys16 holds the byte keys");
  if (tree_blocks) key_walk::tree_block_keys(keys, 2 * model.num_used_features(), keys8);
  uint16_t bitvector_keys16[key_walk::kBitvectorRowKeys16];
  const bool bitvector16 = !tree_blocks && bitvector.walks_rows() && bitvector.rows16;
  if (bitvector16) key_walk::bitvector_row_keys16(model, keys, bitvector_keys16);
  if (plan.kind != OutputKind::kLeaf) init_margins(*model.forest, offset, margins);
  // What trees [t, t + count) add, given the leaves they reached.
  auto add = [&](uint32_t t, uint32_t count, const uint32_t* leaves) {
    if (plan.kind == OutputKind::kLeaf) {
      for (uint32_t k = 0; k < count; ++k) {
        out[t - plan.tree_begin + k] = model.forest->leaf_id(t + k, results.leaf[leaves[k]]);
      }
    } else if (model.forest->num_margin_outputs == 1) {
      // A sum in a register: the chain of adds (in tree order) stays short enough to
      // run beside the next group's walk.
      Acc sum = margins[0];
      for (uint32_t k = 0; k < count; ++k) sum += results.value[leaves[k]];
      margins[0] = sum;
    } else {
      for (uint32_t k = 0; k < count; ++k) margins[model.forest->trees[t + k].output] += results.value[leaves[k]];
    }
  };
  // The walks in chains: the tree block walk, and the linked walk.
  if (tree_blocks) {
    walk_in_chains(
        plan.tree_begin, plan.tree_end,
        [&](uint32_t t, uint32_t count, uint32_t* leaves) {
          key_walk::tree_block_slots(*tree_blocks, keys8, t, count, leaves);
        },
        add);
  } else if (!bitvector.walks_rows() && model.family != WalkFamily::kHeap) {
    walk_in_chains(
        plan.tree_begin, plan.tree_end,
        [&](uint32_t t, uint32_t count, uint32_t* leaves) { key_walk::linked_row_leaves(model, keys, t, count, leaves); },
        add);
  } else {
    for (uint32_t t = plan.tree_begin; t < plan.tree_end; t += kTrees) {
      const uint32_t count = std::min<uint32_t>(kTrees, plan.tree_end - t);
      if (row_blocks_sum) {
        key_walk::row_block_sum(model, keys16, t, count, results.value, margins[0]);
        continue;
      }
      if (bitvector16) {
        key_walk::bitvector_row_slots(model, bitvector, bitvector_keys16, t, count, reached);
      } else if (bitvector.walks_rows()) {
        key_walk::bitvector_row_slots(model, bitvector, keys, t, count, reached);
      } else if (row_blocks) {
        key_walk::row_block_slots(model, keys16, t, count, reached);
      } else {
        key_walk::row_slots(model, keys, t, count, reached);
      }
      add(t, count, reached);
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(*model.forest, plan, plan.kind, offset, margins, out);
}

// Per-thread scratch of the walks by keys.
template <typename Acc>
struct KeyScratch {
  std::vector<double> x;               // a block, converted, row-major
  std::vector<uint32_t> keys;          // its keys (key_walk::block_keys), or one row's
  std::vector<Acc> block_margins;      // num_margin_outputs x kBlockRows
  std::vector<Acc> row_margins;        // num_margin_outputs
};

// Scores the block of n rows in s.x, of a call of call_rows rows; offsets: theirs
// (n x num_margin_outputs) or nullptr.
template <typename Acc>
void score_block_by_keys(const PreparedModel& model, const PredictPlan& plan, size_t n, size_t call_rows,
                         const double* offsets, KeyScratch<Acc>& s, double* out) {
  const size_t nf = model.num_used_features();
  const size_t m = model.forest->num_margin_outputs;
  auto* keys = s.keys.data();
  if (short_block_by_rows(model, n, call_rows)) {
    for (size_t r = 0; r < n; ++r) {
      key_walk::row_keys(model, s.x.data() + r * nf, keys);
      score_row_by_keys(model, plan, keys, offsets ? offsets + r * m : nullptr, s.row_margins.data(),
                        out + r * plan.values_per_row);
    }
    return;
  }
  key_walk::block_keys(model, s.x.data(), n, keys);
  if (plan.kind == OutputKind::kLeaf) {
    const KeyWalkResults<Acc> results(model, true, true);
    // The bitvector walk makes the block's keys into what it reads once per call, so it
    // is given kLeafTrees trees a call rather than one.
    constexpr uint32_t kLeafTrees = 32;
    uint32_t reached[kLeafTrees * kBlockRows];
    const size_t used = plan.tree_end - plan.tree_begin;
    const BitvectorTables& bitvector = model.batch_bitvector();
    for (uint32_t first = plan.tree_begin; first < plan.tree_end; first += kLeafTrees) {
      const uint32_t last = std::min<uint32_t>(first + kLeafTrees, plan.tree_end);
      if (bitvector.usable) key_walk::bitvector_block_slots(model, bitvector, keys, n, first, last, reached);
      for (uint32_t t = first; t < last; ++t) {
        uint32_t* tree_reached = reached + size_t(t - first) * kBlockRows;
        if (!bitvector.usable && model.family == WalkFamily::kHeap) {
          key_walk::block_slots(model, keys, n, t, tree_reached);
        } else if (!bitvector.usable) {
          key_walk::linked_block_leaves(model, keys, n, t, tree_reached);
        }
        for (size_t r = 0; r < n; ++r) {
          out[r * used + (t - plan.tree_begin)] = model.forest->leaf_id(t, results.leaf[tree_reached[r]]);
        }
      }
    }
    return;
  }
  Acc* bm = s.block_margins.data();
  Acc* row = s.row_margins.data();
  if (offsets && offset_starts_sum(*model.forest)) {
    for (size_t r = 0; r < n; ++r) {
      init_margins(*model.forest, offsets + r * m, row);
      for (size_t g = 0; g < m; ++g) bm[g * kBlockRows + r] = row[g];
    }
  } else {
    init_margins(*model.forest, nullptr, row);
    for (size_t g = 0; g < m; ++g) std::fill_n(bm + g * kBlockRows, kBlockRows, row[g]);
  }
  const BitvectorTables& bitvector = model.batch_bitvector();
  if (bitvector.usable) {
    key_walk::bitvector_add_block(model, bitvector, keys, n, plan.tree_begin, plan.tree_end, bm);
  } else if (model.family == WalkFamily::kHeap) {
    key_walk::add_block(model, keys, n, plan.tree_begin, plan.tree_end, bm);
  } else {
    key_walk::linked_add_block(model, keys, n, plan.tree_begin, plan.tree_end, bm);
  }
  for (size_t r = 0; r < n; ++r) {
    for (size_t g = 0; g < m; ++g) row[g] = bm[g * kBlockRows + r];
    finish_row(*model.forest, plan, plan.kind, offsets ? offsets + r * m : nullptr, row,
               out + r * plan.values_per_row);
  }
}

// rows: the largest block's; call_rows: the call's.
template <typename Acc, typename Fill>
void score_rows_by_keys(const PreparedModel& model, const PredictPlan& plan, size_t rows, size_t call_rows,
                        const double* offsets, double* out, Fill& fill, BlockQueue& queue) {
  KeyScratch<Acc> s;
  s.x.resize(rows * model.num_used_features());
  s.keys.resize(2 * kBlockRows * model.num_used_features());
  s.block_margins.resize(kBlockRows * model.forest->num_margin_outputs);
  s.row_margins.resize(model.forest->num_margin_outputs);
  size_t first, n;
  while (queue.take(first, n)) {
    fill(first, n, s.x.data());
    const size_t m = model.forest->num_margin_outputs;
    score_block_by_keys(model, plan, n, call_rows, offsets ? offsets + first * m : nullptr, s,
                        out + first * plan.values_per_row);
  }
}

// fill(first, n, x) writes rows [first, first + n) to x as the walks read them: converted,
// num_used_features() values per row.
// offsets: n_rows x num_margin_outputs (ps_predict_options.base_margin), or nullptr.
template <typename Fill>
void predict_rows(const PreparedModel& model, const PredictPlan& plan, size_t n_rows, const double* offsets,
                  double* out, Fill&& fill) {
  BlockQueue queue(n_rows);
  // Scratch for the largest block this call sees.
  const size_t rows = std::min(kBlockRows, n_rows);
  auto work = [&] {
    if (model.walks_by_keys()) {
      if (model.forest->arithmetic.float32) {
        score_rows_by_keys<float>(model, plan, rows, n_rows, offsets, out, fill, queue);
      } else {
        score_rows_by_keys<double>(model, plan, rows, n_rows, offsets, out, fill, queue);
      }
      return;
    }
    // The transposed copy only when a block fills the lanes (smaller ones walk row by
    // row, see score_block).
    std::vector<double> x(rows * model.num_used_features());
    std::vector<double> xt(model.family == WalkFamily::kFixedDepth && rows >= kLanes ? kBlockRows * model.num_used_features() : 0);
    std::vector<double> margins64;
    std::vector<float> margins32;
    if (model.forest->arithmetic.float32) {
      margins32.resize(rows * model.forest->num_margin_outputs);
    } else {
      margins64.resize(rows * model.forest->num_margin_outputs);
    }
    size_t first, n;
    while (queue.take(first, n)) {
      fill(first, n, x.data());
      double* block_out = out + first * plan.values_per_row;
      const double* block_offsets = offsets ? offsets + first * model.forest->num_margin_outputs : nullptr;
      if (model.forest->arithmetic.float32) {
        score_block(model, plan, plan.kind, x.data(), n, block_offsets, xt.data(), margins32.data(), block_out);
      } else {
        score_block(model, plan, plan.kind, x.data(), n, block_offsets, xt.data(), margins64.data(), block_out);
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1u, plan.num_threads), queue.blocks());
  run_with_helpers(threads > 1 ? threads - 1 : 0, work);
}

template <typename T>
void predict_dense_impl(const PreparedModel& model, const PredictPlan& plan,
                        const T* rows, size_t n_rows, double* out, const double* offsets) {
  check_predict_stack();
  const bool f32 = model.forest->arithmetic.float32;
  const size_t nf = model.forest->num_features;
  const uint32_t* used = model.used_features.data();
  const size_t nu = model.used_features.size();
  predict_rows(model, plan, n_rows, offsets, out, [&](size_t first, size_t n, double* x) {
    const T* src = rows + first * nf;
    if (nu == 0) {  // every feature is used: the rows as they are
      for (size_t i = 0; i < n * nf; ++i) x[i] = convert(static_cast<double>(src[i]), f32);
      return;
    }
    for (size_t r = 0; r < n; ++r) {
      for (size_t j = 0; j < nu; ++j) x[r * nu + j] = convert(static_cast<double>(src[r * nf + used[j]]), f32);
    }
  });
}

}  // namespace

void predict_dense(const PreparedModel& model, const PredictPlan& plan, 
                   const float* rows, size_t n_rows, double* out, const double* offsets) {
  predict_dense_impl(model, plan, rows, n_rows, out, offsets);
}

void predict_dense(const PreparedModel& model, const PredictPlan& plan, 
                   const double* rows, size_t n_rows, double* out, const double* offsets) {
  predict_dense_impl(model, plan, rows, n_rows, out, offsets);
}

template <typename T>
void predict_csr(const PreparedModel& model, const PredictPlan& plan, 
                 const int64_t* indptr, const int32_t* indices, const T* values, size_t n_rows,
                 double* out, const double* offsets) {
  check_predict_stack();
  const double absent = absent_value(*model.forest);
  const bool f32 = model.forest->arithmetic.float32;
  const size_t nu = model.num_used_features();
  // A row costs its stored entries plus the used features: entries of features no split
  // tests are dropped, and the rest land at their used positions.
  predict_rows(model, plan, n_rows, offsets, out, [&](size_t first, size_t n, double* x) {
    std::fill(x, x + n * nu, absent);
    for (size_t r = 0; r < n; ++r) {
      for (int64_t k = indptr[first + r]; k < indptr[first + r + 1]; ++k) {
        const uint32_t j = model.used_position(static_cast<uint32_t>(indices[k]));
        if (j != PreparedModel::kUnusedFeature) x[r * nu + j] = convert(static_cast<double>(values[k]), f32);
      }
    }
  });
}
template void predict_csr<float>(const PreparedModel&, const PredictPlan&,
                                 const int64_t*, const int32_t*, const float*, size_t, double*, const double*);
template void predict_csr<double>(const PreparedModel&, const PredictPlan&,
                                  const int64_t*, const int32_t*, const double*, size_t, double*, const double*);

namespace {

// Models this small score a row faster by reading (and converting) only the features
// their splits test than by preparing the whole row for the side-by-side walks.
constexpr uint32_t kFewTrees = 16;

template <typename Acc>
void score_row_of_few_trees(const PreparedModel& model, const PredictPlan& plan, const double* row,
                            const double* offset, double* out) {
  const bool f32 = model.forest->arithmetic.float32;
  const uint32_t* words = model.forest->category_words.data();
  const bool linear = !model.forest->linear_leaves.empty();
  const uint32_t* linear_features = model.forest->linear_leaves.feature.data();
  Acc margins[kMaxRowMargins];
  if (plan.kind != OutputKind::kLeaf) {
    init_margins(*model.forest, offset, margins);
    if (model.forest->has_linear) {
      linear_margins(*model.forest, [row, f32](uint32_t f) { return convert(row[f], f32); }, margins);
    }
  }
  for (uint32_t t = plan.tree_begin; t < plan.tree_end; ++t) {
    const Node* nodes = model.forest->nodes.data() + model.forest->trees[t].node_begin;
    uint32_t i = 0;
    while (!(nodes[i].flags & kLeaf)) {
      i = next_node(nodes[i], convert(row[nodes[i].feature], f32), words);
    }
    const Tree& tree = model.forest->trees[t];
    const uint32_t leaf = nodes[i].child_or_leaf;
    if (plan.kind == OutputKind::kLeaf) {
      out[t - plan.tree_begin] = model.forest->leaf_id(t, leaf);
    } else if (linear) {
      // The row as given: every feature, not yet converted.
      const double value = linear_leaf_output(
          *model.forest, leaf, [&](uint32_t k) { return convert(row[linear_features[k]], f32); });
      margins[tree.output] += static_cast<Acc>(tree.weight * value);
    } else {
      add_leaf(*model.forest, tree, leaf, margins);
    }
  }
  if (plan.kind != OutputKind::kLeaf) finish_row(*model.forest, plan, plan.kind, offset, margins, out);
}

// predict_row past its stack check. Not inlined: its frame (a row of kMaxRowFeatures
// values and its keys, 35 KiB) must not be taken before the check has looked at the
// stack, or a thread with less left than the frame would be written below its stack
// before being refused, and one with just enough would be refused.
[[gnu::noinline]] void score_one_row(const PreparedModel& model, const PredictPlan& plan, const double* row,
                                     double* out, const double* offset) {
  if (plan.tree_end - plan.tree_begin < kFewTrees) {
    if (model.forest->arithmetic.float32) {
      score_row_of_few_trees<float>(model, plan, row, offset, out);
    } else {
      score_row_of_few_trees<double>(model, plan, row, offset, out);
    }
    return;
  }
  // The caller checked the model against kMaxRowMargins and kMaxRowFeatures, so the
  // stack suffices.
  // The row's used features, converted.
  double converted[kMaxRowFeatures];
  const uint32_t nu = model.num_used_features();
  for (uint32_t j = 0; j < nu; ++j) {
    const uint32_t f = model.used_features.empty() ? j : model.used_features[j];
    converted[j] = convert(row[f], model.forest->arithmetic.float32);
  }
  // margins: in the model's sum type (float32 or double).
  auto score = [&](auto* margins) {
    if (model.walks_by_keys()) {
      uint32_t keys[2 * kMaxRowFeatures];
      key_walk::row_keys(model, converted, keys);
      score_row_by_keys(model, plan, keys, offset, margins, out);
    } else {
      score_row(model, plan, converted, offset, margins, out);
    }
  };
  if (model.forest->arithmetic.float32) {
    float margins[kMaxRowMargins];
    score(margins);
  } else {
    double margins[kMaxRowMargins];
    score(margins);
  }
}

}  // namespace

void predict_row(const PreparedModel& model, const PredictPlan& plan, const double* row, double* out,
                 const double* offset) {
  check_predict_stack();
  score_one_row(model, plan, row, out, offset);
}

}  // namespace polyscore
