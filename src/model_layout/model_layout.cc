#include "model_layout.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

namespace polyscore::model_layout {
namespace fs = std::filesystem;

namespace {

const char* const kModelExtensions[] = {".json", ".ubj", ".txt"};

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_model_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

std::vector<ModelFile> scan(const std::string& dir, std::string* error) {
  std::vector<ModelFile> found;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const fs::path& path = item.path();
    std::string file = path.filename().string();
    if (file.empty() || file[0] == '.') continue;
    if (item.is_directory()) {
      // DIR/<name>/<version>/model.<ext>: the first extension present wins.
      std::string config = (path / "config.json").string();
      std::error_code sub_ec;
      for (const auto& sub : fs::directory_iterator(path, sub_ec)) {
        if (!sub.is_directory()) continue;
        std::string version = sub.path().filename().string();
        if (version.empty() || version[0] == '.') continue;
        for (const char* ext : kModelExtensions) {
          fs::path model = sub.path() / (std::string("model") + ext);
          if (is_model_file(model)) {
            found.push_back({file, version, model.string(), config});
            break;
          }
        }
      }
    } else if (item.is_regular_file()) {
      // DIR/<name>.<ext>, not DIR/<name>.config.json
      std::string ext = path.extension().string();
      if (std::find(std::begin(kModelExtensions), std::end(kModelExtensions), ext) ==
              std::end(kModelExtensions) ||
          (file.size() > 12 && file.compare(file.size() - 12, 12, ".config.json") == 0)) {
        continue;
      }
      found.push_back({path.stem().string(), "1", path.string(), config_beside(path.string())});
    }
  }
  if (ec && error) *error = ec.message();
  return found;
}

std::string config_beside(const std::string& model_path) {
  const fs::path path(model_path);
  return (path.parent_path() / (path.stem().string() + ".config.json")).string();
}

bool version_less(const std::string& a, const std::string& b) {
  bool a_number = is_number(a), b_number = is_number(b);
  if (a_number != b_number) return a_number;
  if (a_number && a.size() != b.size()) {
    // Compare numbers without leading zeros by length, then digit by digit.
    auto strip = [](const std::string& s) { return s.substr(std::min(s.find_first_not_of('0'), s.size())); };
    std::string sa = strip(a), sb = strip(b);
    if (sa.size() != sb.size()) return sa.size() < sb.size();
    return sa < sb;
  }
  return a < b;
}

}  // namespace polyscore::model_layout
