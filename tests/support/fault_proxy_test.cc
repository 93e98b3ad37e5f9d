// The fault proxy on its own, in front of a small echo server (which also records every byte it
// received): each mode does what fault_proxy.h says, and Heal() restores pass-through.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Echoes every byte back and remembers what it received. One thread per connection; stops when
// destroyed (shutdown wakes the blocked calls).
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        fds_.push_back(fd);
        workers_.emplace_back([this, fd] { Serve(fd); });
      }
    });
  }
  ~EchoServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : fds_) shutdown(fd, SHUT_RDWR);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    for (int fd : fds_) close(fd);
  }
  uint16_t port() const { return port_; }
  std::string received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void Serve(int fd) {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.append(buf, static_cast<size_t>(n));
      }
      if (write(fd, buf, static_cast<size_t>(n)) != n) return;
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> workers_;
  std::string received_;
};

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct ReadResult {
  std::string data;
  int error = 0;     // errno of a failed read (ECONNRESET for a reset)
  bool eof = false;  // orderly close
};

// Reads until `want` bytes arrived, the peer closed or reset, or `wait` passed.
ReadResult ReadFor(int fd, size_t want, milliseconds wait) {
  ReadResult r;
  const auto deadline = steady_clock::now() + wait;
  while (r.data.size() < want) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      r.error = errno;
      break;
    }
    if (n == 0) {
      r.eof = true;
      break;
    }
    r.data.append(buf, static_cast<size_t>(n));
  }
  return r;
}

bool Send(int fd, const std::string& s) {
  return write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

// Polls `cond` until it holds or 10 s passed.
template <class F>
bool Eventually(F cond) {
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return cond();
}

class FaultProxyTest : public ::testing::Test {
 protected:
  EchoServer echo_;
  FaultProxy proxy_{echo_.port()};

  // A fresh connection through the proxy that echoes "ping" (pass-through works).
  int Healthy() {
    int fd = Connect(proxy_.port());
    EXPECT_GE(fd, 0);
    EXPECT_TRUE(Send(fd, "ping"));
    EXPECT_EQ(ReadFor(fd, 4, milliseconds(10000)).data, "ping");
    return fd;
  }
};

TEST_F(FaultProxyTest, PassesBytesThroughBothWays) {
  int fd = Healthy();
  ASSERT_TRUE(Send(fd, std::string(100000, 'x')));
  EXPECT_EQ(ReadFor(fd, 100000, milliseconds(10000)).data.size(), 100000u);
  EXPECT_EQ(proxy_.accepted(), 1);
  close(fd);
}

TEST_F(FaultProxyTest, LatencyHoldsEveryChunk) {
  int fd = Healthy();
  proxy_.SetLatency(milliseconds(300));
  const auto start = steady_clock::now();
  ASSERT_TRUE(Send(fd, "slow"));
  EXPECT_EQ(ReadFor(fd, 4, milliseconds(10000)).data, "slow");
  // Held once each way: it cannot have come back sooner.
  EXPECT_GE(steady_clock::now() - start, milliseconds(600));
  proxy_.Heal();
  close(fd);
}

TEST_F(FaultProxyTest, BlackHoleAcceptsButRelaysNothingUntilHealed) {
  int fd = Healthy();
  proxy_.BlackHole();
  ASSERT_TRUE(Send(fd, "lost"));
  ReadResult r = ReadFor(fd, 1, milliseconds(300));
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(r.error, 0);
  EXPECT_FALSE(r.eof);
  int fresh = Connect(proxy_.port());
  ASSERT_GE(fresh, 0) << "a black hole still accepts";
  ASSERT_TRUE(Send(fresh, "lost too"));
  EXPECT_TRUE(ReadFor(fresh, 1, milliseconds(300)).data.empty());
  EXPECT_EQ(echo_.received().find("lost"), std::string::npos);
  proxy_.Heal();
  ASSERT_TRUE(Send(fd, "back"));
  EXPECT_EQ(ReadFor(fd, 4, milliseconds(10000)).data, "back");
  close(fd);
  close(fresh);
}

TEST_F(FaultProxyTest, ResetBreaksOpenAndNewConnections) {
  int fd = Healthy();
  proxy_.Reset();
  ReadResult r = ReadFor(fd, 1, milliseconds(10000));
  EXPECT_EQ(r.error, ECONNRESET);
  int fresh = Connect(proxy_.port());
  ASSERT_GE(fresh, 0);
  Send(fresh, "x");  // may already fail
  ReadResult again = ReadFor(fresh, 1, milliseconds(10000));
  EXPECT_TRUE(again.error == ECONNRESET || again.eof);
  EXPECT_TRUE(again.data.empty());
  EXPECT_GE(proxy_.resets(), 2);
  proxy_.Heal();
  close(Healthy());
  close(fd);
  close(fresh);
}

TEST_F(FaultProxyTest, CutsOneDirection) {
  int fd = Healthy();
  proxy_.CutClientToServer();
  ASSERT_TRUE(Send(fd, "never-arrives"));
  EXPECT_TRUE(ReadFor(fd, 1, milliseconds(300)).data.empty());
  EXPECT_EQ(echo_.received().find("never-arrives"), std::string::npos);
  proxy_.Heal();
  proxy_.CutServerToClient();
  ASSERT_TRUE(Send(fd, "arrives"));
  ASSERT_TRUE(Eventually([&] { return echo_.received().find("arrives") != std::string::npos; }));
  EXPECT_TRUE(ReadFor(fd, 1, milliseconds(300)).data.empty()) << "the echo was dropped";
  proxy_.Heal();
  close(fd);
}

TEST_F(FaultProxyTest, ResetAfterForwardsTheMatchThenBreaksTheClient) {
  int fd = Healthy();
  proxy_.ResetAfter("COMMIT", /*forward=*/true);
  ASSERT_TRUE(Send(fd, "before"));
  EXPECT_EQ(ReadFor(fd, 6, milliseconds(10000)).data, "before");
  ASSERT_TRUE(Send(fd, "xxCOMMITxx"));
  ReadResult r = ReadFor(fd, 1, milliseconds(10000));
  EXPECT_EQ(r.error, ECONNRESET);
  EXPECT_TRUE(r.data.empty()) << "the server's answer never reaches the client";
  EXPECT_TRUE(proxy_.triggered());
  ASSERT_TRUE(Eventually([&] { return echo_.received().find("xxCOMMITxx") != std::string::npos; }));
  close(Healthy());  // one-shot: the next connection passes
  close(fd);
}

TEST_F(FaultProxyTest, ResetAfterCanDropTheMatch) {
  int fd = Healthy();
  proxy_.ResetAfter("COMMIT", /*forward=*/false);
  ASSERT_TRUE(Send(fd, "COMMIT"));
  EXPECT_EQ(ReadFor(fd, 1, milliseconds(10000)).error, ECONNRESET);
  close(Healthy());
  EXPECT_EQ(echo_.received().find("COMMIT"), std::string::npos);
  close(fd);
}

TEST_F(FaultProxyTest, ResetAfterCanWaitForAnEarlierPatternOnTheSameConnection) {
  int bystander = Healthy();
  int fd = Healthy();
  proxy_.ResetAfter("COMMIT", /*forward=*/true, /*after=*/"mine");
  ASSERT_TRUE(Send(bystander, "COMMIT-other"));
  EXPECT_EQ(ReadFor(bystander, 12, milliseconds(10000)).data, "COMMIT-other");
  EXPECT_FALSE(proxy_.triggered());
  ASSERT_TRUE(Send(fd, "mine"));
  EXPECT_EQ(ReadFor(fd, 4, milliseconds(10000)).data, "mine");
  ASSERT_TRUE(Send(fd, "COMMIT"));
  EXPECT_EQ(ReadFor(fd, 1, milliseconds(10000)).error, ECONNRESET);
  EXPECT_TRUE(proxy_.triggered());
  close(fd);
  close(bystander);
}

}  // namespace
}  // namespace keyward_test
