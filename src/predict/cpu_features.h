// cpu_features.h: which SIMD instruction sets this process may use (what the CPU has, less
// what the environment turns off), one rule for every walk and kernel that picks its code
// at run time.
//
// POLYSCORE_NO_AVX512=1 leaves AVX2; POLYSCORE_NO_AVX2=1 leaves neither (AVX-512 code uses
// AVX2 code for its tails, and "no AVX2" is how a user asks for the scalar code). A build
// without x86-64 SIMD code (another CPU, or POLYSCORE_PORTABLE) allows neither.
#pragma once

namespace polyscore {

// Whether the environment variable `name` is set to something other than "".
bool set_in_environment(const char* name);

// The CPU has AVX2 and POPCNT, and POLYSCORE_NO_AVX2 is not set.
bool avx2_allowed();

// avx2_allowed(), the CPU has AVX-512 F, BW, DQ and VL, and POLYSCORE_NO_AVX512 is not set.
bool avx512_allowed();

// avx512_allowed() and the CPU has AVX-512 CD as well (vplzcntq).
bool avx512cd_allowed();

// avx512_allowed() and the CPU has AVX-512 VBMI as well (vpermt2b: byte permutes).
bool avx512vbmi_allowed();

}  // namespace polyscore
