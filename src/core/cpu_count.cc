// See cpu_count.h.
#include "core/cpu_count.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace keyward {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<long long> ParseInt(std::string_view s) {
  s = Trim(s);
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Calls `line_fn` for each line of `text`; stops when it returns true.
template <class F>
void ForEachLine(std::string_view text, F line_fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (line_fn(text.substr(0, nl))) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

// The smallest quota on `path` and its ancestors below `root` (a parent's limit binds too).
std::optional<double> SmallestV2Quota(const std::string& root, std::string path) {
  std::optional<double> smallest;
  while (true) {
    if (auto text = ReadFile(root + path + (path == "/" ? "" : "/") + "cpu.max")) {
      if (auto q = ParseCgroupV2CpuMax(*text); q && (!smallest || *q < *smallest)) smallest = q;
    }
    if (path.empty() || path == "/") break;
    const size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return smallest;
}

std::optional<double> V1Quota(const std::string& dir) {
  auto quota = ReadFile(dir + "/cpu.cfs_quota_us");
  auto period = ReadFile(dir + "/cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  return ParseCgroupV1Quota(*quota, *period);
}

}  // namespace

std::optional<double> ParseCgroupV2CpuMax(std::string_view contents) {
  contents = Trim(contents);
  const size_t space = contents.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view quota = contents.substr(0, space);
  if (quota == "max") return std::nullopt;
  auto q = ParseInt(quota);
  auto p = ParseInt(contents.substr(space + 1));
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return static_cast<double>(*q) / static_cast<double>(*p);
}

std::optional<double> ParseCgroupV1Quota(std::string_view quota, std::string_view period) {
  auto q = ParseInt(quota);
  auto p = ParseInt(period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return static_cast<double>(*q) / static_cast<double>(*p);
}

std::optional<std::string> ParseCgroupV2Path(std::string_view proc_self_cgroup) {
  std::optional<std::string> out;
  ForEachLine(proc_self_cgroup, [&](std::string_view line) {
    if (!line.starts_with("0::")) return false;
    line.remove_prefix(3);
    line = Trim(line);
    if (line.empty() || line.front() != '/') return false;
    out = std::string(line);
    return true;
  });
  return out;
}

std::optional<std::string> ParseCgroupV1CpuPath(std::string_view proc_self_cgroup) {
  std::optional<std::string> out;
  ForEachLine(proc_self_cgroup, [&](std::string_view line) {
    // "hierarchy-id:controller,controller:path"
    const size_t first = line.find(':');
    if (first == std::string_view::npos) return false;
    const size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) return false;
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    bool has_cpu = false;
    while (!controllers.empty()) {
      const size_t comma = controllers.find(',');
      if (controllers.substr(0, comma) == "cpu") has_cpu = true;
      if (comma == std::string_view::npos) break;
      controllers.remove_prefix(comma + 1);
    }
    if (!has_cpu) return false;
    out = std::string(Trim(line.substr(second + 1)));
    return true;
  });
  return out;
}

int CpuLimit(int affinity_cpus, std::optional<double> quota_cpus) {
  int n = affinity_cpus;
  if (quota_cpus && *quota_cpus > 0) {
    const int quota = static_cast<int>(std::ceil(*quota_cpus - 1e-9));
    n = n > 0 ? std::min(n, quota) : quota;
  }
  return std::max(n, 1);
}

int UsableCpuCount() {
  int affinity = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) affinity = CPU_COUNT(&set);
  if (affinity <= 0) affinity = static_cast<int>(std::thread::hardware_concurrency());

  std::optional<double> quota;
  const std::string cgroup = ReadFile("/proc/self/cgroup").value_or("");
  if (auto v2 = ParseCgroupV2Path(cgroup)) {
    quota = SmallestV2Quota("/sys/fs/cgroup", *v2);
  }
  if (!quota) {
    // cgroup v1: the cpu controller's directory, as mounted (a container usually sees its own
    // group at the mount's root, the host the full path).
    const std::string v1 = ParseCgroupV1CpuPath(cgroup).value_or("/");
    for (const char* mount : {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"}) {
      if ((quota = V1Quota(mount + (v1 == "/" ? std::string() : v1)))) break;
      if ((quota = V1Quota(mount))) break;
    }
  }
  return CpuLimit(affinity, quota);
}

}  // namespace keyward
