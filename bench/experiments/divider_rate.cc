// The divider's best rate on this CPU: nanoseconds per IEEE division (float and double)
// with the widest vectors the CPU has, 8 independent chains in flight so that the
// figure is throughput, not latency. bench/explain/shap_floor.py turns it into the
// least time the libraries' TreeSHAP arithmetic can take for one row (docs/explain.md,
// "Why one row is not under 100 us").
#include <chrono>
#include <cstdio>

namespace {

constexpr long kRounds = 20'000'000;
constexpr int kChains = 8;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One function per (type, lanes, instruction set): a template would be compiled for the
// baseline ISA whatever its caller's target, and split wide vectors into narrow ones.
#define DIVISION_RATE(NAME, TARGET, F, LANES)                                        \
  TARGET double NAME() {                                                             \
    typedef F V __attribute__((vector_size(sizeof(F) * LANES)));                     \
    V acc[kChains], divisor;                                                         \
    for (int i = 0; i < LANES; ++i) divisor[i] = F(1.0000001);                       \
    for (int c = 0; c < kChains; ++c)                                                \
      for (int i = 0; i < LANES; ++i) acc[c][i] = F(1 + c + i);                      \
    const auto start = std::chrono::steady_clock::now();                             \
    for (long n = 0; n < kRounds; ++n) {                                             \
      for (int c = 0; c < kChains; ++c) acc[c] = acc[c] / divisor;                   \
      __asm__ volatile("" : "+x"(acc[0])); /* keeps the loop from being folded */    \
    }                                                                                \
    const double took = seconds_since(start);                                        \
    for (int c = 1; c < kChains; ++c) acc[0] += acc[c];                              \
    __asm__ volatile("" : : "x"(acc[0]));                                            \
    return took * 1e9 / (double(kRounds) * kChains * LANES);                         \
  }

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2")))
DIVISION_RATE(float_avx512, AVX512, float, 16)
DIVISION_RATE(double_avx512, AVX512, double, 8)
DIVISION_RATE(float_avx2, AVX2, float, 8)
DIVISION_RATE(double_avx2, AVX2, double, 4)
DIVISION_RATE(float_sse2, , float, 4)
DIVISION_RATE(double_sse2, , double, 2)

}  // namespace

int main() {
  if (__builtin_cpu_supports("avx512f")) {
    std::printf("float %.4f ns per division (AVX-512, 16 lanes)\n", float_avx512());
    std::printf("double %.4f ns per division (AVX-512, 8 lanes)\n", double_avx512());
  }
  if (__builtin_cpu_supports("avx2")) {
    std::printf("float %.4f ns per division (AVX2, 8 lanes)\n", float_avx2());
    std::printf("double %.4f ns per division (AVX2, 4 lanes)\n", double_avx2());
  }
  std::printf("float %.4f ns per division (SSE2, 4 lanes)\n", float_sse2());
  std::printf("double %.4f ns per division (SSE2, 2 lanes)\n", double_sse2());
  return 0;
}
