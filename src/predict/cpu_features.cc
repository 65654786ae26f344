#include "predict/cpu_features.h"

#include <cstdlib>

#include "predict/key_step.h"  // POLYSCORE_X86_64: x86-64 and not POLYSCORE_PORTABLE

namespace polyscore {

bool set_in_environment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value;
}

bool avx2_allowed() {
#if POLYSCORE_X86_64
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
         !set_in_environment("POLYSCORE_NO_AVX2");
#else
  return false;  // no AVX2 code in this build
#endif
}

bool avx512_allowed() {
#if POLYSCORE_X86_64
  return avx2_allowed() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         !set_in_environment("POLYSCORE_NO_AVX512");
#else
  return false;  // no AVX-512 code in this build
#endif
}

bool avx512cd_allowed() {
#if POLYSCORE_X86_64
  return avx512_allowed() && __builtin_cpu_supports("avx512cd");
#else
  return false;
#endif
}

bool avx512vbmi_allowed() {
#if POLYSCORE_X86_64
  return avx512_allowed() && __builtin_cpu_supports("avx512vbmi");
#else
  return false;
#endif
}

}  // namespace polyscore
