// Structured logs: one JSON object per line on standard error.
#ifndef POLYSCORE_SERVER_LOG_H
#define POLYSCORE_SERVER_LOG_H

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace polyscore::server {

// A log field; numbers are passed already formatted, with quoted = false.
struct LogField {
  std::string_view key;
  std::string value;
  bool quoted = true;
};

inline LogField num(std::string_view key, long long value) {
  return {key, std::to_string(value), false};
}

// Writes {"ts":...,"level":...,"msg":...,fields...} as one line (thread-safe).
void log_line(std::string_view level, std::string_view message,
              std::initializer_list<LogField> fields = {});

inline void log_info(std::string_view message, std::initializer_list<LogField> fields = {}) {
  log_line("info", message, fields);
}
inline void log_warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
  log_line("warn", message, fields);
}
inline void log_error(std::string_view message, std::initializer_list<LogField> fields = {}) {
  log_line("error", message, fields);
}

// Appends s to out as the inside of a JSON string: quotes, backslashes and controls
// escaped, each byte that does not start valid UTF-8 as U+FFFD.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace polyscore::server

#endif
