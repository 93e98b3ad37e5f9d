#include "core/cpu_count.h"

#include <gtest/gtest.h>

#include <thread>

namespace keyward {
namespace {

TEST(CpuCount, CgroupV2CpuMax) {
  EXPECT_EQ(ParseCgroupV2CpuMax("200000 100000\n"), 2.0);
  EXPECT_EQ(ParseCgroupV2CpuMax("150000 100000"), 1.5);
  EXPECT_EQ(ParseCgroupV2CpuMax("50000 100000\n"), 0.5);
  EXPECT_FALSE(ParseCgroupV2CpuMax("max 100000\n"));
  EXPECT_FALSE(ParseCgroupV2CpuMax(""));
  EXPECT_FALSE(ParseCgroupV2CpuMax("garbage"));
  EXPECT_FALSE(ParseCgroupV2CpuMax("100000 0"));
  EXPECT_FALSE(ParseCgroupV2CpuMax("-1 100000"));
}

TEST(CpuCount, CgroupV1Quota) {
  EXPECT_EQ(ParseCgroupV1Quota("150000\n", "100000\n"), 1.5);
  EXPECT_EQ(ParseCgroupV1Quota("400000", "100000"), 4.0);
  EXPECT_FALSE(ParseCgroupV1Quota("-1\n", "100000\n"));
  EXPECT_FALSE(ParseCgroupV1Quota("x", "100000"));
  EXPECT_FALSE(ParseCgroupV1Quota("100000", "0"));
}

TEST(CpuCount, ProcSelfCgroupPaths) {
  EXPECT_EQ(ParseCgroupV2Path("0::/system.slice/keyward.service\n"),
            "/system.slice/keyward.service");
  EXPECT_EQ(ParseCgroupV2Path("0::/\n"), "/");
  EXPECT_FALSE(ParseCgroupV2Path("4:cpu,cpuacct:/docker/abc\n"));
  const char* v1 =
      "12:memory:/docker/abc\n"
      "4:cpu,cpuacct:/docker/abc\n"
      "3:cpuset:/docker/abc\n";
  EXPECT_EQ(ParseCgroupV1CpuPath(v1), "/docker/abc");
  EXPECT_FALSE(ParseCgroupV1CpuPath("3:cpuset:/x\n2:cpuacct:/y\n"));  // cpuset, cpuacct are not cpu
  EXPECT_FALSE(ParseCgroupV1CpuPath("0::/\n"));
}

TEST(CpuCount, LimitIsAffinityCappedByQuotaRoundedUpAtLeastOne) {
  EXPECT_EQ(CpuLimit(8, std::nullopt), 8);
  EXPECT_EQ(CpuLimit(8, 2.0), 2);
  EXPECT_EQ(CpuLimit(8, 1.5), 2);
  EXPECT_EQ(CpuLimit(8, 0.5), 1);
  EXPECT_EQ(CpuLimit(1, 4.0), 1);  // pinned to one core: a larger quota does not add CPUs
  EXPECT_EQ(CpuLimit(0, 3.0), 3);
  EXPECT_EQ(CpuLimit(0, std::nullopt), 1);
}

TEST(CpuCount, UsableCpuCountIsWithinTheHost) {
  const int n = UsableCpuCount();
  EXPECT_GE(n, 1);
  const unsigned host = std::thread::hardware_concurrency();
  if (host > 0) {
    EXPECT_LE(n, static_cast<int>(host));
  }
}

}  // namespace
}  // namespace keyward
