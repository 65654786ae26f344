// The memory this process may use, which the SHAP scratch limit (shap_scratch.h) is half of.
//
// A process's memory limit is usually not the machine's: a container, a systemd service
// (MemoryMax=) or a Kubernetes pod puts it in a cgroup whose limit is lower, and going over
// that limit gets the process killed, not refused. The limit that applies is the lowest
// one on the process's cgroup and every cgroup above it, and the process's cgroup is
// not always the root of /sys/fs/cgroup: /proc/self/cgroup names it.
#pragma once

#include <cstdint>
#include <string>

namespace polyscore {

// The machine's physical memory, or the cgroup limit (cgroup_memory_limit) when lower.
// 0 when neither can be read.
uint64_t process_memory_limit();

// The lowest memory limit on the cgroup that root + "/proc/self/cgroup" names and on
// every cgroup above it, under root + "/sys/fs/cgroup": memory.max (cgroup v2) or
// memory/memory.limit_in_bytes (v1). A cgroup whose directory is not there (a container
// sees its own cgroup as the root) or whose limit is "max" adds none. 0 when no limit is
// found. root is "" for this process; tests pass a directory laid out the same way.
uint64_t cgroup_memory_limit(const std::string& root);

}  // namespace polyscore
