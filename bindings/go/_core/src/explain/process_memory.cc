#include "explain/process_memory.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace polyscore {
namespace {

// The number in a cgroup's limit file, or 0 when it has none ("max", absent, unreadable).
uint64_t limit_in(const std::string& path) {
  std::ifstream file(path);
  unsigned long long bytes = 0;
  return (file >> bytes) ? uint64_t(bytes) : 0;
}

// The lowest limit in `file` of the cgroup at `path` (as /proc/self/cgroup gives it,
// "/a/b") and its ancestors ("/a", "/"), under `hierarchy`; 0 when none has one.
uint64_t lowest_limit(const std::string& hierarchy, std::string path, const char* file) {
  uint64_t lowest = 0;
  while (true) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    const uint64_t limit = limit_in(hierarchy + path + "/" + file);
    if (limit > 0 && (lowest == 0 || limit < lowest)) lowest = limit;
    if (path.empty()) return lowest;
    path.erase(path.rfind('/'));
  }
}

// True when the comma-separated controller list names `controller`.
bool lists(const std::string& controllers, const std::string& controller) {
  std::istringstream list(controllers);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name == controller) return true;
  }
  return false;
}

}  // namespace

uint64_t cgroup_memory_limit(const std::string& root) {
  const std::string cgroups = root + "/sys/fs/cgroup";
  // Without /proc/self/cgroup, the roots of the two hierarchies (a container's own).
  std::string v2_path = "/", v1_path = "/";
  std::ifstream self(root + "/proc/self/cgroup");
  // Lines are "id:controllers:path": id 0 with no controllers is v2's, v1's memory
  // hierarchy is the one whose controllers include "memory".
  for (std::string line; std::getline(self, line);) {
    const size_t first = line.find(':'), second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string id = line.substr(0, first), controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (path.empty() || path[0] != '/') continue;
    if (id == "0" && controllers.empty()) v2_path = path;
    else if (lists(controllers, "memory")) v1_path = path;
  }
  const uint64_t v2 = lowest_limit(cgroups, v2_path, "memory.max");
  const uint64_t v1 = lowest_limit(cgroups + "/memory", v1_path, "memory.limit_in_bytes");
  if (v2 == 0) return v1;
  return v1 == 0 || v2 < v1 ? v2 : v1;
}

uint64_t process_memory_limit() {
  uint64_t bytes = 0;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) bytes = uint64_t(pages) * uint64_t(page_size);
  const uint64_t cgroup = cgroup_memory_limit("");
  if (cgroup > 0 && (bytes == 0 || cgroup < bytes)) bytes = cgroup;
  return bytes;
}

}  // namespace polyscore
