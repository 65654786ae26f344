// A model file's bytes, read for the time of one load into memory of their own.
//
// Why not a std::string: growing one chunk by chunk allocates and frees a buffer of every
// power of two up to the file's size, and each free of a large (mmap-served) buffer
// raises glibc's mmap threshold to that size, so that the loaded model's tables then land
// on the brk heap between the parser's freed scratch, which glibc keeps resident (about
// 3.5 MiB of the 500 x 255-leaf LightGBM benchmark model's 11.7). Here the bytes live in
// an anonymous mapping of the file's size, outside malloc, given back whole at the end.
// Read, not mapped from the file: a file truncated while it loads must give a clear error
// or a short read, never SIGBUS.
#pragma once

#include <cstddef>
#include <string_view>

namespace polyscore {

class ModelFileBytes {
 public:
  // Reads the whole file at `path`; throws Error(PS_ERR_IO) naming the path and the
  // system's reason when it cannot be opened or read.
  explicit ModelFileBytes(const char* path);
  ~ModelFileBytes();
  ModelFileBytes(const ModelFileBytes&) = delete;
  ModelFileBytes& operator=(const ModelFileBytes&) = delete;

  std::string_view view() const { return {data_, size_}; }

 private:
  void grow(size_t capacity);  // to at least `capacity` bytes, keeping the first size_

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;  // bytes mapped at data_
};

}  // namespace polyscore
