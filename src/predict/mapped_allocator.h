// An allocator that takes large arrays straight from the kernel (mmap) and gives them
// straight back (munmap). For the tables a load builds and then releases: from glibc's
// heap, each would leave a hole under the tables that stay, kept resident by glibc
// (docs/predictor.md, "What a loaded model keeps"); mapped, its pages leave with it.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace polyscore {

template <typename T>
struct MappedAllocator {
  using value_type = T;
  // Smaller arrays come from the heap: a mapping costs a system call and a page at least.
  static constexpr size_t kMappedBytes = 64 * 1024;

  MappedAllocator() = default;
  template <typename U>
  MappedAllocator(const MappedAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMappedBytes) return static_cast<T*>(::operator new(bytes));
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMappedBytes) ::operator delete(p);
    else ::munmap(p, bytes);
  }
  template <typename U>
  bool operator==(const MappedAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const MappedAllocator<U>&) const { return false; }
};

}  // namespace polyscore
