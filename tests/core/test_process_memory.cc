// The memory limit the SHAP scratch limit is half of (src/explain/process_memory.h): the
// lowest limit on the process's cgroup and the cgroups above it, read from a directory
// laid out as /proc/self/cgroup and /sys/fs/cgroup are.
#include "explain/process_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
constexpr uint64_t kGiB = uint64_t(1) << 30;

// A directory standing for "/", removed with the test.
class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "polyscore_cgroup_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  // Writes text to root/path, making its directories.
  void write(const std::string& path, const std::string& text) {
    const fs::path file = fs::path(root_) / path;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  std::string root_;
};

// A systemd service with MemoryMax=, or a pod's cgroup seen without a cgroup namespace:
// the limit is on the process's own cgroup, not on the root of the hierarchy.
TEST_F(FakeRoot, TheLimitOfTheProcesssOwnCgroupV2) {
  write("proc/self/cgroup", "0::/system.slice/scoring.service\n");
  write("sys/fs/cgroup/system.slice/scoring.service/memory.max", "2147483648\n");
  write("sys/fs/cgroup/system.slice/memory.max", "max\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 2 * kGiB);
}

// A parent's lower limit holds for every cgroup under it.
TEST_F(FakeRoot, AnAncestorsLowerLimitHolds) {
  write("proc/self/cgroup", "0::/kubepods/burstable/pod1/container1\n");
  write("sys/fs/cgroup/kubepods/burstable/pod1/container1/memory.max", "max\n");
  write("sys/fs/cgroup/kubepods/burstable/pod1/memory.max", "1073741824\n");
  write("sys/fs/cgroup/kubepods/memory.max", "8589934592\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 1 * kGiB);
}

// cgroup v1: the memory hierarchy's line, whose controllers may be listed together;
// "unlimited" there is a huge number, which the physical memory then undercuts.
TEST_F(FakeRoot, TheMemoryHierarchyOfCgroupV1) {
  write("proc/self/cgroup", "5:cpu,cpuacct:/other\n4:memory:/process_api/42\n0::/\n");
  write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  write("sys/fs/cgroup/memory/process_api/42/memory.limit_in_bytes", "3221225472\n");
  write("sys/fs/cgroup/memory/other/memory.limit_in_bytes", "1024\n");  // cpu's path, not memory's
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 3 * kGiB);

  write("proc/self/cgroup", "4:blkio,memory:/process_api/42\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 3 * kGiB);
}

// Inside a container with its own cgroup namespace the process's cgroup is "/", and
// without one its host path is not under the container's /sys/fs/cgroup: both read the
// root's limit, the container's.
TEST_F(FakeRoot, AContainersRootLimit) {
  write("sys/fs/cgroup/memory.max", "536870912\n");
  write("proc/self/cgroup", "0::/\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), uint64_t(512) << 20);
  write("proc/self/cgroup", "0::/docker/0123abcd\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), uint64_t(512) << 20);
}

TEST_F(FakeRoot, NoLimitAnywhereIsZero) {
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 0u);
  write("proc/self/cgroup", "0::/user.slice\n");
  write("sys/fs/cgroup/user.slice/memory.max", "max\n");
  EXPECT_EQ(polyscore::cgroup_memory_limit(root_), 0u);
}

// This process: never more than the machine has.
TEST(ProcessMemory, AtMostThePhysicalMemoryAndTheCgroupsLimit) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  ASSERT_GT(pages, 0);
  const uint64_t limit = polyscore::process_memory_limit();
  EXPECT_GT(limit, 0u);
  EXPECT_LE(limit, uint64_t(pages) * uint64_t(page_size));
  const uint64_t cgroup = polyscore::cgroup_memory_limit("");
  if (cgroup > 0) {
    EXPECT_LE(limit, cgroup);
  }
}

}  // namespace
