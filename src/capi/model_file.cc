#include "capi/model_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "model/error.h"

namespace polyscore {
namespace {

[[noreturn]] void fail_io(const char* what, const char* path, int error) {
  throw Error(PS_ERR_IO, std::string(what) + " model file '" + path + "': " + std::strerror(error));
}

}  // namespace

ModelFileBytes::ModelFileBytes(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io("cannot open", path, errno);
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail_io("cannot read", path, errno);
    // One byte more than a regular file's size, so that the read that sees its end needs
    // no growth; pipes and files that grow while we read grow the mapping as needed.
    const size_t expected = S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
    grow(expected + 1);
    for (;;) {
      if (size_ == capacity_) grow(2 * capacity_);
      const ssize_t n = ::read(fd, data_ + size_, capacity_ - size_);
      if (n > 0) {
        size_ += static_cast<size_t>(n);
      } else if (n == 0) {
        break;
      } else if (errno != EINTR) {
        fail_io("cannot read", path, errno);
      }
    }
  } catch (...) {
    ::close(fd);
    if (data_) ::munmap(data_, capacity_);  // the destructor does not run when the constructor throws
    throw;
  }
  ::close(fd);
}

ModelFileBytes::~ModelFileBytes() {
  if (data_) ::munmap(data_, capacity_);
}

void ModelFileBytes::grow(size_t capacity) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  capacity = (capacity + page - 1) / page * page;
  void* p = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw Error(PS_ERR_OUT_OF_MEMORY, "cannot map " + std::to_string(capacity) + " bytes to read a model file");
  }
  char* grown = static_cast<char*>(p);
  if (data_) {
    std::memcpy(grown, data_, size_);
    ::munmap(data_, capacity_);
  }
  data_ = grown;
  capacity_ = capacity;
}

}  // namespace polyscore
