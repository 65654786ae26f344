#include "log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "valid_utf8.h"

namespace polyscore::server {

void append_json_escaped(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  // JSON text is UTF-8, and one invalid byte (a feature name from a Latin-1 model file, a
  // percent-decoded model name) would make the whole answer or log line unreadable.
  const std::string text = feature_columns::valid_utf8(s);
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
}

void log_line(std::string_view level, std::string_view message,
              std::initializer_list<LogField> fields) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t seconds = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));

  std::string line = "{\"ts\":\"";
  line += stamp;
  line += "\",\"level\":\"";
  line += level;
  line += "\",\"msg\":\"";
  append_json_escaped(line, message);
  line += '"';
  for (const LogField& field : fields) {
    line += ",\"";
    line += field.key;
    line += "\":";
    if (field.quoted) {
      line += '"';
      append_json_escaped(line, field.value);
      line += '"';
    } else {
      line += field.value;
    }
  }
  line += "}\n";
  static std::mutex mutex;  // one write per line keeps lines whole across threads
  std::lock_guard<std::mutex> lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace polyscore::server
