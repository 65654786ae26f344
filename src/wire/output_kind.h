// polyscore.v1's OutputKind beside the C ABI's PS_OUTPUT_* constants, for the server and
// the worker (both clients of the ABI that speak polyscore.v1). The schema numbers its
// kinds from 1 because 0 must mean "not set" (OUTPUT_KIND_UNSPECIFIED: the model's
// default output, kNotNamed); the ABI from 0. Header only; include after the
// generated polyscore/v1/scoring.pb.h's directory is on the include path (each program
// generates its own copy of the message classes).
#ifndef POLYSCORE_WIRE_OUTPUT_KIND_H
#define POLYSCORE_WIRE_OUTPUT_KIND_H

#include <cstdint>

#include "abi_names.h"
#include "polyscore/polyscore.h"
#include "polyscore/v1/scoring.pb.h"

namespace polyscore::wire {

// A new kind on either side must be added to both, and here.
static_assert(polyscore::v1::OutputKind_MAX == polyscore::v1::OUTPUT_KIND_INTERACTIONS &&
                  PS_OUTPUT_INTERACTIONS == 4,
              "an output kind was added: map it in output_of() and kind_of()");

// The PS_OUTPUT_* of a kind (kNotNamed for UNSPECIFIED: the model's default
// output, which its config.json may set). False for a number the
// schema does not define (a newer client's kind, or garbage).
inline bool output_of(polyscore::v1::OutputKind kind, int32_t* output) {
  switch (kind) {
    case polyscore::v1::OUTPUT_KIND_UNSPECIFIED: *output = kNotNamed; return true;
    case polyscore::v1::OUTPUT_KIND_VALUE: *output = PS_OUTPUT_VALUE; return true;
    case polyscore::v1::OUTPUT_KIND_MARGIN: *output = PS_OUTPUT_MARGIN; return true;
    case polyscore::v1::OUTPUT_KIND_LEAF: *output = PS_OUTPUT_LEAF; return true;
    case polyscore::v1::OUTPUT_KIND_CONTRIB: *output = PS_OUTPUT_CONTRIB; return true;
    case polyscore::v1::OUTPUT_KIND_INTERACTIONS: *output = PS_OUTPUT_INTERACTIONS; return true;
    default: return false;
  }
}

// The kind of a PS_OUTPUT_* constant (what a response says it holds).
inline polyscore::v1::OutputKind kind_of(int32_t output) {
  switch (output) {
    case PS_OUTPUT_MARGIN: return polyscore::v1::OUTPUT_KIND_MARGIN;
    case PS_OUTPUT_LEAF: return polyscore::v1::OUTPUT_KIND_LEAF;
    case PS_OUTPUT_CONTRIB: return polyscore::v1::OUTPUT_KIND_CONTRIB;
    case PS_OUTPUT_INTERACTIONS: return polyscore::v1::OUTPUT_KIND_INTERACTIONS;
    default: return polyscore::v1::OUTPUT_KIND_VALUE;
  }
}

}  // namespace polyscore::wire

#endif
