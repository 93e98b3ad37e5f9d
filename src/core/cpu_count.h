// How many CPUs this process may actually use — what `server.threads = 0` means: the CPUs in its
// affinity mask (taskset, cpusets), capped by its cgroup CPU quota (cgroup v2 `cpu.max`, or v1
// `cpu.cfs_quota_us` / `cpu.cfs_period_us`; a quota of 1.5 CPUs counts as 2), at least 1 — as Go
// and the JVM do, rather than every CPU of the host.
// The parsing functions are pure (file contents in, number out); UsableCpuCount() reads
// /proc/self/cgroup and /sys/fs/cgroup and asks sched_getaffinity.
// Thread-safety: all functions are safe from any thread. Failure: anything unreadable or
// malformed counts as "no limit" from that source.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keyward {

// cgroup v2 `cpu.max` ("200000 100000" → 2.0 CPUs; "max 100000" → nullopt).
std::optional<double> ParseCgroupV2CpuMax(std::string_view contents);

// cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` ("150000", "100000" → 1.5; a quota of
// -1 → nullopt).
std::optional<double> ParseCgroupV1Quota(std::string_view quota, std::string_view period);

// From /proc/self/cgroup: the cgroup v2 path ("0::/system.slice/x.service" → that path), or
// nullopt when the process is not in a v2 hierarchy.
std::optional<std::string> ParseCgroupV2Path(std::string_view proc_self_cgroup);

// From /proc/self/cgroup: the cgroup v1 path of the "cpu" controller ("4:cpu,cpuacct:/docker/x"
// → "/docker/x"), or nullopt.
std::optional<std::string> ParseCgroupV1CpuPath(std::string_view proc_self_cgroup);

// min(affinity CPUs, quota rounded up), at least 1. `affinity_cpus` <= 0 means unknown (then the
// quota alone, else 1).
int CpuLimit(int affinity_cpus, std::optional<double> quota_cpus);

// The CPUs this process may use now (see the top of this file).
int UsableCpuCount();

}  // namespace keyward
