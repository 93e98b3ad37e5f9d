#include "redis_cluster_set.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace keyward_test {
namespace {

uint16_t FreeBusPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

constexpr uint16_t kRanges[3][2] = {{0, 5460}, {5461, 10922}, {10923, 16383}};

std::unique_ptr<RedisServer> StartNode(const std::vector<std::string>& extra, uint16_t bus_port) {
  RedisServerOptions o;
  o.extra_args = {"--cluster-enabled",
                  "yes",
                  "--cluster-port",
                  std::to_string(bus_port),
                  "--cluster-node-timeout",
                  "1000",
                  "--cluster-require-full-coverage",
                  "yes"};
  for (const std::string& a : extra) o.extra_args.push_back(a);
  return std::make_unique<RedisServer>(o);
}

template <typename Pred>
void WaitFor(Pred pred, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(std::string("Redis Cluster: timed out waiting for ") + what);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the servers
  }
}

}  // namespace

RedisClusterSet::RedisClusterSet(bool replicas, std::vector<std::string> extra_args) {
  for (int i = 0; i < 3; ++i) {
    bus_ports_.push_back(FreeBusPort());
    primaries_.push_back(StartNode(extra_args, bus_ports_.back()));
  }
  for (size_t i = 0; i < 3; ++i) {
    const std::string r =
        primaries_[i]->Command("CLUSTER ADDSLOTSRANGE " + std::to_string(kRanges[i][0]) + " " +
                               std::to_string(kRanges[i][1]));
    if (r != "+OK") throw std::runtime_error("CLUSTER ADDSLOTSRANGE: " + r);
  }
  for (size_t i = 1; i < 3; ++i) {
    const std::string r =
        primaries_[0]->Command("CLUSTER MEET 127.0.0.1 " + std::to_string(primaries_[i]->port()) +
                               " " + std::to_string(bus_ports_[i]));
    if (r != "+OK") throw std::runtime_error("CLUSTER MEET: " + r);
  }
  if (replicas) {
    for (size_t i = 0; i < 3; ++i) {
      const uint16_t bus = FreeBusPort();
      replicas_.push_back(StartNode(extra_args, bus));
      const std::string r =
          primaries_[0]->Command("CLUSTER MEET 127.0.0.1 " + std::to_string(replicas_[i]->port()) +
                                 " " + std::to_string(bus));
      if (r != "+OK") throw std::runtime_error("CLUSTER MEET: " + r);
    }
    for (size_t i = 0; i < 3; ++i) {
      const std::string id = NodeId(*primaries_[i]);
      WaitFor(
          [&] { return replicas_[i]->CommandLines("CLUSTER NODES").find(id) != std::string::npos; },
          "a replica to learn its primary");
      const std::string r = replicas_[i]->Command("CLUSTER REPLICATE " + id);
      if (r != "+OK") throw std::runtime_error("CLUSTER REPLICATE: " + r);
    }
    for (size_t i = 0; i < 3; ++i) {
      WaitFor(
          [&] {
            return replicas_[i]->CommandLines("INFO replication").find("master_link_status:up") !=
                   std::string::npos;
          },
          "a replica to sync");
    }
  }
  WaitUntilOk();
}

void RedisClusterSet::WaitUntilOk() {
  const size_t nodes = primaries_.size() + replicas_.size();
  WaitFor(
      [&] {
        for (auto* list : {&primaries_, &replicas_}) {
          for (auto& n : *list) {
            if (!n->running()) continue;
            const std::string info = n->CommandLines("CLUSTER INFO");
            if (info.find("cluster_state:ok") == std::string::npos) return false;
            if (info.find("cluster_known_nodes:" + std::to_string(nodes)) == std::string::npos) {
              return false;
            }
          }
        }
        return true;
      },
      "cluster_state:ok on every node");
}

std::string RedisClusterSet::url(const std::string& userinfo) const {
  std::string u = "redis+cluster://" + (userinfo.empty() ? "" : userinfo + "@");
  for (size_t i = 0; i < primaries_.size(); ++i) {
    if (i) u += ",";
    u += "127.0.0.1:" + std::to_string(primaries_[i]->port());
  }
  return u;
}

size_t RedisClusterSet::PrimaryOfSlot(uint16_t slot) {
  for (size_t i = 0; i < 3; ++i) {
    if (slot >= kRanges[i][0] && slot <= kRanges[i][1]) return i;
  }
  return 0;
}

std::string RedisClusterSet::NodeId(RedisServer& node) const {
  std::string id = node.CommandLines("CLUSTER MYID");
  if (id.empty()) throw std::runtime_error("CLUSTER MYID gave nothing");
  return id;
}

int RedisClusterSet::KeySlot(const std::string& key) const {
  const std::string r = primaries_[0]->Command("CLUSTER KEYSLOT " + key);
  if (r.empty() || r[0] != ':') throw std::runtime_error("CLUSTER KEYSLOT: " + r);
  return std::stoi(r.substr(1));
}

namespace {
void ExpectOk(const std::string& r, const char* what) {
  if (r != "+OK" && r != "+NOKEY") throw std::runtime_error(std::string(what) + ": " + r);
}
}  // namespace

void RedisClusterSet::MoveSlot(uint16_t slot, size_t from, size_t to) {
  BeginMove(slot, from, to);
  MigrateKeys(slot, from, to);
  FinishMove(slot, to);
}

void RedisClusterSet::BeginMove(uint16_t slot, size_t from, size_t to) {
  const std::string s = std::to_string(slot);
  ExpectOk(
      primaries_[to]->Command("CLUSTER SETSLOT " + s + " IMPORTING " + NodeId(*primaries_[from])),
      "SETSLOT IMPORTING");
  ExpectOk(
      primaries_[from]->Command("CLUSTER SETSLOT " + s + " MIGRATING " + NodeId(*primaries_[to])),
      "SETSLOT MIGRATING");
}

void RedisClusterSet::MigrateKeys(uint16_t slot, size_t from, size_t to) {
  RedisServer& src = *primaries_[from];
  const std::string s = std::to_string(slot);
  for (;;) {
    const std::string keys = src.CommandLines("CLUSTER GETKEYSINSLOT " + s + " 100");
    if (keys.empty()) break;
    size_t start = 0;
    while (start < keys.size()) {
      size_t end = keys.find('\n', start);
      if (end == std::string::npos) end = keys.size();
      const std::string key = keys.substr(start, end - start);
      ExpectOk(src.Command("MIGRATE 127.0.0.1 " + std::to_string(primaries_[to]->port()) + " " +
                           key + " 0 5000"),
               "MIGRATE");
      start = end + 1;
    }
  }
}

void RedisClusterSet::FinishMove(uint16_t slot, size_t to) {
  const std::string id = NodeId(*primaries_[to]);
  for (auto& n : primaries_) {
    ExpectOk(n->Command("CLUSTER SETSLOT " + std::to_string(slot) + " NODE " + id), "SETSLOT");
  }
}

}  // namespace keyward_test
