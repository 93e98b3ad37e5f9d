#include "redis_sentinel_set.h"

#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

namespace keyward_test {
namespace {

bool PollFor(const std::function<bool()>& probe, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    try {
      if (probe()) return true;
    } catch (const std::exception&) {
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling, not synchronisation
  }
}

}  // namespace

RedisSentinelSet::RedisSentinelSet()
    : replica_(RedisServerOptions{
          .tls = false,
          .extra_args = {"--replicaof", "127.0.0.1", std::to_string(primary_.port())},
          .sentinel_config = {}}) {
  const std::string conf = "sentinel monitor mymaster 127.0.0.1 " +
                           std::to_string(primary_.port()) +
                           " 2\nsentinel down-after-milliseconds mymaster 2000\n"
                           "sentinel failover-timeout mymaster 10000\n";
  for (int i = 0; i < 3; ++i) {
    sentinels_.push_back(std::make_unique<RedisServer>(
        RedisServerOptions{.tls = false, .extra_args = {}, .sentinel_config = conf}));
  }
  const bool known = PollFor(
      [&] {
        if (replica_.CommandLines("INFO replication").find("master_link_status:up") ==
            std::string::npos) {
          return false;
        }
        for (auto& s : sentinels_) {
          if (s->CommandLines("SENTINEL replicas mymaster").find(std::to_string(replica_.port())) ==
              std::string::npos) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(30));
  if (!known) throw std::runtime_error("the sentinels never saw the replica");
}

std::string RedisSentinelSet::url() const {
  std::string u = "redis+sentinel://";
  for (size_t i = 0; i < sentinels_.size(); ++i) {
    u += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(sentinels_[i]->port());
  }
  return u + "/mymaster/0";
}

std::string RedisSentinelSet::PrimaryPort() const {
  const std::string lines =
      sentinels_[0]->CommandLines("SENTINEL get-master-addr-by-name mymaster");
  const size_t nl = lines.find('\n');
  return nl == std::string::npos ? "" : lines.substr(nl + 1);
}

void RedisSentinelSet::Failover() {
  if (primary_.Command("WAIT 1 5000") != ":1") {
    throw std::runtime_error("the replica did not catch up before the failover");
  }
  if (sentinels_[0]->Command("SENTINEL FAILOVER mymaster") != "+OK") {
    throw std::runtime_error("SENTINEL FAILOVER was refused");
  }
  const std::string want = std::to_string(replica_.port());
  if (!PollFor([&] { return PrimaryPort() == want; }, std::chrono::seconds(30))) {
    throw std::runtime_error("the sentinels never switched to the replica");
  }
}

}  // namespace keyward_test
