// The one exception type of the core. The C ABI turns it into a ps_status and a
// ps_error; nothing else crosses that boundary.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "polyscore/common.h"

namespace polyscore {

class Error : public std::runtime_error {
 public:
  Error(ps_status code, const std::string& message, int64_t offset = -1)
      : std::runtime_error(message), code_(code), offset_(offset) {}
  ps_status code() const { return code_; }
  int64_t offset() const { return offset_; }

 private:
  ps_status code_;
  int64_t offset_;
};

[[noreturn]] inline void fail_parse(const std::string& message, int64_t offset = -1) {
  throw Error(PS_ERR_PARSE, message, offset);
}
[[noreturn]] inline void fail_unsupported(const std::string& message) {
  throw Error(PS_ERR_UNSUPPORTED, message);
}

}  // namespace polyscore
