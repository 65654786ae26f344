#include "worker_options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "model_layout.h"

namespace polyscore_worker {

const char kWorkerUsage[] =
    "usage: polyscore worker --model NAME=PATH [--model ...] [--models DIR]\n"
    "                        [--nats URL] [--prefix NAME] [--durable NAME]\n"
    "                        [--max-in-flight N] [--ack-wait-ms MS] [--dedup-window-ms MS]\n"
    "                        [--requests-max-age-ms MS]\n"
    "Scores requests from NATS JetStream (PREFIX.requests) into PREFIX.results, answers\n"
    "request-reply on PREFIX.rpc, and sends what cannot be scored to PREFIX.deadletter.\n"
    "--models DIR serves the newest version of each model in DIR, laid out like\n"
    "polyscore serve's: DIR/NAME/VERSION/model.{json,ubj,txt} or DIR/NAME.{json,ubj,txt},\n"
    "with the server's per-model config (DIR/NAME/config.json or DIR/NAME.config.json).\n"
    "--model NAME=PATH reads the config beside PATH the same way: PATH without its\n"
    "extension, then .config.json (fraud.txt: fraud.config.json), if it exists. The worker\n"
    "applies its categorical_columns and default_output (docs/worker.md).\n";

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

// The newest version of each model under DIR (a worker serves one version of each).
bool add_models_from_dir(const std::string& dir, WorkerOptions* out, std::string* error) {
  std::string scan_error;
  std::vector<polyscore::model_layout::ModelFile> files = polyscore::model_layout::scan(dir, &scan_error);
  if (!scan_error.empty()) {
    *error = "--models " + dir + ": " + scan_error;
    return false;
  }
  std::map<std::string, ModelSource> newest;  // by name: the same order on every machine
  for (const auto& file : files) {
    auto it = newest.find(file.name);
    if (it == newest.end()) {
      newest.emplace(file.name, ModelSource{file.name, file.version, file.model_path, file.config_path});
    } else if (polyscore::model_layout::version_less(it->second.version, file.version)) {
      it->second = ModelSource{file.name, file.version, file.model_path, file.config_path};
    }
  }
  if (newest.empty()) {
    *error = "--models " + dir + ": no models (DIR/NAME/VERSION/model.{json,ubj,txt} or DIR/NAME.{json,ubj,txt})";
    return false;
  }
  for (auto& [name, source] : newest) out->models.push_back(std::move(source));
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
      const std::string path = v.substr(eq + 1);
      out->models.push_back({v.substr(0, eq), "1", path, polyscore::model_layout::config_beside(path)});
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
