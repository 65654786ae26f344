// valid_utf8.h: any bytes made valid UTF-8, for text that goes into JSON, a proto3 string
// or a message: a feature name or category from a model file, a value from a BYTES tensor
// or a CSV cell, or a trained category that held lone surrogates need not be UTF-8, and
// one invalid byte makes a whole JSON document or protobuf message unreadable.
#pragma once

#include <string>
#include <string_view>

namespace polyscore::feature_columns {

// s with each byte that does not start a valid UTF-8 sequence (a stray continuation
// byte, a truncated sequence, an overlong form, a surrogate, a code point past
// U+10FFFF) replaced by U+FFFD, one for each such byte. Valid text comes back
// unchanged.
std::string valid_utf8(std::string_view s);

}  // namespace polyscore::feature_columns
