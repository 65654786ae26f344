#include "worker_options.h"

#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace polyscore_worker {

const char kWorkerUsage[] =
    "usage: polyscore worker --model NAME=PATH [--model ...] [--models DIR]\n"
    "                        [--nats URL] [--prefix NAME] [--durable NAME]\n"
    "                        [--max-in-flight N] [--ack-wait-ms MS] [--dedup-window-ms MS]\n"
    "                        [--requests-max-age-ms MS]\n"
    "Scores requests from NATS JetStream (PREFIX.requests) into PREFIX.results, answers\n"
    "request-reply on PREFIX.rpc, and sends what cannot be scored to PREFIX.deadletter.\n"
    "--models DIR serves every DIR/NAME.json, NAME.ubj and NAME.txt as model NAME.\n";

namespace {

bool fail(std::string* error, const std::string& message) {
  *error = message;
  return false;
}

bool parse_positive(const std::string& text, int64_t max, int64_t* out) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return false;
  errno = 0;
  long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno != 0 || v <= 0 || v > max) return false;
  *out = v;
  return true;
}

// One token of a NATS subject that is also a valid stream name part.
bool is_plain_token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

bool add_models_from_dir(const std::string& dir, WorkerOptions* out, std::string* error) {
  DIR* d = opendir(dir.c_str());
  if (!d) {
    *error = "--models " + dir + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::pair<std::string, std::string>> found;
  while (dirent* e = readdir(d)) {
    std::string file = e->d_name;
    size_t dot = file.rfind('.');
    if (dot == std::string::npos || dot == 0) continue;
    std::string ext = file.substr(dot + 1);
    if (ext != "json" && ext != "ubj" && ext != "txt") continue;
    found.emplace_back(file.substr(0, dot), dir + "/" + file);
  }
  closedir(d);
  if (found.empty()) {
    *error = "--models " + dir + ": no .json, .ubj or .txt model files";
    return false;
  }
  std::sort(found.begin(), found.end());  // the same order on every machine
  out->models.insert(out->models.end(), found.begin(), found.end());
  return true;
}

}  // namespace

bool parse_worker_options(const std::vector<std::string>& args, WorkerOptions* out,
                          std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string v;
    int64_t n = 0;
    if (a == "--nats") {
      if (!value(&out->nats_url)) return fail(error, "--nats needs a URL");
    } else if (a == "--model") {
      if (!value(&v)) return fail(error, "--model needs NAME=PATH");
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        return fail(error, "--model needs NAME=PATH, not '" + v + "'");
      out->models.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--models") {
      if (!value(&v)) return fail(error, "--models needs a directory");
      if (!add_models_from_dir(v, out, error)) return false;
    } else if (a == "--prefix") {
      if (!value(&v) || !is_plain_token(v))
        return fail(error, "--prefix needs a name of letters, digits, '_' or '-'");
      out->prefix = v;
    } else if (a == "--durable") {
      if (!value(&v) || !is_plain_token(v))
        return fail(error, "--durable needs a name of letters, digits, '_' or '-'");
      out->durable = v;
    } else if (a == "--max-in-flight") {
      if (!value(&v) || !parse_positive(v, 100000, &n))
        return fail(error, "--max-in-flight needs a whole number from 1 to 100000");
      out->max_in_flight = static_cast<int>(n);
    } else if (a == "--ack-wait-ms") {
      if (!value(&v) || !parse_positive(v, int64_t{1} << 40, &n))
        return fail(error, "--ack-wait-ms needs a positive number of milliseconds");
      out->ack_wait_ms = n;
    } else if (a == "--dedup-window-ms") {
      if (!value(&v) || !parse_positive(v, int64_t{1} << 40, &n))
        return fail(error, "--dedup-window-ms needs a positive number of milliseconds");
      out->dedup_window_ms = n;
    } else if (a == "--requests-max-age-ms") {
      if (!value(&v) || !parse_positive(v, int64_t{1} << 40, &n))
        return fail(error, "--requests-max-age-ms needs a positive number of milliseconds");
      out->requests_max_age_ms = n;
    } else {
      return fail(error, "unknown option '" + a + "'");
    }
  }
  if (out->models.empty()) return fail(error, "no models: give --model NAME=PATH or --models DIR");
  // A request redelivered after the results stream forgot its id would be recorded
  // twice; redelivery comes one ack wait after delivery, so the window must cover it
  // with room for the time spent scoring and publishing.
  if (out->dedup_window_ms < 2 * out->ack_wait_ms)
    return fail(error, "--dedup-window-ms must be at least twice --ack-wait-ms, or a "
                    "redelivered request could be recorded twice");
  return true;
}

}  // namespace polyscore_worker
