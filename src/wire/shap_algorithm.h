// polyscore.v1's ShapAlgorithm beside the C ABI's PS_SHAP_* constants, for the server and
// the worker. The schema's UNSPECIFIED is not an algorithm: it asks for the model's
// configured default (config.json "shap_algorithm", src/model_config), which only the
// caller holding the model can resolve; AUTO is the ABI's PS_SHAP_AUTO. The switch names
// each value, so that a number neither side defines is refused here with a message
// rather than by the library. The names REST bodies and the Open Inference Protocol take
// ("auto", ...) are abi_names_gen.h's, read through src/model_config. Header only;
// include where the generated polyscore/v1/scoring.pb.h is on the include path (see
// output_kind.h).
#ifndef POLYSCORE_WIRE_SHAP_ALGORITHM_H
#define POLYSCORE_WIRE_SHAP_ALGORITHM_H

#include <cstdint>

#include "abi_names.h"
#include "polyscore/polyscore.h"
#include "polyscore/v1/scoring.pb.h"

namespace polyscore::wire {

// A new algorithm on either side must be added to both, and here.
static_assert(polyscore::v1::ShapAlgorithm_MAX == polyscore::v1::SHAP_ALGORITHM_AUTO && PS_SHAP_QUADRATURE == 2,
              "a SHAP algorithm was added: map it in shap_algorithm_of() and algorithm_of()");

// The schema's names, for a message refusing a number it does not define.
inline constexpr char kShapAlgorithmEnumNames[] =
    "SHAP_ALGORITHM_UNSPECIFIED, SHAP_ALGORITHM_TREESHAP, SHAP_ALGORITHM_QUADRATURE, SHAP_ALGORITHM_AUTO";

// The PS_SHAP_* of an algorithm, or kNotNamed for UNSPECIFIED (the model's
// configured default). False for
// a number the schema does not define (a newer client's algorithm, or garbage).
inline bool shap_algorithm_of(polyscore::v1::ShapAlgorithm algorithm, int32_t* shap_algorithm) {
  switch (algorithm) {
    case polyscore::v1::SHAP_ALGORITHM_UNSPECIFIED: *shap_algorithm = kNotNamed; return true;
    case polyscore::v1::SHAP_ALGORITHM_TREESHAP: *shap_algorithm = PS_SHAP_TREESHAP; return true;
    case polyscore::v1::SHAP_ALGORITHM_QUADRATURE: *shap_algorithm = PS_SHAP_QUADRATURE; return true;
    case polyscore::v1::SHAP_ALGORITHM_AUTO: *shap_algorithm = PS_SHAP_AUTO; return true;
    default: return false;
  }
}

// The schema's name of a PS_SHAP_* (model metadata's default_shap_algorithm): AUTO for
// PS_SHAP_AUTO, never UNSPECIFIED.
inline polyscore::v1::ShapAlgorithm algorithm_of(int32_t shap_algorithm) {
  switch (shap_algorithm) {
    case PS_SHAP_TREESHAP: return polyscore::v1::SHAP_ALGORITHM_TREESHAP;
    case PS_SHAP_QUADRATURE: return polyscore::v1::SHAP_ALGORITHM_QUADRATURE;
    default: return polyscore::v1::SHAP_ALGORITHM_AUTO;
  }
}

}  // namespace polyscore::wire

#endif
