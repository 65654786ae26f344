/*
 * polyscore/experimental.h: declarations under trial. NO ABI PROMISE.
 *
 * Included by polyscore/polyscore.h only when PS_EXPERIMENTAL is defined before it
 * (as zstd does with ZSTD_STATIC_LINKING_ONLY). Anything here may change or go away
 * in any release, including a patch release; a program that uses it must be rebuilt
 * against the exact polyscore version it runs with.
 *
 * Rules for this header (checked by abi_tests/test.sh):
 *  - Nothing in the stable headers (common.h, model.h, predict.h) may name a
 *    ps_experimental_* type or a PS_EXPERIMENTAL_* macro.
 *  - Declare nothing the library does not implement. Today this header holds only
 *    a macro and a type, and adds no exported symbol; a function added here must be
 *    exported by libpolyscore.so.1 and is not part of the POLYSCORE_1.N promise.
 *  - When a declaration graduates, it moves to a stable header, gets a \since tag,
 *    a CHANGELOG "ABI" entry and (for a new struct field or function) a higher
 *    PS_ABI_VERSION.
 */
#ifndef POLYSCORE_EXPERIMENTAL_H
#define POLYSCORE_EXPERIMENTAL_H

#include "common.h"

PS_BEGIN_DECL

/* Revision of this experimental section; changes whenever anything below does. */
#define PS_EXPERIMENTAL_REVISION 1

/* Features that may be trialled in this section. None is offered yet: the bit set
 * exists so that bindings can be written against the experimental gate today. */
typedef enum ps_experimental_feature_flags {
  PS_EXPERIMENTAL_FEATURE_NONE = 0
} ps_experimental_feature_flags;

PS_END_DECL

#endif /* POLYSCORE_EXPERIMENTAL_H */
