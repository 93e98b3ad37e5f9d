// Time as the domain sees it. Domain code asks a Clock so that tests move time instead of
// sleeping. Thread-safe: SystemClock is stateless; ManualClock uses an atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace keyward {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch (wall clock).
  virtual int64_t NowNanos() const = 0;
  int64_t NowUnix() const { return NowNanos() / 1'000'000'000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowNanos() const override;
  static const SystemClock& Instance();
};

// A clock that moves only when told; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_seconds = 1'700'000'000)
      : nanos_(unix_seconds * 1'000'000'000) {}
  int64_t NowNanos() const override { return nanos_.load(std::memory_order_relaxed); }
  void AdvanceSeconds(int64_t s) { nanos_.fetch_add(s * 1'000'000'000); }
  void AdvanceNanos(int64_t ns) { nanos_.fetch_add(ns); }
  void SetUnix(int64_t s) { nanos_.store(s * 1'000'000'000); }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace keyward
