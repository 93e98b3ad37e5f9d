#include "grpc/health_monitor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "store/store.h"

namespace keyward {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

// A real SQLite store and a Redis ping the test turns off and on.
class HealthMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-health-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = OpenStore("sqlite://" + dir_ + "/keyward.db");
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    probe_ = std::make_unique<ReadinessProbe>(
        *store_,
        [this] {
          return redis_up_.load() ? Status::Ok()
                                  : Status(Error(ErrorCode::kUnavailable, "Redis is unavailable"));
        },
        nullptr);
    probe_->MarkLoaded();
  }
  void TearDown() override {
    probe_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static steady_clock::time_point Soon() { return steady_clock::now() + seconds(20); }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::atomic<bool> redis_up_{true};
  std::unique_ptr<ReadinessProbe> probe_;
};

TEST_F(HealthMonitorTest, AWatcherSeesTheStatusThenEachChangeThenTheDrain) {
  HealthMonitor monitor(*probe_);
  ASSERT_TRUE(monitor.AddWatcher());
  HealthMonitor::State s = monitor.Wait(std::nullopt, Soon());
  ASSERT_TRUE(s.known);
  EXPECT_TRUE(s.serving);
  EXPECT_FALSE(s.draining);

  redis_up_ = false;
  s = monitor.Wait(true, Soon());
  EXPECT_FALSE(s.serving);
  redis_up_ = true;
  s = monitor.Wait(false, Soon());
  EXPECT_TRUE(s.serving);

  monitor.Drain();
  s = monitor.Wait(true, Soon());
  EXPECT_TRUE(s.draining);
  EXPECT_FALSE(s.serving);
  EXPECT_TRUE(monitor.draining());
  monitor.RemoveWatcher();
}

TEST_F(HealthMonitorTest, WaitReturnsAtTheDeadlineWhenNothingChanged) {
  HealthMonitor monitor(*probe_);
  ASSERT_TRUE(monitor.AddWatcher());
  ASSERT_TRUE(monitor.Wait(std::nullopt, Soon()).serving);
  const HealthMonitor::State s =
      monitor.Wait(true, steady_clock::now() + std::chrono::milliseconds(50));
  EXPECT_TRUE(s.serving);  // unchanged: the deadline ended the wait
  monitor.RemoveWatcher();
}

TEST_F(HealthMonitorTest, WatchersAreBounded) {
  HealthMonitor monitor(*probe_);
  for (int i = 0; i < HealthMonitor::kMaxWatchers; ++i) ASSERT_TRUE(monitor.AddWatcher()) << i;
  EXPECT_FALSE(monitor.AddWatcher());
  monitor.RemoveWatcher();
  EXPECT_TRUE(monitor.AddWatcher());
  for (int i = 0; i < HealthMonitor::kMaxWatchers; ++i) monitor.RemoveWatcher();
}

TEST_F(HealthMonitorTest, ANewWatcherAfterAnIdleSpellWaitsForAFreshProbe) {
  HealthMonitor monitor(*probe_);
  ASSERT_TRUE(monitor.AddWatcher());
  ASSERT_TRUE(monitor.Wait(std::nullopt, Soon()).serving);
  monitor.RemoveWatcher();
  redis_up_ = false;
  ASSERT_TRUE(monitor.AddWatcher());
  const HealthMonitor::State s = monitor.Wait(std::nullopt, Soon());
  ASSERT_TRUE(s.known);
  EXPECT_FALSE(s.serving);  // not the stale SERVING of before
  monitor.RemoveWatcher();
}

}  // namespace
}  // namespace keyward
