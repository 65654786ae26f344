#include "errors.h"

namespace polyscore::server {

int http_status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest: return 400;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kNotReady: return 503;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kOverloaded: return 429;
    case ErrorKind::kFailedPrecondition: return 400;
    case ErrorKind::kDeadlineExceeded: return 504;
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

}  // namespace polyscore::server
