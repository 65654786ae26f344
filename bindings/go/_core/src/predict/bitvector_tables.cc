#include "predict/bitvector_tables.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "predict/cpu_features.h"
#include "predict/key_step.h"
#include "predict/key_tables.h"
#include "predict/prepared_model.h"

namespace polyscore {
namespace {

// Whether every numeric split's key fits 16 bits (a double model's ranks, each below
// 0xffff), told from the walk nodes: then a row's key narrowed to min(key, 0xffff)
// compares with each split's as the 32-bit keys do (NaN's all-ones key becomes 0xffff,
// still above every split). Single rows (BitvectorTables::rows16) and AVX-512 batches
// (batches16) take 16-bit keys on this rule, and a categorical model's batches need it
// (categorical_batches_fit).
bool split_keys_fit16(const PreparedModel& model) {
  if (!model.ranks.used) return false;
  for (size_t n = 0; n < model.walk.nodes.size(); ++n) {
    const WalkNode& w = model.walk.nodes[n];
    if ((model.forest->nodes[n].flags & kLeaf) || (w.feature_flags & kWalkCategorical)) continue;
    if (key_walk::split_of(model, w).key >= 0xffff) return false;
  }
  return true;
}

// Whether a categorical model's every split's set fits 128 bits: every code, and NaN's
// (codes + 1), below 128 (BitvectorTables::category_vector).
bool category_sets_fit128(const PreparedModel& model) {
  return uint64_t(model.category_codes.codes) + 2 <= 128;
}

// Numbers the leaves under tree-local node i left to right from `next`, and gives each
// split below its keep mask (BitvectorTables::keep). Returns false past kBitvectorLeaves leaves.
bool number_leaves(const PreparedModel& model, uint32_t t, uint32_t i, uint32_t& next,
                   BitvectorTables& bv) {
  const Tree& tree = model.forest->trees[t];
  const Node& node = model.forest->nodes[tree.node_begin + i];
  if (node.flags & kLeaf) {
    if (next == kBitvectorLeaves) return false;
    set_leaf_slot(bv, t * kBitvectorLeaves + next++, *model.forest, tree, node);
    return true;
  }
  const uint32_t n = tree.node_begin + i;
  const HeapNode split = key_walk::split_of(model, model.walk.nodes[n]);
  const bool categorical = (model.walk.nodes[n].feature_flags & kWalkCategorical) != 0;
  const size_t at = categorical ? bv.category_splits.size() : bv.key.size();
  if (categorical) {
    bv.category_splits.push_back(
        {0, model.category_codes.word_of_node[n], static_cast<uint32_t>(split.offset / key_walk::kBlockRows)});
  } else {
    bv.keep.push_back(0);
    bv.key.push_back(split.key);
    bv.offset.push_back(split.offset);
  }
  const uint32_t first = next;
  if (!number_leaves(model, t, node.child_or_leaf, next, bv)) return false;
  // Going right rules out the left subtree's leaves [first, next): bits 63 - next + 1 .. 63 - first.
  const uint32_t count = next - first;
  const uint64_t left = (count == 64 ? ~uint64_t(0) : ((uint64_t(1) << count) - 1)) << (64 - next);
  (categorical ? bv.category_splits[at].keep : bv.keep[at]) = ~left;
  return number_leaves(model, t, node.child_or_leaf + 1, next, bv);
}

// The tables of a model build_bitvector_tables takes (every tree at most 127 nodes),
// from its walk nodes and category codes; avx512, avx2: as BitvectorTables's.
BitvectorTables make_bitvector_tables(const PreparedModel& model, bool avx512, bool avx2) {
  const bool categorical = model.category_codes.any;
  const Forest& forest = *model.forest;
  // Every list reserved at its size (grown push by push, the old copies leave holes):
  // each tree's numeric splits padded to kBitvectorSplitGroup, and its categorical ones.
  size_t numeric = 0, category = 0, category8 = 0;
  for (const Tree& tree : forest.trees) {
    size_t n = 0, c = 0;
    for (uint32_t i = 0; i < tree.num_nodes; ++i) {
      const uint32_t flags = forest.nodes[tree.node_begin + i].flags;
      if (!(flags & kLeaf)) ++((flags & kCategorical) ? c : n);
    }
    numeric += (n + kBitvectorSplitGroup - 1) / kBitvectorSplitGroup * kBitvectorSplitGroup;
    category += c;
    category8 += (c + 7) / 8 * 8;
  }
  BitvectorTables bv;
  const size_t slots = forest.trees.size() * size_t(kBitvectorLeaves);
  assign_leaf_slots(bv, slots, forest.arithmetic.float32);
  bv.split_begin.reserve(forest.trees.size() + 1);
  bv.splits.reserve(forest.trees.size());
  bv.keep.reserve(numeric);
  bv.key.reserve(numeric);
  bv.offset.reserve(numeric);
  bv.category_splits.reserve(category);
  if (categorical) bv.category_begin.reserve(forest.trees.size() + 1);
  for (uint32_t t = 0; t < forest.trees.size(); ++t) {
    const uint32_t begin = static_cast<uint32_t>(bv.key.size());
    bv.split_begin.push_back(begin);
    if (categorical) bv.category_begin.push_back(static_cast<uint32_t>(bv.category_splits.size()));
    uint32_t leaves = 0;
    // At most 127 nodes (build_bitvector_tables checked) is at most 64 leaves.
    if (!number_leaves(model, t, 0, leaves, bv)) return BitvectorTables();
    bv.splits.push_back(static_cast<uint32_t>(bv.key.size()) - begin);
    // Padding: the all-ones key is never below a row's key, and keeps every leaf anyway.
    while (bv.key.size() % kBitvectorSplitGroup != 0) {
      bv.keep.push_back(~uint64_t(0));
      bv.key.push_back(~0u);
      bv.offset.push_back(0);
    }
  }
  bv.split_begin.push_back(static_cast<uint32_t>(bv.key.size()));
  if (categorical) bv.category_begin.push_back(static_cast<uint32_t>(bv.category_splits.size()));
  bv.avx512 = avx512;
  bv.avx2 = avx2;
  bv.rows = avx512 && model.num_used_features() <= kBitvectorRowFeatures;
  const bool keys_fit16 = split_keys_fit16(model);
  // A row's codes narrowed to 16 bits stay codes while below 0xffff (NaN's is codes + 1).
  const bool codes_fit16 = !categorical || uint64_t(model.category_codes.codes) + 1 < 0xffff;
  bv.rows16 = bv.rows && keys_fit16 && codes_fit16;
  bv.batches16 = avx512 && keys_fit16;
  if (bv.rows16) {
    bv.key16.resize(bv.key.size());
    bv.at16.resize(bv.key.size());
    for (size_t i = 0; i < bv.key.size(); ++i) {
      bv.key16[i] = static_cast<uint16_t>(std::min<uint32_t>(bv.key[i], 0xffff));
      bv.at16[i] = static_cast<uint16_t>(bv.offset[i] / key_walk::kBlockRows);
    }
  }
  // The vector form (BitvectorTables::category_vector): a set of at most 4 words, for
  // single rows with AVX-512 (16-bit row keys), and for batches with AVX2 (32-bit keys,
  // where the model's batches would take them with AVX-512: 16-bit keys).
  const bool vector_form = bv.rows16 || (avx2 && keys_fit16 && codes_fit16);
  if (categorical && vector_form && category_sets_fit128(model)) {
    const std::vector<uint32_t>& words = model.category_codes.right_words;
    const uint32_t bitset_words = model.category_codes.bitset_words();
    std::vector<uint32_t> begin;
    begin.reserve(forest.trees.size() + 1);
    bv.category_low.reserve(category8);
    bv.category_high.reserve(category8);
    bv.category_keep.reserve(category8);
    bv.category_at.reserve(category8);
    for (uint32_t t = 0; t < forest.trees.size(); ++t) {
      begin.push_back(static_cast<uint32_t>(bv.category_keep.size()));
      for (uint32_t j = bv.category_begin[t]; j < bv.category_begin[t + 1]; ++j) {
        const BitvectorCategorySplit& split = bv.category_splits[j];
        uint64_t set[2] = {0, 0};
        for (uint32_t w = 0; w < bitset_words; ++w) set[w / 2] |= uint64_t(words[split.word + w]) << (32 * (w % 2));
        bv.category_low.push_back(set[0]);
        bv.category_high.push_back(set[1]);
        bv.category_keep.push_back(split.keep);
        bv.category_at.push_back(split.at);
      }
      while (bv.category_keep.size() % 8 != 0) {
        bv.category_low.push_back(0);
        bv.category_high.push_back(0);
        bv.category_keep.push_back(~uint64_t(0));
        bv.category_at.push_back(0);
      }
    }
    begin.push_back(static_cast<uint32_t>(bv.category_keep.size()));
    bv.category_begin = std::move(begin);
    decltype(bv.category_splits)().swap(bv.category_splits);
    bv.category_vector = true;
  }
  bv.categorical = categorical;
  // A categorical model's batches: where its sets fit 128 bits, with AVX-512 on 16-bit
  // keys (bitvector_walk.cc, vector_slots16), or with AVX2 (avx2_leaves).
  bv.usable = !categorical || (bv.category_vector && (bv.batches16 || avx2));
  if (categorical && bv.rows16) {
    // Only single rows walk these tables, and they read the 16-bit copies.
    decltype(bv.key)().swap(bv.key);
    decltype(bv.offset)().swap(bv.offset);
  }
  return bv;
}

// Whether make_bitvector_tables makes a categorical model's tables usable by batches
// (with AVX-512 or AVX2: 16-bit keys, every code below 126), on the rules it builds
// them by, before they are built: only such models build them at load (with AVX-512 the
// others at their first single row; with AVX2 the others none).
bool categorical_batches_fit(const PreparedModel& model) {
  return category_sets_fit128(model) && split_keys_fit16(model);
}

}  // namespace

// Where the bitvector walk is chosen. It tests every split of a tree for 16 rows per
// AVX-512 compare (32 with 16-bit keys) or 8 per AVX2 compare, with no dependent loads,
// where the linked walk follows one chain of loads per row through a few of them; that
// wins on deep, leaf-wise trees of up to 64 leaves, but not where the heap walk takes the
// model (its few levels cost fewer instructions than all of a tree's splits), nor with
// the portable code. Measured (interleaved A/B in one run, 1 thread, AMD EPYC Zen 4;
// docs/predictor.md): LightGBM 1,000 x 63 leaves, batch of 10,000 rows, CPU time per tree
// and row 3.39 ns with AVX-512 (4.76 before the 16-bit keys and 32-bit halves; the
// linked walk 11-17); with AVX2 only (POLYSCORE_NO_AVX512=1) 5.11 against the linked
// walk's 10.40; one row 0.51-0.61 of the linked walk's; a 500 x 63-leaf depth-6 LightGBM model (the heap
// walk's) 1.23x the heap walk in batches and 1.85x for one row; the portable code 1.8x
// the linked walk. So: the models the linked walk takes, on CPUs with AVX-512 or AVX2
// (single rows only with AVX-512). POLYSCORE_BITVECTOR_WALK=1 forces it on every model it
// can take (tests prove its exactness on all conformance vectors so, with AVX-512, AVX2
// and the portable code); POLYSCORE_NO_BITVECTOR_WALK=1 turns it off (benchmarks compare
// the two in one build). Single rows take it only with AVX-512 and at most
// kBitvectorRowFeatures used features (BitvectorTables::rows). A model with categorical
// splits, on the same rule, for single rows (BitvectorTables::categorical): one row
// of the 500 x 63-leaf categorical LightGBM benchmark model 0.49x the linked walk's time
// at p50; and for its batches where their 16-bit keys and 128-bit sets fit
// (categorical_batches_fit): such a model's tables are built at load, and its linked or
// heap tables released, as nothing reads them then. Else the tables (about 1.0 MiB beside
// the linked ones) wait for the model's first single row unless tables_now
// (PreparedModel::single_row_bitvector). Without AVX-512 the same models' batches take
// the AVX2 form (docs/predictor.md item 7); their single rows keep the linked walk, whose
// tables wait for the first one as a numeric model's do. Without AVX-512 any model's
// tables (batches only) wait for its first batch unless tables_now
// (PreparedModel::batch_bitvector).
void build_bitvector_tables(PreparedModel& model, bool tables_now) {
  model.bitvector = BitvectorTables();
  model.bitvector_at_first_row = false;
  model.bitvector_at_first_batch = false;
  const bool forced = set_in_environment("POLYSCORE_BITVECTOR_WALK");
  const bool avx512 = avx512cd_allowed();
  const bool avx2 = !avx512 && avx2_allowed();
  if (set_in_environment("POLYSCORE_NO_BITVECTOR_WALK")) return;
  if (!(forced ? model.heap.usable || model.linked.usable : model.linked.usable && (avx512 || avx2))) return;
  // Categorical splits: single rows with AVX-512 only (BitvectorTables::categorical),
  // batches with AVX-512 or AVX2 where they fit (categorical_batches_fit). The same
  // models take them either way: AVX2 asks for what AVX-512's batches need (their
  // 16-bit keys, at most kBitvectorRowFeatures used features), though its own walk reads
  // 32-bit keys, so that which models take it does not depend on which of the two a CPU has.
  const bool categorical = model.category_codes.any;
  if (categorical && !((avx512 || avx2) && model.num_used_features() <= kBitvectorRowFeatures)) return;
  const Forest& forest = *model.forest;
  // Leaf slots (tree * 64 + leaf) index the AVX-512 gathers as signed 32-bit lanes.
  if (forest.trees.size() > size_t(INT32_MAX) / kBitvectorLeaves) return;
  // A tree of at most 127 nodes has at most 64 leaves: checked here, before anything is
  // built, so that tables left to the first single row are sure to be built then.
  for (const Tree& tree : forest.trees) {
    if (tree.num_nodes > 2 * kBitvectorLeaves - 1) return;
  }
  // A categorical model whose batches take them builds them now: then every call takes
  // them, and the linked or heap tables go at load (release_unused_tables).
  if (categorical && !categorical_batches_fit(model)) {
    // AVX2: single rows keep the linked or heap walk, and so do these batches.
    if (!avx512) return;
    if (!tables_now) {
      model.bitvector_at_first_row = true;
      return;
    }
  }
  // Without AVX-512 only batches read them (single rows take the linked or heap walk):
  // they wait for the first batch (PreparedModel::batch_bitvector), so that a service
  // scoring single rows never holds them. The checks above make sure they are built then,
  // usable: every tree at most 64 leaves, a categorical model's sets and keys fit.
  if (!avx512 && !tables_now) {
    model.bitvector_at_first_batch = true;
    model.bitvector_at_first_batch_avx2 = avx2;
    return;
  }
  model.bitvector = make_bitvector_tables(model, avx512, avx2);
}

BitvectorTables build_categorical_row_tables(const PreparedModel& model) {
  return make_bitvector_tables(model, true, false);
}

BitvectorTables build_batch_bitvector_tables(const PreparedModel& model, bool avx2) {
  return make_bitvector_tables(model, false, avx2);
}

}  // namespace polyscore
