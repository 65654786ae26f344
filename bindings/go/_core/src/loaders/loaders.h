// Loaders: one per model format, each turning a file's bytes into a Forest.
// All of them throw polyscore::Error (PS_ERR_PARSE with the field and, where known,
// the byte offset; PS_ERR_UNSUPPORTED naming what is not supported).
#pragma once

#include <string_view>

#include "model/forest.h"

namespace polyscore {

Forest load_xgboost_json(std::string_view bytes);
Forest load_xgboost_ubjson(std::string_view bytes);
Forest load_lightgbm_text(std::string_view bytes);

// Guesses the format from the first bytes; throws PS_ERR_PARSE when none fits.
ModelFormat detect_format(std::string_view bytes);

// Detects (or takes) the format, loads, and validates the result.
Forest load_model(std::string_view bytes, int32_t format /* PS_FORMAT_*, 0 = auto */);

}  // namespace polyscore
