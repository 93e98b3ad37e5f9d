// SmallVector<T, N>: a sequence of default-constructible T that lives inline (no heap) while it
// holds at most N elements and moves to a std::vector beyond — for the few-element scratch
// buffers of the hot path (a request takes from one or two rate-limit buckets).
// Only what those callers need: resize (to default-constructed elements), indexing, iteration.
// Thread-safety: a value; not synchronised.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <vector>

namespace keyward {

template <class T, size_t N>
class SmallVector {
 public:
  SmallVector() = default;
  explicit SmallVector(size_t n) { resize(n); }

  // Resizes to `n` elements: the first min(old, n) keep their values while the storage stays
  // inline or stays on the heap; the rest (and all, when it moves between the two) are
  // default-constructed.
  void resize(size_t n) {
    if (n > N) {
      heap_.resize(n);
    } else {
      const size_t keep = size_ > N ? 0 : std::min(size_, n);  // inline elements still valid
      heap_.clear();
      for (size_t i = keep; i < n; ++i) inline_[i] = T();
    }
    size_ = n;
  }
  void clear() { resize(0); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return size_ > N ? heap_.data() : inline_.data(); }
  const T* data() const { return size_ > N ? heap_.data() : inline_.data(); }
  T& operator[](size_t i) {
    assert(i < size_);
    return data()[i];
  }
  const T& operator[](size_t i) const {
    assert(i < size_);
    return data()[i];
  }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // used only when size_ > N
  size_t size_ = 0;
};

}  // namespace keyward
