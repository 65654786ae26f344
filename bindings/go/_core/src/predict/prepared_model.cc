#include "predict/prepared_model.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "predict/key_tables.h"

namespace polyscore {
namespace {

// Fills model.used_features, model.used_nodes and model.used_linear_features. A linear
// model reads every feature; a model whose splits and linear leaves read none still reads
// feature 0, so that rows are never empty.
void choose_used_features(PreparedModel& model) {
  const Forest& forest = *model.forest;
  if (forest.has_linear) return;
  // A bit per declared feature, not a list of every split's feature: that list (grown
  // push by push, then freed) left a hole of its size in the heap under the tables built
  // after it, kept resident (1 MiB on a 500 x 255-leaf model).
  std::vector<bool> tested(forest.num_features);
  for (uint32_t f : forest.linear_leaves.feature) tested[f] = true;
  for (const Node& node : forest.nodes) {
    if (!(node.flags & kLeaf)) tested[node.feature] = true;
  }
  std::vector<uint32_t> used;
  for (uint32_t f = 0; f < forest.num_features; ++f) {
    if (tested[f]) used.push_back(f);
  }
  if (used.empty()) used.push_back(0);
  if (used.size() == forest.num_features) return;
  model.used_features = std::move(used);
  model.used_nodes = forest.nodes;
  for (Node& node : model.used_nodes) {
    if (!(node.flags & kLeaf)) node.feature = model.used_position(node.feature);
  }
  model.used_linear_features = forest.linear_leaves.feature;
  for (uint32_t& f : model.used_linear_features) f = model.used_position(f);
}

// Fills model.walk (WalkNodes, one per node) unless some split reads zero as missing, or
// NaN neither as missing nor as zero: those keep the general walk over Nodes.
void build_walk_nodes(PreparedModel& model) {
  const Forest& forest = *model.forest;
  WalkTables walk;
  walk.nodes.resize(forest.nodes.size());
  walk.leaf.resize(forest.nodes.size(), 0);
  walk.depth.resize(forest.trees.size());
  for (size_t t = 0; t < forest.trees.size(); ++t) {
    const Tree& tree = forest.trees[t];
    std::vector<uint32_t> depth_of(tree.num_nodes, 0);  // children come after parents
    uint32_t deepest = 0;
    for (uint32_t i = 0; i < tree.num_nodes; ++i) {
      const Node& node = model.walk_nodes()[tree.node_begin + i];
      WalkNode& w = walk.nodes[tree.node_begin + i];
      deepest = std::max(deepest, depth_of[i]);
      const uint32_t self = tree.node_begin + i;
      if (node.flags & kLeaf) {
        w = {{std::numeric_limits<double>::infinity()}, self, 0};
        walk.leaf[self] = node.child_or_leaf;
        continue;
      }
      // Zero-as-missing, and NaN that is neither missing nor zero (it would compare as
      // "not <=", i.e. right), keep the general walk.
      if ((node.flags & kZeroIsMissing) || !(node.flags & (kNanIsMissing | kNanAsZero))) return;
      depth_of[node.child_or_leaf] = depth_of[node.child_or_leaf + 1] = depth_of[i] + 1;
      uint32_t flags = node.feature | walk_nan_flags(node.flags);
      if (flags & kWalkNanAsZero) walk.kinds |= kWalkHasNanAsZero;
      w.child = tree.node_begin + node.child_or_leaf;
      if (node.flags & kCategorical) {
        flags |= kWalkCategorical;
        if (node.flags & kCatInSetGoesLeft) flags |= kWalkCatInSetGoesLeft;
        w.category = node.category;
        walk.kinds |= kWalkHasCategorical;
      } else {
        w.threshold = node.threshold;
      }
      w.feature_flags = flags;
    }
    walk.depth[t] = deepest;
  }
  walk.usable = true;
  model.walk = std::move(walk);
}

// What the tables built at a model's first single row are made from: the walk nodes load
// made and released, made again from the forest (which outlives the model) in a scratch
// model, with a copy of the model's key ranks. The scratch model is dropped after.
PreparedModel scratch_with_walk_nodes(const PreparedModel& model) {
  PreparedModel scratch;
  scratch.forest = model.forest;
  choose_used_features(scratch);
  build_walk_nodes(scratch);
  scratch.ranks = model.ranks;
  return scratch;
}

}  // namespace

uint32_t PreparedModel::used_position(uint32_t f) const {
  if (used_features.empty()) return f;
  const auto it = std::lower_bound(used_features.begin(), used_features.end(), f);
  return it != used_features.end() && *it == f ? static_cast<uint32_t>(it - used_features.begin())
                                               : kUnusedFeature;
}

WalkFamily choose_walk(const PreparedModel& model) {
  if (model.heap.usable) return WalkFamily::kHeap;
  if (model.linked.usable) return WalkFamily::kLinked;
  if (model.walk.usable) return WalkFamily::kFixedDepth;
  return WalkFamily::kGeneral;
}

namespace {
template <typename Vector>
void release(Vector& v) {
  Vector().swap(v);
}
}  // namespace

void release_unused_tables(PreparedModel& model) {
  if (!model.walks_by_keys()) return;  // the fixed-depth and general walks read all they have
  release(model.used_nodes);           // score_row_of_few_trees reads the forest's own nodes
  release(model.walk.nodes);
  model.walk.usable = false;
  release(model.category_codes.word_of_node);  // copied into the heap or linked tables
  if (model.family == WalkFamily::kHeap) {     // the heap tables have their own leaves and depths
    release(model.walk.leaf);
    release(model.walk.depth);
    model.linked = LinkedTables();
  }
  if ((model.bitvector.walks_rows() && model.bitvector.usable) || model.tree_blocks_take_batches) {
    // Batches and single rows (and a batch's blocks of fewer than 16 rows, row by row) all
    // take the bitvector walk (predictor.cc, KeyWalkResults), or all the tree block walk
    // with its own values and leaves (no AVX2): the heap or linked tables and the walk
    // nodes' leaf and depth arrays are never read. On the 1,000 x 63-leaf LightGBM
    // benchmark model that is 3.0 MiB of its 8.3. So too for a categorical model whose
    // batches take the bitvector walk (its tables then built at load); it keeps the
    // category codes its rows' keys are made with.
    release(model.walk.leaf);
    release(model.walk.depth);
    model.heap = HeapTables();
    model.linked = LinkedTables();
  } else if (model.batches_take_bitvector() && model.family == WalkFamily::kLinked) {
    // Batches take the bitvector walk, single rows the linked walk: its tables (2.9 of
    // the 1,000 x 63-leaf LightGBM benchmark model's 9.1 MiB) wait for the first single
    // row. A categorical model's (AVX2, where its sets fit 128 bits) keeps its category
    // codes: its rows' keys are made with them, and the linked tables name their bitsets.
    release(model.walk.leaf);
    model.linked = LinkedTables();
    model.linked_at_first_row = true;
  }
}

namespace {

// Every table the model allows; the single-row tables (row block tables, a categorical
// model's bitvector tables) now, or left to the first single row.
PreparedModel prepare(const Forest& forest, bool row_tables_now) {
  PreparedModel model;
  model.forest = &forest;
  choose_used_features(model);
  build_walk_nodes(model);
  if (model.walk.usable) {
    key_walk::build_category_codes(model);
    key_walk::build_key_ranks(model);
    key_walk::build_heap_tables(model);
    key_walk::build_linked_tables(model);
    build_bitvector_tables(model, row_tables_now);
    if (row_tables_now) {
      build_row_block_tables(model);
    } else {
      model.row_blocks_at_first_row = model.heap.usable && row_blocks_allowed();
    }
  }
  model.family = choose_walk(model);
  // The tree block walk takes the single rows of deep trees where they would take the
  // bitvector walk (AVX-512), or the linked walk (AVX2, where the bitvector walk takes
  // their batches only; and no AVX2), if their tables fit (make_tree_block_tables).
  // Where the linked walk would take the batches too (no AVX2, aarch64, or
  // POLYSCORE_NO_BITVECTOR_WALK=1), so do the tree blocks,
  // row by row: the tables are then built at load, and the linked tables go
  // (release_unused_tables), as they would otherwise sit beside them above LightGBM's
  // own memory (docs/predictor.md item 9).
  const BitvectorTables& bv = model.bitvector;
  const bool rows_by_bitvector = bv.walks_rows() && bv.rows16 && !bv.categorical;
  const bool linked = model.family == WalkFamily::kLinked && !model.category_codes.any;
  const bool rows_by_linked = linked && !bv.walks_rows();
  const bool batches_by_linked = linked && !model.batches_take_bitvector();
  if (model.walk.usable && (rows_by_bitvector || rows_by_linked) && tree_blocks_allowed()) {
    if (row_tables_now || batches_by_linked) {
      model.tree_blocks = make_tree_block_tables(model, tree_block_slots_for(model));
      model.tree_blocks_take_batches = batches_by_linked && model.tree_blocks.usable;
    } else {
      model.tree_blocks_at_first_row = true;
    }
  }
  return model;
}

}  // namespace

PreparedModel prepare_model(const Forest& forest) {
  PreparedModel model = prepare(forest, false);
  release_unused_tables(model);
  return model;
}

PreparedModel prepare_all_tables(const Forest& forest) { return prepare(forest, true); }

const uint32_t* PreparedModel::heap_leaves() const {
  std::call_once(heap_leaf_once.flag, [this] { heap_leaf = key_walk::heap_leaf_slots(*this); });
  return heap_leaf.data();
}

const LinkedTables& PreparedModel::single_row_linked() const {
  if (linked_at_first_row) {
    std::call_once(linked_once.flag, [this] {
      PreparedModel scratch = scratch_with_walk_nodes(*this);
      // A categorical model's linked tables name each split's bitset in the category
      // codes, which come out as the model's own.
      if (category_codes.any) key_walk::build_category_codes_for_rows(scratch);
      key_walk::build_linked_tables_for_rows(scratch);
      linked = std::move(scratch.linked);
      walk.leaf = std::move(scratch.walk.leaf);
    });
  }
  return linked;
}

const BitvectorTables& PreparedModel::batch_bitvector() const {
  if (!bitvector_at_first_batch) return bitvector;
  std::call_once(first_batch_bitvector_once.flag, [this] {
    PreparedModel scratch = scratch_with_walk_nodes(*this);
    // A categorical model's tables name each split's bitset in the category codes, which
    // come out as the model's own (not read from the environment, as at load).
    if (category_codes.any) key_walk::build_category_codes_for_rows(scratch);
    first_batch_bitvector = build_batch_bitvector_tables(scratch, bitvector_at_first_batch_avx2);
  });
  return first_batch_bitvector;
}

const BitvectorTables& PreparedModel::single_row_bitvector() const {
  if (!bitvector_at_first_row) return bitvector;
  std::call_once(row_bitvector_once.flag, [this] {
    // The category codes come out as the model's own, which its rows' keys are made with.
    PreparedModel scratch = scratch_with_walk_nodes(*this);
    key_walk::build_category_codes(scratch);
    // Unless the environment turned the codes off since load (POLYSCORE_NO_HEAP_WALK):
    // then single rows keep the linked or heap walk, whose tables such a model keeps.
    if (scratch.category_codes.right_words != category_codes.right_words) return;
    row_bitvector = build_categorical_row_tables(scratch);
  });
  return row_bitvector;
}

const RowBlockTables& PreparedModel::single_row_blocks() const {
  if (row_blocks_at_first_row) {
    std::call_once(row_blocks_once.flag, [this] { row_blocks = make_row_block_tables(*this); });
  }
  return row_blocks;
}

const TreeBlockTables& PreparedModel::single_row_tree_blocks() const {
  if (tree_blocks_at_first_row) {
    std::call_once(tree_blocks_once.flag,
                   [this] { tree_blocks = make_tree_block_tables(*this, tree_block_slots_for(*this)); });
  }
  return tree_blocks;
}

}  // namespace polyscore
