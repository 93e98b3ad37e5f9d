// API.md 7 (health), 9 (serve, SIGTERM): the HTTP server itself — keep-alive, pipelining, bad input.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

class ServerTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared(); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(ServerTest, HealthzAnswersOkWithoutCredential) {
  Response r = client().Get("/healthz");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r.object(), (boost::json::object{{"status", "ok"}}));
  EXPECT_NE(r.header("Content-Type").value_or("").find("application/json"), std::string::npos);
}

TEST_F(ServerTest, ReadyzAnswersOkWithoutCredential) {
  Response r = client().Get("/readyz");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r.object(), (boost::json::object{{"status", "ok"}}));
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  HttpClient c(server().port());
  for (int i = 0; i < 60; ++i) {
    Response r = (i % 3 == 0) ? c.Get("/healthz") : (i % 3 == 1) ? Auth(c, k.key) : Auth(c, "");
    ASSERT_EQ(r.status, (i % 3 == 2) ? 401 : 200) << "request " << i << ": " << Describe(r);
    ASSERT_TRUE(c.connected()) << "the server closed the connection after request " << i << ": " << Describe(r);
  }
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string account = CreateAccount(client(), admin());
  HttpClient c(server().port());
  std::string body = R"({"name":"pipelined"})";
  std::string reqs =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/no-such-path HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-api-key: " +
      admin() + "\r\nKeyward-Account: " + account + "\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body +
      "GET /v1/auth HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.SendRaw(reqs));
  Response r1 = c.ReadResponse();
  Response r2 = c.ReadResponse();
  Response r3 = c.ReadResponse();
  Response r4 = c.ReadResponse();
  EXPECT_EQ(r1.status, 200) << Describe(r1);
  EXPECT_EQ(r1.body.find("\"ok\"") != std::string::npos, true) << Describe(r1);
  EXPECT_TRUE(IsError(r2, 404, "NOT_FOUND"));
  ASSERT_TRUE(IsOk(r3));
  EXPECT_EQ(r3.object().at("name"), "pipelined");
  EXPECT_TRUE(IsError(r4, 401, "UNAUTHORIZED"));
  // The connection is still usable afterwards.
  EXPECT_EQ(c.Get("/healthz").status, 200);
  EXPECT_EQ(c.connections_opened(), 1);
}

TEST_F(ServerTest, GarbageRequestGets400AndServerStaysUp) {
  HttpClient c(server().port());
  c.SendRaw("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.TryReadResponse();
  if (r) {
    EXPECT_EQ(r->status, 400) << Describe(*r);
  }
  // Whatever happened to that connection, the server still serves others.
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(ServerTest, BinaryGarbageDoesNotHurtTheServer) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xff));
  {
    HttpClient c(server().port());
    c.SendRaw(junk);
    auto r = c.TryReadResponse();
    if (r) {
      EXPECT_GE(r->status, 400) << Describe(*r);
    }
  }
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(ServerTest, ResponsesAreHttp11WithContentLengthOrChunked) {
  Response r = client().Get("/healthz");
  EXPECT_TRUE(r.has_header("Content-Length") || r.has_header("Transfer-Encoding")) << Describe(r);
}

// --- process lifecycle: each test has its own server -----------------------------------------

TEST(ServerLifecycleTest, SigtermExitsZero) {
  KeywardProcess p;
  EXPECT_EQ(p.Stop(), 0);
}

TEST(ServerLifecycleTest, SigtermWithIdleKeepAliveConnectionExitsZero) {
  KeywardProcess p;
  HttpClient idle = p.Client();
  ASSERT_EQ(idle.Get("/healthz").status, 200);
  ASSERT_TRUE(idle.connected());
  EXPECT_EQ(p.Stop(), 0) << "SIGTERM must finish (≤ 10 s for in-flight work) and exit 0";
}

TEST(ServerLifecycleTest, SigtermAfterTrafficExitsZero) {
  KeywardProcess p;
  HttpClient c = p.Client();
  std::string account = CreateAccount(c, p.admin_key());
  CreatedKey k = CreateKey(c, AdminFor(p.admin_key(), account));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Auth(c, k.key).status, 200);
  EXPECT_EQ(p.Stop(), 0);
}

TEST(ServerLifecycleTest, SigintExitsZero) {
  KeywardProcess p;
  HttpClient c = p.Client();
  ASSERT_EQ(c.Get("/healthz").status, 200);
  EXPECT_EQ(p.Stop(SIGINT), 0);
}

TEST(ServerLifecycleTest, StopsAcceptingAfterSigterm) {
  KeywardProcess p;
  uint16_t port = p.port();
  ASSERT_EQ(p.Stop(), 0);
  HttpClient c(port, std::chrono::seconds(2));
  EXPECT_THROW(c.Get("/healthz"), std::runtime_error) << "nothing listens after the server exited";
}

TEST(ServerLifecycleTest, ListenFlagOverridesTheConfig) {
  uint16_t config_port = PickFreePort();
  KeywardProcess p({.config_toml = "[server]\nlisten = \"127.0.0.1:" + std::to_string(config_port) + "\"\n"});
  // Start() waited for /healthz on the --listen port, so the flag won; the config's port is unused.
  ASSERT_NE(p.port(), config_port);
  HttpClient c = p.Client();
  EXPECT_EQ(c.Get("/healthz").status, 200);
  HttpClient other(config_port, std::chrono::seconds(2));
  EXPECT_THROW(other.Get("/healthz"), std::runtime_error) << "the config's listen address must not be served";
}

}  // namespace
}  // namespace keyward_it
