// The one error type of the server: what went wrong, in terms both protocols map.
#ifndef POLYSCORE_SERVER_ERRORS_H
#define POLYSCORE_SERVER_ERRORS_H

#include <stdexcept>
#include <string>

namespace polyscore::server {

enum class ErrorKind {
  kBadRequest,          // HTTP 400, INVALID_ARGUMENT
  kNotFound,            // HTTP 404, NOT_FOUND
  kNotReady,            // HTTP 503, UNAVAILABLE
  kTooLarge,            // HTTP 413, INVALID_ARGUMENT (the request itself is too big)
  kOverloaded,          // HTTP 429, RESOURCE_EXHAUSTED
  kFailedPrecondition,  // HTTP 400, FAILED_PRECONDITION (the model cannot answer this)
  kDeadlineExceeded,    // HTTP 504, DEADLINE_EXCEEDED
  kInternal             // HTTP 500, INTERNAL
};

// Thrown from parsing and scoring; caught at each endpoint and turned into a status.
class ServeError : public std::runtime_error {
 public:
  ServeError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) {
  throw ServeError(kind, message);
}

int http_status_of(ErrorKind kind);

}  // namespace polyscore::server

#endif
