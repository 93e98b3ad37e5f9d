// A counting global allocator for tests and micro-benchmarks: include this header in EXACTLY ONE
// .cc of a test or benchmark binary (it defines the replaceable operator new/delete family, which
// must exist once per program). Never include it in production code.
//
// AllocationsOnThisThread() counts every operator new made by the calling thread since it
// started, so a test measures a call by the difference around it, unaffected by other threads
// (background flushers, pools). malloc is what actually allocates, so this works beside ASan too:
// ASan intercepts malloc/free, and a program's own operator new replaces ASan's.
// Thread-safety: the counter is thread_local.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace keyward::testing {

inline thread_local uint64_t t_allocations = 0;

inline uint64_t AllocationsOnThisThread() {
  return t_allocations;
}

namespace alloc_counter_detail {
inline void* Allocate(std::size_t size) {
  ++t_allocations;
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
inline void* AllocateAligned(std::size_t size, std::align_val_t align) {
  ++t_allocations;
  void* p = nullptr;
  const std::size_t a = std::max(static_cast<std::size_t>(align), sizeof(void*));
  if (posix_memalign(&p, a, size == 0 ? 1 : size) != 0) throw std::bad_alloc();
  return p;
}
}  // namespace alloc_counter_detail

}  // namespace keyward::testing

// NOLINTBEGIN: the replaceable allocation functions.
void* operator new(std::size_t size) {
  return keyward::testing::alloc_counter_detail::Allocate(size);
}
void* operator new[](std::size_t size) {
  return keyward::testing::alloc_counter_detail::Allocate(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return keyward::testing::alloc_counter_detail::Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return keyward::testing::alloc_counter_detail::Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t align) {
  return keyward::testing::alloc_counter_detail::AllocateAligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return keyward::testing::alloc_counter_detail::AllocateAligned(size, align);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
// NOLINTEND
