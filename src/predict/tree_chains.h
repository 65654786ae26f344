// One row through many trees in chains: kTreeChains walks side by side, each walking one
// tree to its leaf and then the next of its trees (chain c takes trees c, c + 8, c + 16,
// ... of a call's). Every step of every chain is a step on the row's path (no step past a
// leaf, as walks of a fixed number of trees side by side take to wait for their deepest),
// and where a walk ends is a select, not a branch, which would be mispredicted about once
// a tree. The walks of single rows of deep trees use it (tree_block_walk.cc, linked_walk.cc).
//
// The functions have internal linkage (an unnamed namespace), so that each file compiles
// them for its own instruction set: the tree block walk's file includes this header
// inside its AVX-512 VBMI region, and no other file's copy can be taken for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "predict/key_step.h"  // POLYSCORE_X86_64

namespace polyscore::key_walk {

// Chains side by side. Each step is a chain of dependent loads that the other chains'
// steps run beside; 8 measured fastest (docs/predictor.md item 9).
constexpr uint32_t kTreeChains = 8;

// Trees a call of the chains takes at most: the more trees, the less the chains' path
// lengths differ in proportion, and the fewer steps the longest chain waits for.
constexpr uint32_t kTreeChainCall = 1024;

// A step's outcome: the walk's next place in its tree, whether the tree's walk is done
// with this step (0 or 1: the chain then takes its next tree), and what to record for the
// tree (its last record is its result: the leaf).
struct ChainStep {
  uint32_t next;
  uint32_t end;
  uint32_t record;
};

// A chain: its tree (index into the call's trees) and its place in that tree (size_t:
// indexes without a zero extension).
struct Chain {
  size_t tree, at;
};

namespace {

// end (0 or 1) ? if_end : otherwise, without a branch: GCC makes one of ?: here, which
// would be mispredicted about once a tree.
inline size_t select_at_end(uint32_t end, size_t if_end, size_t otherwise) {
#if POLYSCORE_X86_64
  asm("testl %k[end], %k[end]\n\t"
      "cmovneq %[if_end], %[otherwise]"
      : [otherwise] "+r"(otherwise)
      : [end] "r"(end), [if_end] "rm"(if_end)
      : "cc");
  return otherwise;
#else
  return otherwise ^ ((otherwise ^ if_end) & (size_t(0) - end));
#endif
}

template <typename Step, typename Out>
inline void chain_step(Chain& chain, const uint32_t* roots, Out* records, uint32_t& done, Step& step) {
  const ChainStep s = step(static_cast<uint32_t>(chain.at), static_cast<uint32_t>(chain.tree));
  records[chain.tree] = static_cast<Out>(s.record);
  chain.at = select_at_end(s.end, roots[chain.tree + kTreeChains], s.next);
  chain.tree += s.end * kTreeChains;
  done += s.end;
}

template <typename Step, typename Out, size_t... C>
inline void step_chains(std::index_sequence<C...>, Chain* chains, const uint32_t* roots, Out* records,
                        uint32_t& done, Step& step) {
  (chain_step(chains[C], roots, records, done, step), ...);
}

// Walks `count` trees (at most kTreeChainCall) in chains. roots: each tree's first place,
// then 2 * kTreeChains places of a sink (a walk that never ends: a chain with no tree
// left stays there). step(at, tree) steps from place `at` of tree `tree` (a ChainStep).
// records: room for count + kTreeChains; records[t] is the last record of tree t.
template <typename Step, typename Out>
inline void walk_tree_chains(const uint32_t* roots, uint32_t count, Step step, Out* records) {
  Chain chains[kTreeChains];
  for (uint32_t c = 0; c < kTreeChains; ++c) chains[c] = {c, roots[c]};
  for (uint32_t done = 0; done < count;) {
    step_chains(std::make_index_sequence<kTreeChains>(), chains, roots, records, done, step);
  }
}

}  // namespace

}  // namespace polyscore::key_walk
