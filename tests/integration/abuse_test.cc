// Abuse bounds (issue 7): header floods, garbage, idle-connection floods beyond
// server.max_connections, slow readers, slowloris headers and failed-authentication storms. In
// each, the server keeps answering a normal client and logs nothing secret.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

// Short timeouts so that the tests see them act; a small connection cap so that a few hundred
// sockets exceed it; a low failed-authentication budget.
const char* kAbuseConfig = R"toml(
[server]
max_connections = 64
idle_timeout_seconds = 30
read_timeout_seconds = 2
auth_failures_per_minute = 20
)toml";

class AbuseTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kAbuseConfig}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(AbuseTest, HundredKilobyteHeadersGet431WhileOthersAreServed) {
  std::atomic<int> answered_431{0};
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t) {
    flooders.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        HttpClient raw(server().port());
        raw.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(100 * 1024, 'p') +
                    "\r\n\r\n");
        auto r = raw.TryReadResponse();
        if (r && r->status == 431) ++answered_431;
      }
    });
  }
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client().Get("/healthz").status, 200);
  for (auto& t : flooders) t.join();
  EXPECT_EQ(answered_431.load(), 40);
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(AbuseTest, GarbageBytesGet400AndTheConnectionIsClosed) {
  for (std::string garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                              std::string("\x00\xff\xfe\r\n\r\n", 7),
                              std::string("GET / HTTP/9.9\r\n\r\n"),
                              std::string("G\tET /\x01 HTTP/1.1\r\n\r\n")}) {
    HttpClient raw(server().port());
    raw.SendRaw(garbage + std::string("\r\n\r\n"));
    auto r = raw.TryReadResponse();
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(IsError(*r, 400, "INVALID_REQUEST"));
    EXPECT_TRUE(raw.PeerClosed(std::chrono::seconds(10)));
  }
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(AbuseTest, AnIdleFloodBeyondMaxConnectionsDoesNotLockOutClients) {
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<HttpClient>(server().port()));
    idle.back()->SendRaw("");  // connect, then say nothing
  }
  // A client with requests still gets answers: at the cap, the longest-waiting idle connection
  // makes room for it.
  for (int i = 0; i < 10; ++i) {
    HttpClient fresh(server().port());
    Response r = fresh.Get("/healthz");
    ASSERT_EQ(r.status, 200);
  }
  // And the server holds at most max_connections: the surplus idle sockets were closed.
  int open = 300;
  PollUntil(
      [&] {
        open = 0;
        for (auto& c : idle) open += c->PeerClosed(std::chrono::milliseconds(0)) ? 0 : 1;
        return open <= 64;
      },
      std::chrono::seconds(20));
  EXPECT_LE(open, 64);
  EXPECT_GT(open, 0);  // not everything was dropped
}

// A TCP connection with a tiny receive window whose state the kernel reports (TCP_INFO), so that a
// test can see the server close it without reading (which would unblock the server).
class StalledSocket {
 public:
  explicit StalledSocket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 2048;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~StalledSocket() { ::close(fd_); }
  // Sends what fits within the send timeout; a stalled peer stops reading, so this may stop early.
  void SendSome(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  bool Established() const {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return false;
    return info.tcpi_state == TCP_ESTABLISHED;
  }

 private:
  int fd_ = -1;
};

TEST_F(AbuseTest, ASlowReaderIsCutOffWithoutDelayingOthers) {
  StalledSocket slow(server().port());
  // Pipelined requests whose answers the client never reads: the server's writes stall.
  std::string burst;
  for (int i = 0; i < 20000; ++i) burst += "GET /no/such/path/for/a/longer/answer HTTP/1.1\r\nHost: x\r\n\r\n";
  std::thread sender([&] { slow.SendSome(burst); });
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client().Get("/healthz").status, 200);
  // The stalled write passes read_timeout_seconds (2 s) and the server closes the connection.
  EXPECT_TRUE(PollUntil([&] { return !slow.Established(); }, std::chrono::seconds(30)))
      << "the slow reader's connection stayed open";
  sender.join();
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(AbuseTest, SlowlorisHeadersAreCutOffByTheReadTimeout) {
  HttpClient loris(server().port());
  loris.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  bool closed = PollUntil(
      [&] {
        loris.SendRaw("X-a: b\r\n");  // a trickle, never the blank line
        return loris.PeerClosed(std::chrono::milliseconds(200));
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(closed);
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(AbuseTest, FailedAuthStormIsThrottledButValidKeysKeepWorking) {
  const std::string account = CreateAccount(client(), admin());
  const CreatedKey valid = CreateKey(client(), AdminFor(admin(), account));
  // From a client address of its own, as reported by the trusted loopback proxy.
  const Headers from = {{"X-Forwarded-For", "203.0.113.77"}};
  std::vector<std::string> sent;
  int unauthorized = 0, throttled = 0;
  for (int i = 0; i < 40; ++i) {
    sent.push_back(MakeWellFormedKey("sk_live_"));
    Response r = Auth(client(), sent.back(), "GET", "/v1/things", from);
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) {
      ++throttled;
      EXPECT_TRUE(IsError(r, 429, "RATE_LIMITED"));
      EXPECT_TRUE(r.header("Retry-After").has_value());
    }
    // The valid key from the same address is never refused.
    ASSERT_EQ(Auth(client(), valid.key, "GET", "/v1/things", from).status, 200) << i;
  }
  EXPECT_EQ(unauthorized, 20);
  EXPECT_EQ(throttled, 20);
  // Management calls with bad keys count too and are throttled alike; good ones pass.
  EXPECT_EQ(client().Get("/v1/tokens", Join(ApiKey(MakeWellFormedKey("sk_live_")), from)).status,
            429);
  EXPECT_TRUE(IsOk(client().Get("/v1/tokens", Join(ApiKey(valid.key), from))));
  // Another address is unaffected.
  EXPECT_EQ(Auth(client(), MakeWellFormedKey("sk_live_"), "GET", "/v1/things",
                 {{"X-Forwarded-For", "203.0.113.78"}})
                .status,
            401);
  // A process on this host (a loopback client address) is never throttled.
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Auth(client(), MakeWellFormedKey("sk_live_")).status, 401) << i;
  }
  // No attempted key reaches the log.
  const std::string log = server().ReadLog();
  for (const std::string& k : sent) ASSERT_EQ(log.find(k), std::string::npos);
}

}  // namespace
}  // namespace keyward_it
