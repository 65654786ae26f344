// The model repository layout that polyscore-serve and polyscore-worker both read
// (docs/serve.md):
//   DIR/<name>/<version>/model.{json,ubj,txt}   versioned; DIR/<name>/config.json optional
//   DIR/<name>.{json,ubj,txt}                   one version, "1"; DIR/<name>.config.json optional
// This finds the files; loading them is each program's own business.
#ifndef POLYSCORE_MODEL_LAYOUT_H
#define POLYSCORE_MODEL_LAYOUT_H

#include <string>
#include <vector>

namespace polyscore::model_layout {

struct ModelFile {
  std::string name, version;
  std::string model_path;
  std::string config_path;  // the config that applies to it, whether or not it exists
};

// Every model file of DIR's layout, in directory order (unordered). Entries whose name
// starts with '.' are skipped. On an unreadable DIR, returns what was found and sets
// *error to the reason.
std::vector<ModelFile> scan(const std::string& dir, std::string* error);

// The config of a one-version file DIR/<name>.<ext>: DIR/<name>.config.json.
std::string config_beside(const std::string& model_path);

// Orders versions: numbers numerically, then other names alphabetically.
bool version_less(const std::string& a, const std::string& b);

}  // namespace polyscore::model_layout

#endif
