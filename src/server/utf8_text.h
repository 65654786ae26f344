// Text for JSON and protobuf string fields, which must be valid UTF-8 (a protobuf client
// refuses the whole message otherwise), from bytes that need not be: a category a model
// file saved with lone surrogates or surrogateescape's bytes (include/polyscore/model.h).
#ifndef POLYSCORE_SERVER_UTF8_TEXT_H
#define POLYSCORE_SERVER_UTF8_TEXT_H

#include <string>
#include <string_view>

namespace polyscore::server {

bool is_valid_utf8(std::string_view s);
// s with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string with_invalid_utf8_replaced(std::string_view s);

}  // namespace polyscore::server

#endif
