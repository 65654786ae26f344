// The limits `polyscore serve` puts on a request and on the process (options.cc sets
// them from the command line). Each bounds what one client can make the server hold.
// Not "limits.h": src/server is on the include path, and <limits.h> must stay the C library's.
#ifndef POLYSCORE_SERVER_SERVE_LIMITS_H
#define POLYSCORE_SERVER_SERVE_LIMITS_H

#include <cstddef>

namespace polyscore::server {

struct Limits {
  size_t max_body_bytes = 16 << 20;
  size_t max_rows = 100000;
  // The answer is allocated before scoring; a small request can ask for a large one
  // (interaction values: (features + 1)^2 doubles per row and margin), so it is bounded
  // by itself, not only through the rows.
  size_t max_answer_bytes = size_t(256) << 20;
  int max_concurrent = 64;
};

}  // namespace polyscore::server

#endif
