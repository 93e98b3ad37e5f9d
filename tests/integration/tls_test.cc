// HTTPS (API.md 9, issue 7): the TLS listener, its protocol floor and cipher list, certificate
// reload on SIGHUP without dropping connections, and plain HTTP beside it on loopback.
// (HTTPS_REQUIRED for non-loopback peers is unit-tested in core/https_policy_test.cc: a test on
// this machine can only reach the server from loopback.)
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "harness.h"
#include "tls_client.h"

namespace keyward_it {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyward-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    MakeSelfSignedCert(cert_, key_, "keyward-one");
    tls_port_ = PickFreePort();
    server_ = std::make_unique<KeywardProcess>(KeywardOptions{
        .config_toml = "[server]\nlisten_tls = \"127.0.0.1:" + std::to_string(tls_port_) +
                       "\"\n[tls]\ncert = \"" + cert_ + "\"\nkey = \"" + key_ + "\"\n"});
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_, cert_, key_;
  uint16_t tls_port_ = 0;
  std::unique_ptr<KeywardProcess> server_;
};

TEST_F(TlsTest, ServesHttpsWithTheConfiguredCertificate) {
  TlsClient c(tls_port_);
  EXPECT_EQ(c.PeerCommonName(), "keyward-one");
  Response r = c.Request("GET", "/healthz");
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(r.header("X-Request-Id").has_value());
  // Keep-alive over TLS: a second request on the same connection, an authenticated one.
  Response accounts = c.Request("GET", "/v1/accounts", Admin(server_->admin_key()));
  EXPECT_TRUE(IsOk(accounts));
}

TEST_F(TlsTest, PlainHttpOnLoopbackStillWorks) {
  HttpClient c = server_->Client();
  EXPECT_EQ(c.Get("/healthz").status, 200);
  EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(server_->admin_key()))));
}

TEST_F(TlsTest, Tls12AndTls13AreAccepted) {
  TlsClient v13(tls_port_, {.min_version = TLS1_3_VERSION});
  EXPECT_EQ(v13.Protocol(), "TLSv1.3");
  TlsClient v12(tls_port_, {.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION});
  EXPECT_EQ(v12.Protocol(), "TLSv1.2");
  EXPECT_TRUE(Matches(v12.Cipher(), "ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)"))
      << v12.Cipher();  // forward-secret AEAD
  EXPECT_EQ(v12.Request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, Tls11AndTls10AreRefused) {
  for (int version : {TLS1_1_VERSION, TLS1_VERSION}) {
    auto err = TlsHandshakeError(tls_port_, {.min_version = version,
                                             .max_version = version,
                                             .ciphers = "DEFAULT:@SECLEVEL=0",
                                             .allow_legacy = true});
    EXPECT_TRUE(err.has_value()) << "TLS version " << version << " was accepted";
  }
  // The server is unharmed.
  TlsClient c(tls_port_);
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, CbcAndNonForwardSecretCiphersAreRefused) {
  for (const char* cipher : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256",
                             "AES256-SHA"}) {
    auto err = TlsHandshakeError(
        tls_port_, {.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION, .ciphers = cipher});
    EXPECT_TRUE(err.has_value()) << cipher << " was accepted";
  }
}

TEST_F(TlsTest, NotTlsAtAllIsClosedAndTheServerKeepsServing) {
  HttpClient raw(tls_port_, std::chrono::seconds(10));
  raw.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(raw.PeerClosed(std::chrono::seconds(10)));
  TlsClient c(tls_port_);
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, SighupReloadsTheCertificateForNewConnectionsOnly) {
  TlsClient old_conn(tls_port_);
  ASSERT_EQ(old_conn.Request("GET", "/healthz").status, 200);
  ASSERT_EQ(old_conn.PeerCommonName(), "keyward-one");

  MakeSelfSignedCert(cert_, key_, "keyward-two");
  server_->Signal(SIGHUP);
  std::string seen;
  EXPECT_TRUE(PollUntil(
      [&] {
        TlsClient fresh(tls_port_);
        seen = fresh.PeerCommonName();
        return seen == "keyward-two" && fresh.Request("GET", "/healthz").status == 200;
      },
      std::chrono::seconds(20)))
      << "new connections still get " << seen;

  // The connection opened before the reload keeps working, on its old session.
  Response r = old_conn.Request("GET", "/v1/accounts", Admin(server_->admin_key()));
  EXPECT_TRUE(IsOk(r));
  EXPECT_EQ(old_conn.PeerCommonName(), "keyward-one");
  // And the plain listener was not disturbed.
  EXPECT_EQ(server_->Client().Get("/healthz").status, 200);
}

TEST_F(TlsTest, AFailedReloadKeepsTheOldCertificate) {
  {
    std::FILE* f = std::fopen(key_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a key\n", f);
    std::fclose(f);
  }
  server_->Signal(SIGHUP);
  EXPECT_TRUE(PollUntil([&] { return server_->ReadLog().find("TLS reload failed") != std::string::npos; },
                        std::chrono::seconds(20)))
      << server_->LogTail();
  TlsClient c(tls_port_);
  EXPECT_EQ(c.PeerCommonName(), "keyward-one");
  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  // The log names the file, never its contents.
  EXPECT_EQ(server_->ReadLog().find("not a key"), std::string::npos);
}

TEST(TlsConfigTest, ListenTlsWithoutCertificateIsRefusedAtStart) {
  KeywardProcess p({.config_toml = "[server]\nlisten_tls = \"127.0.0.1:0\"\n",
                    .create_admin_key = false,
                    .start = false});
  CliResult r = p.RunCli({"serve", "--config", p.config_path(), "--data-dir", p.data_dir(),
                          "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("tls.cert"), std::string::npos) << r.err;
}

TEST(TlsConfigTest, UnreadableCertificateIsRefusedAtStart) {
  KeywardProcess p({.config_toml = "[server]\nlisten_tls = \"127.0.0.1:0\"\n[tls]\ncert = "
                                   "\"/nonexistent/cert.pem\"\nkey = \"/nonexistent/key.pem\"\n",
                    .create_admin_key = false,
                    .start = false});
  CliResult r = p.RunCli({"serve", "--config", p.config_path(), "--data-dir", p.data_dir(),
                          "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent/cert.pem"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyward_it
