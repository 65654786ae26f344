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
  row("prepared", "heap.leaf", m.heap.leaf);
  row("prepared", "heap.value32", m.heap.value32);
  row("prepared", "heap.value64", m.heap.value64);
  row("prepared", "heap.node_begin/slot_begin/depth", m.heap.depth);
  total += 2.0 * m.heap.depth.capacity() * sizeof(uint32_t);
  row("prepared", "heap.category", m.heap.category);
  row("prepared", "linked.nodes", m.linked.nodes);
  row("prepared", "linked.value32", m.linked.value32);
  row("prepared", "linked.value64", m.linked.value64);
  row("prepared", "linked.category", m.linked.category);
  row("prepared", "linked.top", m.linked.top);
  row("prepared", "linked.top_category", m.linked.top_category);
  row("prepared", "linked.top_exit", m.linked.top_exit);
  row("prepared", "bitvector.keep", m.bitvector.keep);
  row("prepared", "bitvector.key", m.bitvector.key);
  row("prepared", "bitvector.offset", m.bitvector.offset);
  row("prepared", "bitvector.split_begin", m.bitvector.split_begin);
  row("prepared", "bitvector.splits", m.bitvector.splits);
  row("prepared", "bitvector.value64", m.bitvector.value64);
  row("prepared", "bitvector.value32", m.bitvector.value32);
  row("prepared", "bitvector.leaf", m.bitvector.leaf);
  row("prepared", "bitvector.key16", m.bitvector.key16);
  row("prepared", "bitvector.at16", m.bitvector.at16);
  const double prepared_total = total - forest_total;
  row("shap", "tree_bias", c.tree_bias);
  row("shap", "tree_depth", c.tree_depth);
  std::printf("  forest %.3f MiB, prepared %.3f MiB, shap %.3f MiB, total %.3f MiB\n", forest_total / 1048576,
              prepared_total / 1048576, (total - forest_total - prepared_total) / 1048576, total / 1048576);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) account(argv[i]);
}
