// One row through many trees in chains: kTreeChains (or as many as the walk asks) walks
// side by side, each walking one tree to its leaf and then the next of its trees (chain c
// of 8 takes trees c, c + 8, c + 16, ... of a call's). Every step of every chain is a
// step on the row's path (no step past a leaf, as walks of a fixed number of trees side
// by side take to wait for their deepest), and where a walk ends is a select, not a
// branch, which would be mispredicted about once a tree. The walks of single rows of
// deep trees use it (tree_block_chains.h, linked_walk.cc).
//
// The functions have internal linkage (an unnamed namespace), so that each file compiles
// them for its own instruction set: the VBMI and AVX2 tree block walks' files include this
// header inside their AVX-512 VBMI and AVX2 regions, and no other file's copy can be
// taken for theirs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "predict/key_step.h"  // POLYSCORE_X86_64

namespace polyscore::key_walk {

// Chains side by side, unless the walk asks for another count. Each step is a chain of
// dependent loads that the other chains' steps run beside; 8 measured fastest for the
// tree block walk level by level and the linked walk, whose steps take more registers,
// and 12 for the VBMI and AVX2 tree block walks, whose rows sit in vector registers
// (docs/predictor.md item 9).
constexpr uint32_t kTreeChains = 8;

// Trees a call of the chains takes at most: the more trees, the less the chains' path
// lengths differ in proportion, and the fewer steps the longest chain waits for.
constexpr uint32_t kTreeChainCall = 1024;

// A step's outcome: how far the walk's place moves (in the walk's own units of place;
// the places are 32-bit), whether the tree's walk is done with this step (where end_key
// is at least end_at, a constant of the walk: the chain then takes its next tree), and
// what to record for the tree (its last record is its result: the leaf).
struct ChainStep {
  size_t advance;
  size_t end_key;
  size_t end_at;
  uint32_t record;
};

namespace {

// At the end of a tree's walk (end_key >= end_at), its chain takes next_start, and done
// counts it; without a branch, which would be mispredicted about once a tree. On x86-64
// one compare sets the carry both the count and the select read: GCC's own code keeps
// the end as a value (a shift, a test and an add), and with 8 chains' ends live it
// spilled them (docs/predictor.md item 9).
inline void end_or_go_on(size_t end_key, size_t end_at, uint64_t next_start, uint64_t& chain, uint32_t& done) {
#if POLYSCORE_X86_64
  asm("cmpq %[end_at], %[key]\n\t"     // carry: the key is below end_at, the walk goes on
      "cmovaeq %[next], %[chain]\n\t"   // no carry: the next tree
      "sbbl $-1, %[done]"               // done += 1 - carry (last: it sets the carry)
      : [chain] "+r"(chain), [done] "+r"(done)
      : [key] "r"(end_key), [end_at] "er"(end_at), [next] "rm"(next_start)
      : "cc");
#else
  const uint64_t end = end_key >= end_at;
  chain ^= (chain ^ next_start) & (uint64_t(0) - end);
  done += static_cast<uint32_t>(end);
#endif
}

// A chain is one 64-bit word, its tree (an index into the call's trees) above its place
// in that tree: 8 chains and the walk's pointers do not fit x86-64's 16 registers as 16
// words, and each word a chain spills costs a load and a store a step.
inline uint32_t chain_place(uint64_t chain) { return static_cast<uint32_t>(chain); }
inline size_t chain_tree(uint64_t chain) { return chain >> 32; }

// A walk's hint for the place a chain's next tree starts at (the chains call it at every
// step): nothing, unless the walk asks for more (the level walk prefetches the block there,
// tree_block_chains.h).
struct NoPrefetch {
  void operator()(uint32_t) const {}
};

template <size_t kChains, typename Step, typename Prefetch>
inline void chain_step(uint64_t& chain, const uint64_t* starts, uint32_t* records, uint32_t& done, Step& step,
                       const Prefetch& prefetch) {
  const ChainStep s = step(chain_place(chain));
  const size_t tree = chain_tree(chain);
  records[tree] = s.record;
  // At a tree's end, its chain's next tree (kChains on) from its start.
  const uint64_t next = starts[tree + kChains];
  prefetch(chain_place(next));
  chain += s.advance;
  end_or_go_on(s.end_key, s.end_at, next, chain, done);
}

// Steps every chain in turn until `count` trees are done. The chains are values, not an
// array: GCC stored an array's words back to memory at every step.
template <typename Step, typename Prefetch, typename... Chains>
inline void step_chains_until(uint32_t count, const uint64_t* starts, uint32_t* records, Step& step,
                              const Prefetch& prefetch, Chains... chains) {
  for (uint32_t done = 0; done < count;)
    (chain_step<sizeof...(Chains)>(chains, starts, records, done, step, prefetch), ...);
}

// Chain c starts at tree c: start(c).
template <typename Start, typename Step, typename Prefetch, size_t... C>
inline void step_chains(std::index_sequence<C...>, uint32_t count, Start start, const uint64_t* starts,
                        uint32_t* records, Step& step, const Prefetch& prefetch) {
  step_chains_until(count, starts, records, step, prefetch, start(C)...);
}

// Walks `count` trees (at most kTreeChainCall) in kChains chains. root(t): tree t's first place;
// sink: a place whose steps never end (a chain with no tree left stays there).
// step(at) steps from place `at` (a ChainStep). Then leaf(t, record) for each tree in
// order, with its last record. prefetch(place) is told, at each step, where the chain's
// next tree starts.
template <uint32_t kChains = kTreeChains, typename Root, typename Step, typename Leaf, typename Prefetch = NoPrefetch>
inline void walk_tree_chains(uint32_t count, Root root, uint32_t sink, Step step, Leaf leaf,
                             Prefetch prefetch = Prefetch()) {
  // Each tree's chain word at its root, then 2 * kChains at the sink (whose records go
  // past count).
  auto start = [&](uint32_t t) { return uint64_t(t) << 32 | (t < count ? root(t) : sink); };
  uint64_t starts[kTreeChainCall + 2 * kChains];
  for (uint32_t t = 0; t < count + 2 * kChains; ++t) starts[t] = start(t);
  uint32_t records[kTreeChainCall + kChains];
  step_chains(std::make_index_sequence<kChains>(), count, start, starts, records, step, prefetch);
  for (uint32_t t = 0; t < count; ++t) leaf(t, records[t]);
}

}  // namespace

}  // namespace polyscore::key_walk
