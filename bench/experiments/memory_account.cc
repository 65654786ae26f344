// memory_account MODEL...: where a loaded model's bytes go, by table (vector capacities),
// for the models given: the Forest the loader built, the PreparedModel's tables and
// TreeSHAP's. Evidence for bench/memory.py's figures; links the internal core.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "explain/tree_shap.h"
#include "loaders/loaders.h"
#include "predict/prepared_model.h"

namespace {

using namespace polyscore;

double total = 0;

template <typename T, typename Alloc>
void row(const char* part, const char* name, const std::vector<T, Alloc>& v) {
  const double bytes = double(v.capacity()) * sizeof(T);
  total += bytes;
  if (bytes > 0) std::printf("  %-8s %-34s %10zu x %2zu B = %8.3f MiB\n", part, name, v.capacity(), sizeof(T), bytes / 1048576);
}

// A BitvectorTables' arrays, numeric and categorical (the batch bitvector tables are not
// the model's member where left to the first batch: pass batch_bitvector()).
void bitvector_rows(const char* part, const BitvectorTables& b) {
  row(part, "bitvector.keep", b.keep);
  row(part, "bitvector.key", b.key);
  row(part, "bitvector.offset", b.offset);
  row(part, "bitvector.split_begin", b.split_begin);
  row(part, "bitvector.splits", b.splits);
  row(part, "bitvector.value64", b.value64);
  row(part, "bitvector.value32", b.value32);
  row(part, "bitvector.leaf", b.leaf);
  row(part, "bitvector.key16", b.key16);
  row(part, "bitvector.at16", b.at16);
  row(part, "bitvector.category_splits", b.category_splits);
  row(part, "bitvector.category_begin", b.category_begin);
  row(part, "bitvector.category_low/high", b.category_low);
  total += double(b.category_high.capacity()) * sizeof(uint64_t);
  row(part, "bitvector.category_keep", b.category_keep);
  row(part, "bitvector.category_at", b.category_at);
}

void account(const char* path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  const Forest forest = load_model(bytes, 0);
  const PreparedModel m = prepare_model(forest);
  const ContribTables c = prepare_contributions(forest);
  total = 0;
  std::printf("%s: %zu trees, %zu nodes, %zu leaves, walk family %d\n", path, forest.trees.size(), forest.nodes.size(),
              forest.leaf_values.size(), int(m.family));
  row("forest", "nodes", forest.nodes);
  row("forest", "trees", forest.trees);
  row("forest", "leaf_values", forest.leaf_values);
  row("forest", "leaf_ids", forest.leaf_ids);
  row("forest", "category_words", forest.category_words);
  row("forest", "node_covers", forest.node_covers);
  row("forest", "node_covers32", forest.node_covers32);
  row("forest", "iteration_begin", forest.iteration_begin);
  const double forest_total = total;
  row("prepared", "used_features", m.used_features);
  row("prepared", "used_nodes", m.used_nodes);
  row("prepared", "walk.nodes", m.walk.nodes);
  row("prepared", "walk.leaf", m.walk.leaf);
  row("prepared", "walk.depth", m.walk.depth);
  row("prepared", "category_codes.categorical_feature", m.category_codes.categorical_feature);
  row("prepared", "category_codes.right_words", m.category_codes.right_words);
  row("prepared", "category_codes.word_of_node", m.category_codes.word_of_node);
  row("prepared", "ranks.features", m.ranks.features);
  row("prepared", "ranks.keys", m.ranks.keys);
  row("prepared", "ranks.fences", m.ranks.fences);
  row("prepared", "heap.nodes", m.heap.nodes);
  row("prepared", "heap_leaf (leaf output)", m.heap_leaf);
  row("prepared", "heap.value32", m.heap.value32);
  row("prepared", "heap.value64", m.heap.value64);
  row("prepared", "heap.node_begin/slot_begin/depth", m.heap.depth);
  total += 2.0 * m.heap.depth.capacity() * sizeof(uint32_t);
  row("prepared", "heap.category", m.heap.category);
  row("prepared", "linked.nodes", m.linked.nodes);
  row("prepared", "linked.value32", m.linked.value32);
  row("prepared", "linked.value64", m.linked.value64);
  row("prepared", "linked.top", m.linked.top);
  row("prepared", "linked.top_category", m.linked.top_category);
  row("prepared", "linked.top_exit", m.linked.top_exit);
  bitvector_rows("prepared", m.bitvector);
  const double prepared_total = total - forest_total;
  // What the first calls build where prepare_model left it to them (empty otherwise):
  // the tables of a first batch (no AVX-512), of a first single row (linked tables, a
  // categorical model's row tables). Counted as their own part, after load's.
  const double before_first_calls = total;
  if (m.bitvector_at_first_batch) bitvector_rows("1st batch", m.batch_bitvector());
  if (m.bitvector_at_first_row) bitvector_rows("1st row", m.single_row_bitvector());
  if (m.linked_at_first_row) {
    const LinkedTables& linked = m.single_row_linked();
    row("1st row", "linked.nodes", linked.nodes);
    row("1st row", "linked.value32", linked.value32);
    row("1st row", "linked.value64", linked.value64);
    row("1st row", "walk.leaf", m.walk.leaf);
  }
  const double first_calls_total = total - before_first_calls;
  row("shap", "tree_bias", c.tree_bias);
  row("shap", "tree_depth", c.tree_depth);
  std::printf("  forest %.3f MiB, prepared %.3f MiB, built by first calls %.3f MiB, shap %.3f MiB, total %.3f MiB\n",
              forest_total / 1048576, prepared_total / 1048576, first_calls_total / 1048576,
              (total - forest_total - prepared_total - first_calls_total) / 1048576, total / 1048576);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) account(argv[i]);
}
