// The tree block walk on every CPU: each block level by level. Where the CPU has AVX-512
// VBMI or AVX2, tree_block_slots hands the walk to tree_block_walk_vbmi.cc or
// tree_block_walk_avx2.cc (TreeBlockTables::step).
#include "predict/tree_block_walk.h"

#include <algorithm>

#include "predict/key_step.h"  // POLYSCORE_X86_64
#include "predict/tree_block_chains.h"

namespace polyscore::key_walk {
namespace {

// The exit of the block at `block` walked its 4 levels: at 1-based heap position v the
// row goes right (v = 2v + 1) when its byte key at the node's place, block[16 + v], is
// above the node's key, block[v]. The exits follow the places, so the exit below
// position v (16 to 31) is block[16 + v] too.
inline size_t block_exit_by_levels(const uint8_t* block, const uint8_t* keys8) {
  static_assert(kRowBlockNodes == 16 && kRowBlockLevels == 4, "the assembly below walks 4 levels of 16 nodes");
#if POLYSCORE_X86_64
  // The first two levels at once: the three nodes' places are at fixed offsets, so their
  // row keys load as soon as the block's address is known, and the second level's key
  // pair is chosen by the first's carry (cmov), not loaded after it: a step's chain of
  // dependent loads is a level's two loads shorter, for 6 instructions more.
  // Then a level is 4 instructions: the place, the row's key there, a compare of the
  // node's key with it (carry: the node's is below) and v = v + v + carry. GCC's own
  // form of 2 * v + (a > b) takes 6 (a setb, a zeroing and a lea for the add-with-carry),
  // and the walk's chains are bound by instructions as much as by their loads
  // (docs/predictor.md item 9).
  size_t v, left_key, right_key, left_node, right_node, place, key;
#define POLYSCORE_BLOCK_LEVEL                  \
  "movzbl 16(%[block],%[v]), %k[place]\n\t"   \
  "movzbl (%[keys],%[place]), %k[key]\n\t"    \
  "cmpb %b[key], (%[block],%[v])\n\t"         \
  "adcq %[v], %[v]\n\t"
  asm("movl $1, %k[v]\n\t"
      "movzbl 17(%[block]), %k[key]\n\t"         // level 1: node 1's place
      "movzbl 18(%[block]), %k[left_key]\n\t"    // level 2: nodes 2 and 3's places
      "movzbl 19(%[block]), %k[right_key]\n\t"
      "movzbl (%[keys],%[key]), %k[key]\n\t"     // the row's keys there
      "movzbl (%[keys],%[left_key]), %k[left_key]\n\t"
      "movzbl (%[keys],%[right_key]), %k[right_key]\n\t"
      "movzbl 2(%[block]), %k[left_node]\n\t"
      "movzbl 3(%[block]), %k[right_node]\n\t"
      "cmpb %b[key], 1(%[block])\n\t"            // carry: right at node 1
      "cmovcq %[right_key], %[left_key]\n\t"     // so node 3's keys, else node 2's
      "cmovcq %[right_node], %[left_node]\n\t"
      "adcq %[v], %[v]\n\t"
      "cmpb %b[left_key], %b[left_node]\n\t"
      "adcq %[v], %[v]\n\t"
      POLYSCORE_BLOCK_LEVEL POLYSCORE_BLOCK_LEVEL
      "movzbl 16(%[block],%[v]), %k[v]"
      : [v] "=&r"(v), [left_key] "=&r"(left_key), [right_key] "=&r"(right_key), [left_node] "=&r"(left_node),
        [right_node] "=&r"(right_node), [place] "=&r"(place), [key] "=&r"(key)
      : [block] "r"(block), [keys] "r"(keys8), "m"(*reinterpret_cast<const uint8_t(*)[kTreeBlockBytes]>(block)),
        "m"(*reinterpret_cast<const uint8_t(*)[kRowByteKeys]>(keys8))
      : "cc");
#undef POLYSCORE_BLOCK_LEVEL
  return v;
#else
  size_t v = 1;
  for (uint32_t level = 0; level < kRowBlockLevels; ++level) {
    v = 2 * v + (keys8[block[kRowBlockNodes + v]] > block[v]);
  }
  return block[kRowBlockNodes + v];
#endif
}

}  // namespace

void tree_block_keys(const uint32_t* keys, uint32_t n, uint8_t* keys8) {
  for (uint32_t j = 0; j < n; ++j) keys8[j] = static_cast<uint8_t>(std::min<uint32_t>(keys[j], 255));
  std::fill(keys8 + n, keys8 + kRowByteKeys, uint8_t(0));
}

void tree_block_slots(const TreeBlockTables& tables, const uint8_t* keys8, uint32_t first, uint32_t count,
                      uint32_t* slots) {
#if POLYSCORE_X86_64
  // The tables choose those steps only where the CPU has them (make_tree_block_tables).
  switch (tables.step) {
    case TreeBlockStep::kPermute:
      tree_block_slots_vbmi(tables, keys8, first, count, slots);
      return;
    case TreeBlockStep::kShuffles:
      tree_block_slots_avx2(tables, keys8, first, count, slots);
      return;
    case TreeBlockStep::kLevels:
      break;
  }
#endif
  // Each next tree's first block prefetched: 0.96x the time (docs/predictor.md item 9).
  walk_tree_blocks<kTreeChains, true>(tables, first, count, slots,
                                      [keys8](const uint8_t* block) { return block_exit_by_levels(block, keys8); });
}

}  // namespace polyscore::key_walk
