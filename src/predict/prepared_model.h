// A model made ready to score: a const Forest and the tables the walks read, built once
// (prepare_model) and read-only afterwards, so any number of threads may score it. The
// walk a call takes is chosen here, once, from what the tables allow.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "model/forest.h"
#include "predict/bitvector_tables.h"
#include "predict/row_block_tables.h"
#include "predict/tree_block_tables.h"
#include "predict/walk_tables.h"

namespace polyscore {

// The walks, fastest first; prepare_model picks the first the model allows.
enum class WalkFamily : int32_t {
  kHeap,        // by keys over HeapTables (shallow trees, one value per leaf)
  kLinked,      // by keys over LinkedTables (deep trees)
  kFixedDepth,  // the general walk over WalkNodes, a fixed number of branch-free steps
  kGeneral,     // the general walk over Nodes (LightGBM zero_as_missing, multi-value leaves, gblinear)
};

// A once_flag a PreparedModel can be copied with (tests copy models to change their
// tables; nothing copies a model being scored): a copy gets a flag of its own.
struct CopyableOnceFlag {
  std::once_flag flag;
  CopyableOnceFlag() = default;
  CopyableOnceFlag(const CopyableOnceFlag&) {}
  CopyableOnceFlag& operator=(const CopyableOnceFlag&) { return *this; }
};

struct PreparedModel {
  const Forest* forest = nullptr;  // outlives the prepared model
  WalkFamily family = WalkFamily::kGeneral;

  // The features the model's splits test, ascending; empty when that is every feature.
  // The walks read a row as these features' values only (feature used_features[j] at
  // position j), so wide sparse input costs what the trees use, not what the model
  // declares.
  std::vector<uint32_t> used_features;
  std::vector<Node> used_nodes;  // forest->nodes with features as positions in used_features (when not empty)
  // LightGBM linear trees: the features of forest->linear_leaves' terms as positions in
  // used_features (when not empty).
  std::vector<uint32_t> used_linear_features;
  // mutable: single_row_linked() fills walk.leaf (and linked) where prepare_model left
  // them to the first single row.
  mutable WalkTables walk;
  CategoryCodes category_codes;  // for the walks by keys
  KeyRanks ranks;                // for double models' walks by keys
  HeapTables heap;
  mutable LinkedTables linked;   // when heap is not usable
  // Where chosen (bitvector_tables.cc), batches of 16 rows and more take the bitvector
  // walk instead of family's (of batch_bitvector()), and single rows where
  // BitvectorTables::walks_rows() (of single_row_bitvector()).
  BitvectorTables bitvector;
  // Without AVX-512 only batches read the bitvector tables (walks_rows() false), and single
  // rows the linked or heap tables; prepare_model leaves them to the model's first batch
  // that takes them (batch_bitvector()), as the linked tables wait for the first single
  // row, so that a service scoring single rows holds the linked tables only, one scoring
  // batches these only. They are built from the walk nodes, made again then from the forest, and go to
  // first_batch_bitvector; bitvector stays empty. prepare_all_tables builds them at once.
  bool bitvector_at_first_batch = false;
  bool bitvector_at_first_batch_avx2 = false;  // AVX2 (else the portable code), as told at load
  mutable BitvectorTables first_batch_bitvector;
  mutable CopyableOnceFlag first_batch_bitvector_once;
  // The bitvector tables batches read: first_batch_bitvector, built first if left to the
  // first batch (thread-safe), else bitvector. Batches take them where usable.
  const BitvectorTables& batch_bitvector() const;
  // Whether batches take the bitvector walk, told without building its tables.
  bool batches_take_bitvector() const { return bitvector_at_first_batch || bitvector.usable; }
  // Whether batches take it but single rows do not (no AVX-512): a batch's blocks of fewer
  // than 16 rows take it too then (predictor.cc), so that batches never build the tables
  // of single rows.
  bool bitvector_batches_only() const { return batches_take_bitvector() && !bitvector.walks_rows(); }
  // A categorical model's bitvector tables (BitvectorTables::categorical): where its
  // batches take them too (bitvector_tables.cc), prepare_model builds them at load, into
  // bitvector, and then every call takes them and the linked or heap tables go
  // (release_unused_tables); without AVX-512 batches only take them, and they wait for
  // the first batch as a numeric model's do (above). Else only single rows take them, and prepare_model leaves
  // them to the first single row (single_row_bitvector()), so a model never scored that
  // way holds none (about 1.0 MiB beside the linked tables, which stay for its batches);
  // they go to row_bitvector and bitvector stays empty. prepare_all_tables builds them
  // at once, into bitvector.
  bool bitvector_at_first_row = false;
  mutable BitvectorTables row_bitvector;
  mutable CopyableOnceFlag row_bitvector_once;
  // The bitvector tables single rows read: row_bitvector, built first if left to the
  // first single row (thread-safe), else bitvector. Batches read bitvector (where usable).
  const BitvectorTables& single_row_bitvector() const;
  // Where batches take the bitvector walk but single rows (and blocks of fewer than 16
  // rows) the linked walk (AVX2 without AVX-512), prepare_model leaves the linked tables
  // and walk.leaf to the first single row (single_row_linked()), so that a model scored
  // only in batches never holds them: 2.9 MiB for the 1,000 x 63-leaf benchmark model,
  // which without them takes less than LightGBM itself. The walk nodes they are built
  // from are made again then, for the while, from the forest.
  bool linked_at_first_row = false;
  mutable CopyableOnceFlag linked_once;
  // linked (and walk.leaf), built first if they are left to the first single row (thread-safe).
  const LinkedTables& single_row_linked() const;
  // Where usable (row_block_tables.h), single rows of a heap-walk model take the
  // row block walk over these instead of the heap tables' nodes. prepare_model leaves
  // them to the model's first single row (single_row_blocks()), so that a model scored
  // only in batches never holds them: 0.55 MiB for 500 trees of depth 8, a tenth of
  // such a LightGBM model. prepare_all_tables builds them at once.
  mutable RowBlockTables row_blocks;
  bool row_blocks_at_first_row = false;  // POLYSCORE_NO_ROW_BLOCKS is read at load
  mutable CopyableOnceFlag row_blocks_once;
  // row_blocks, built first if they are left to the first single row (thread-safe).
  const RowBlockTables& single_row_blocks() const;
  // Where usable (tree_block_tables.h), single rows of a model the bitvector walk takes
  // them of (16-bit keys, AVX-512), or its batches only (AVX2: single rows would take
  // the linked walk), take the tree block walk over these instead. Built at the model's
  // first single row (single_row_tree_blocks(), thread-safe), so that a model scored
  // only in batches never holds them; where they have values of their own
  // (TreeBlockSlots::kOwn), the linked tables are never built.
  const TreeBlockTables& single_row_tree_blocks() const;
  mutable TreeBlockTables tree_blocks;
  bool tree_blocks_at_first_row = false;
  mutable CopyableOnceFlag tree_blocks_once;
  // Where the bitvector walk takes neither (no AVX2; aarch64; POLYSCORE_NO_BITVECTOR_WALK=1),
  // a linked-walk model's batches take the tree block walk too, row by row, in place of
  // the linked walk:
  // built at load with their own values, and the linked tables and walk.leaf freed.
  // On the 1,000 x 63-leaf benchmark model a batch takes 0.77x the time and the model
  // 1.4 MiB of tables in place of 2.9 (docs/predictor.md item 9).
  bool tree_blocks_take_batches = false;
  // The leaf of each heap slot (key_tables.h heap_leaf_slots), made at the first call that
  // asks (leaf output, thread-safe): 4 bytes a slot that scoring values never reads,
  // 0.5 MiB for 500 trees of depth 8.
  const uint32_t* heap_leaves() const;
  mutable std::vector<uint32_t> heap_leaf;
  mutable CopyableOnceFlag heap_leaf_once;

  // Values per row the walks read: used_features.size(), or num_features when empty.
  uint32_t num_used_features() const {
    return used_features.empty() ? forest->num_features : static_cast<uint32_t>(used_features.size());
  }
  // The nodes the general walk reads, features numbered as num_used_features() counts them.
  const Node* walk_nodes() const { return used_features.empty() ? forest->nodes.data() : used_nodes.data(); }
  // The features of the linear leaf terms the walks read, numbered the same way.
  const uint32_t* linear_features() const {
    return used_features.empty() ? forest->linear_leaves.feature.data() : used_linear_features.data();
  }
  // Feature f's position among the used features, or kUnusedFeature when no split tests it.
  static constexpr uint32_t kUnusedFeature = UINT32_MAX;
  uint32_t used_position(uint32_t f) const;
  bool walks_by_keys() const { return family == WalkFamily::kHeap || family == WalkFamily::kLinked; }
};

// Builds the predictor's tables for `forest` (validated; it must outlive the result), as
// far as the model's splits allow: the walk nodes, then the heap or linked tables (the
// walks by keys, key_tables.h), and chooses the walk. A model with LightGBM linear
// trees gets no walk by keys (they add precomputed leaf values; a linear leaf's output
// depends on the row, key_tables.cc keys_can_walk), so it takes the fixed-depth walk or
// the general walk. Scoring works without any table, only slower. Then releases the
// tables the chosen walk does not read (release_unused_tables): a loaded model keeps
// only what its calls use. The single-row walk's tables wait for the first single row,
// and, without AVX-512, the bitvector tables (which only batches read) for the first batch.
PreparedModel prepare_model(const Forest& forest);

// prepare_model without the release: every table the model allows, so that tests can
// rebuild, drop or compare the walks' tables (the key tables are built from the walk nodes).
PreparedModel prepare_all_tables(const Forest& forest);

// Frees what the walk of model.family never reads: with a walk by keys, the walk nodes
// (the linked walk keeps their leaf and depth arrays), the nodes renumbered for the general
// walk (used_nodes) and the per-node category offsets the tables were built from; when
// the bitvector walk takes single rows as well as batches (BitvectorTables::walks_rows),
// also the heap or linked tables and the walk nodes' leaf and depth arrays; when it
// takes batches only, the linked tables and walk.leaf until the first single row
// (PreparedModel::linked_at_first_row; the bitvector tables themselves wait for the first
// batch, PreparedModel::bitvector_at_first_batch). walk.usable says afterwards whether walk.nodes
// is still there.
void release_unused_tables(PreparedModel& model);

// The walk the tables allow, fastest first (prepare_model sets PreparedModel::family so;
// tests that rebuild a model's tables call it again).
WalkFamily choose_walk(const PreparedModel& model);

}  // namespace polyscore
