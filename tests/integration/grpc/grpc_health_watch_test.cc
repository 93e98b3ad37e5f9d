// grpc.health.v1.Health/Watch of a real keyward binary with a real grpc++ client: the current
// status, then every change (Redis, which readiness pings, stopped and started again), the
// drain on SIGTERM (NOT_SERVING, then the stream ends), SERVICE_UNKNOWN for an unknown name; and
// the gRPC listener's TLS certificate reloaded on SIGHUP, as the HTTPS listener's is.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "harness.h"
#include "redis_server.h"

namespace keyward_it {
namespace {

namespace health = grpc::health::v1;
using Clock = std::chrono::system_clock;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Reads the stream's next message; fails the test when the stream ends first.
health::HealthCheckResponse::ServingStatus Next(
    grpc::ClientReader<health::HealthCheckResponse>& reader) {
  health::HealthCheckResponse res;
  if (!reader.Read(&res)) {
    ADD_FAILURE() << "the Watch stream ended";
    return health::HealthCheckResponse::UNKNOWN;
  }
  return res.status();
}

TEST(GrpcHealthWatchTest, StreamsTheStatusThenEveryChangeAndEndsWhenTheNodeDrains) {
  keyward_test::RedisServer redis;
  const uint16_t grpc_port = PickFreePort();
  KeywardOptions options;
  options.config_toml = "[server]\nlisten_grpc = \"127.0.0.1:" + std::to_string(grpc_port) +
                        "\"\n[redis]\nurl = \"" + redis.url() + "\"\n";
  KeywardProcess keyward(options);
  // Ready first (the harness waits for /healthz only; Redis may not have answered yet).
  HttpClient http = keyward.Client();
  const auto ready_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (http.Get("/readyz").status != 200 && std::chrono::steady_clock::now() < ready_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // readiness polling
  }
  ASSERT_EQ(http.Get("/readyz").status, 200);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                     grpc::InsecureChannelCredentials());
  auto stub = health::Health::NewStub(channel);

  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + std::chrono::seconds(120));
  health::HealthCheckRequest req;
  req.set_service("envoy.service.auth.v3.Authorization");
  auto reader = stub->Watch(&ctx, req);
  EXPECT_EQ(Next(*reader), health::HealthCheckResponse::SERVING);

  // An unknown name: SERVICE_UNKNOWN, and the stream stays open until the caller goes.
  {
    grpc::ClientContext unknown_ctx;
    unknown_ctx.set_deadline(Clock::now() + std::chrono::seconds(60));
    health::HealthCheckRequest unknown;
    unknown.set_service("no.such.Service");
    auto unknown_reader = stub->Watch(&unknown_ctx, unknown);
    EXPECT_EQ(Next(*unknown_reader), health::HealthCheckResponse::SERVICE_UNKNOWN);
    unknown_ctx.TryCancel();
    health::HealthCheckResponse ignored;
    while (unknown_reader->Read(&ignored)) {
    }
    EXPECT_EQ(unknown_reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }

  // Redis goes away: NOT_SERVING, pushed without being asked; it comes back: SERVING.
  redis.Stop();
  EXPECT_EQ(Next(*reader), health::HealthCheckResponse::NOT_SERVING);
  redis.Start();
  EXPECT_EQ(Next(*reader), health::HealthCheckResponse::SERVING);

  // SIGTERM: the node drains; the watcher hears NOT_SERVING, then the stream ends.
  keyward.Signal(SIGTERM);
  EXPECT_EQ(Next(*reader), health::HealthCheckResponse::NOT_SERVING);
  health::HealthCheckResponse extra;
  EXPECT_FALSE(reader->Read(&extra)) << "a message after the drain: " << extra.status();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(keyward.Stop(), 0);
}

// A self-signed certificate for "localhost" (its own root) in `dir`, as NAME.crt and NAME.key.
void MakeCertificate(const std::string& dir, const std::string& name) {
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -keyout " +
      dir + "/" + name + ".key -out " + dir + "/" + name + ".crt >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// One health Check over TLS trusting only `root_pem`, on a channel of its own (a distinct
// argument, so that it shares no connection, and no backoff, with an earlier attempt).
bool CheckOverTls(uint16_t port, const std::string& root_pem, int attempt) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = root_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt("keyward.test.attempt", attempt);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                           grpc::SslCredentials(ssl), args);
  auto stub = health::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + std::chrono::seconds(10));
  health::HealthCheckRequest req;
  health::HealthCheckResponse res;
  return stub->Check(&ctx, req, &res).ok() && res.status() == health::HealthCheckResponse::SERVING;
}

TEST(GrpcTlsReloadTest, SighupReloadsTheGrpcListenersCertificate) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-grpc-tls-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{dir};
  MakeCertificate(dir, "first");
  MakeCertificate(dir, "second");
  std::filesystem::copy_file(dir + "/first.crt", dir + "/served.crt");
  std::filesystem::copy_file(dir + "/first.key", dir + "/served.key");
  const uint16_t grpc_port = PickFreePort();

  // Off loopback (0.0.0.0), the gRPC listener serves TLS only; the client dials 127.0.0.1.
  KeywardOptions tls_options;
  tls_options.config_toml = "[server]\nlisten_grpc = \"0.0.0.0:" + std::to_string(grpc_port) +
                            "\"\n[tls]\ncert = \"" + dir + "/served.crt\"\nkey = \"" + dir +
                            "/served.key\"\n";
  KeywardProcess server(tls_options);
  const std::string first = Slurp(dir + "/first.crt");
  const std::string second = Slurp(dir + "/second.crt");
  int attempt = 0;
  ASSERT_TRUE(CheckOverTls(grpc_port, first, ++attempt));
  EXPECT_FALSE(CheckOverTls(grpc_port, second, ++attempt));

  // A pair that does not load: logged, the old certificate stays.
  { std::ofstream(dir + "/served.crt", std::ios::trunc) << "not a certificate\n"; }
  server.Signal(SIGHUP);
  const auto log_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (server.ReadLog().find("gRPC TLS reload failed") == std::string::npos &&
         std::chrono::steady_clock::now() < log_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(server.ReadLog().find("gRPC TLS reload failed"), std::string::npos) << server.LogTail();
  EXPECT_TRUE(CheckOverTls(grpc_port, first, ++attempt));

  // The second pair, then SIGHUP: new connections get it (within the provider's refresh).
  std::filesystem::copy_file(dir + "/second.crt", dir + "/served.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(dir + "/second.key", dir + "/served.key",
                             std::filesystem::copy_options::overwrite_existing);
  server.Signal(SIGHUP);
  bool reloaded = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!reloaded && std::chrono::steady_clock::now() < deadline) {
    reloaded = CheckOverTls(grpc_port, second, ++attempt);
    if (!reloaded) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(reloaded) << server.LogTail();
  EXPECT_NE(server.ReadLog().find("gRPC TLS certificate reloaded"), std::string::npos);
  EXPECT_FALSE(CheckOverTls(grpc_port, first, ++attempt));
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace keyward_it
