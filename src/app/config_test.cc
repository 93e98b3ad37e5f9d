#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace keyward {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    // One file per test: ctest runs the tests of this binary as parallel processes.
    std::string path = ::testing::TempDir() + "keyward_config_test_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto c = LoadConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->store_url, "sqlite://data/keyward.db");
  EXPECT_EQ(c->service.plans.at("default"), (RateSpec{150, 60}));
  EXPECT_EQ(c->verifier_allow_from.size(), 2u);
  EXPECT_TRUE(c->service.sandbox.enabled);
}

TEST_F(ConfigTest, ReadsTheContractExample) {
  auto path = Write(R"(
[server]
listen = "127.0.0.1:9090"
threads = 2
trusted_proxies = ["10.0.0.0/8"]
[store]
url = "sqlite://x/y.db"
[keys]
display_prefix_length = 10
prefix = { secret = "cc", publishable = "pk", restricted = "rk" }
[verifier]
allow_from = ["127.0.0.1/32"]
[credits]
default_cost = 2
[plans.default]
rate_limit = "100/min"
[plans.pro]
rate_limit = "10/s"
account_rate_limit = "30/s"
[sandbox]
enabled = false
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
cost = 1
rate_limit = "20/min"
publishable = false
)");
  auto c = LoadConfig(path, nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen, "127.0.0.1:9090");
  EXPECT_EQ(c->server.threads, 2);
  EXPECT_EQ(c->service.prefixes.secret, "cc");
  EXPECT_EQ(c->service.display_prefix_length, 10u);
  EXPECT_EQ(c->service.plans.at("pro"), (RateSpec{10, 1}));
  EXPECT_EQ(c->service.PlanAccountLimit("pro"), (RateSpec{30, 1}));
  EXPECT_FALSE(c->service.PlanAccountLimit("default").has_value());
  EXPECT_EQ(c->service.default_cost, 2);
  EXPECT_FALSE(c->service.sandbox.enabled);
  ASSERT_EQ(c->service.routes.rules().size(), 1u);
  EXPECT_EQ(c->service.routes.rules()[0].rate_limit, (RateSpec{20, 60}));
}

TEST_F(ConfigTest, UnknownKeyIsRefusedWithFileAndLine) {
  auto path = Write("[server]\nlisten = \"127.0.0.1:1\"\nlisten_port = 3\n");
  auto c = LoadConfig(path, nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find(path + ":3:"), std::string::npos) << c.error().message();
  EXPECT_NE(c.error().message().find("server.listen_port"), std::string::npos);
}

TEST_F(ConfigTest, BadValuesAreRefusedWithTheReason) {
  struct Case {
    std::string text;
    std::string expect;
  };
  for (const Case& k : std::vector<Case>{
           {"[server]\nthreads = \"two\"\n", ":2: server.threads must be an integer"},
           {"[server]\nthreads = -1\n", ":2: server.threads must be between"},
           {"[server]\nlisten = \"nope\"\n", ":2: server.listen must be host:port"},
           {"[plans.default]\nrate_limit = \"5 per minute\"\n", ":2: plans.default.rate_limit"},
           {"[verifier]\nallow_from = [\"300.1.1.1/8\"]\n", ":2: verifier.allow_from"},
           {"[[route]]\nmethod = \"GET\"\n", "route needs a path"},
           {"[[route]]\npath = \"/x\"\npermission = \"NOT VALID\"\n", "route /x"},
           {"[[route]]\npath = \"/x\"\nbogus = 1\n", ":3: unknown key route.bogus"},
           {"[keys]\nprefix = { secret = \"at\" }\n", "reserved"},
           {"[server\n", ":1:"},
       }) {
    auto c = LoadConfig(Write(k.text), nullptr);
    ASSERT_FALSE(c.ok()) << k.text;
    EXPECT_NE(c.error().message().find(k.expect), std::string::npos)
        << k.text << " → " << c.error().message();
  }
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  auto path = Write("[server]\nlisten = \"127.0.0.1:1111\"\n");
  std::vector<std::string> vars = {
      "KEYWARD_SERVER_LISTEN=127.0.0.1:2222", "KEYWARD_VERIFIER_ALLOW_FROM=10.0.0.0/8, ::1/128",
      "KEYWARD_PLANS_PRO_RATE_LIMIT=7/hour", "KEYWARD_SANDBOX_ENABLED=false", "OTHER=1"};
  std::vector<char*> envp;
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  auto c = LoadConfig(path, envp.data());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen, "127.0.0.1:2222");
  EXPECT_EQ(c->verifier_allow_from.size(), 2u);
  EXPECT_EQ(c->service.plans.at("pro"), (RateSpec{7, 3600}));
  EXPECT_FALSE(c->service.sandbox.enabled);
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  std::vector<std::string> vars = {"KEYWARD_SERVER_THREADS=lots"};
  std::vector<char*> envp = {vars[0].data(), nullptr};
  auto c = LoadConfig("", envp.data());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("KEYWARD_SERVER_THREADS"), std::string::npos);
}

TEST_F(ConfigTest, RedisSectionIsReadAndChecked) {
  auto c =
      LoadConfig(Write("[redis]\nurl = \"redis://127.0.0.1:6380/2\"\non_unavailable = \"open\"\n"
                       "timeout_ms = 100\npool_size = 4\nresync_seconds = 5\n"
                       "key_prefix = \"kwtest:\"\n"),
                 nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->service.redis.url, "redis://127.0.0.1:6380/2");
  EXPECT_TRUE(c->service.redis.fail_open);
  EXPECT_EQ(c->service.redis.timeout_ms, 100);
  EXPECT_EQ(c->service.redis.pool_size, 4);
  EXPECT_EQ(c->service.redis.resync_seconds, 5);
  EXPECT_EQ(c->service.redis.key_prefix, "kwtest:");

  auto cluster = LoadConfig(
      Write("[redis]\nurl = \"redis+cluster://kw:pw@127.0.0.1:7000,127.0.0.1:7001\"\n"), nullptr);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message();
  EXPECT_TRUE(cluster->service.redis.enabled());

  auto defaults = LoadConfig("", nullptr);
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->service.redis.enabled());
  EXPECT_FALSE(defaults->service.redis.fail_open);

  for (const char* bad :
       {"url = \"http://x\"", "url = \"redis://h:0\"", "on_unavailable = \"maybe\"",
        "timeout_ms = 0", "pool_size = 0", "resync_seconds = 0", "key_prefix = \"a b\"",
        "key_prefix = \"kw{x}:\"", "url = \"redis+cluster://h1:7000/1\""}) {
    auto r = LoadConfig(Write(std::string("[redis]\n") + bad + "\n"), nullptr);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("redis."), std::string::npos) << bad;
    }
  }
}

TEST_F(ConfigTest, StoreResyncSecondsIsReadAndChecked) {
  auto defaults = LoadConfig("", nullptr);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->service.store.resync_seconds, 30);
  auto c = LoadConfig(Write("[store]\nresync_seconds = 2\n"), nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->service.store.resync_seconds, 2);
  for (const char* bad : {"resync_seconds = 0", "resync_seconds = 3601"}) {
    auto r = LoadConfig(Write(std::string("[store]\n") + bad + "\n"), nullptr);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("store.resync_seconds"), std::string::npos) << bad;
    }
  }
}

TEST_F(ConfigTest, ProxySettingsAreRead) {
  auto c = LoadConfig(Write("[proxy]\nupstream = \"http://127.0.0.1:9000\"\n"
                            "sandbox_upstream = \"http://127.0.0.1:9001/\"\n"
                            "test_upstream = \"http://localhost:9002\"\n"
                            "timeout = 5\nmax_body = 1048576\n"),
                      nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->proxy.upstream, "http://127.0.0.1:9000");
  EXPECT_EQ(c->proxy.sandbox_upstream, "http://127.0.0.1:9001/");
  EXPECT_EQ(c->proxy.test_upstream, "http://localhost:9002");
  EXPECT_EQ(c->proxy.timeout_seconds, 5);
  EXPECT_EQ(c->proxy.max_body, 1048576u);
  EXPECT_TRUE(c->proxy.enabled());
}

TEST_F(ConfigTest, ProxyDefaultsAreOffWithAHundredMebibyteBodyLimit) {
  auto c = LoadConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->proxy.enabled());
  EXPECT_EQ(c->proxy.max_body, 100u * 1024 * 1024);
  EXPECT_EQ(c->proxy.timeout_seconds, 30);
}

TEST_F(ConfigTest, ProxyUpstreamMustBeHttpHostPort) {
  for (const char* bad : {"https://127.0.0.1:9000", "127.0.0.1:9000", "http://", "http://h:0",
                          "http://h:99999", "http://h:90/path"}) {
    auto c = LoadConfig(Write(std::string("[proxy]\nupstream = \"") + bad + "\"\n"), nullptr);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message().find("proxy.upstream"), std::string::npos) << bad;
  }
}

TEST_F(ConfigTest, DashboardSection) {
  auto defaults = LoadConfig("", nullptr);
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->service.dashboard.signup);
  EXPECT_EQ(defaults->service.dashboard.session_seconds, 168 * 3600);
  auto c = LoadConfig(Write("[dashboard]\nsignup = false\nsession_hours = 2\n"
                            "signin_limit_per_account = \"3/min\"\n"
                            "signin_limit_per_ip = \"7/hour\"\n"),
                      nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->service.dashboard.signup);
  EXPECT_EQ(c->service.dashboard.session_seconds, 7200);
  EXPECT_EQ(c->service.dashboard.signin_per_account, (RateSpec{3, 60}));
  EXPECT_EQ(c->service.dashboard.signin_per_ip, (RateSpec{7, 3600}));
  std::vector<std::string> vars = {"KEYWARD_DASHBOARD_SIGNUP=false"};
  std::vector<char*> envp = {vars[0].data(), nullptr};
  auto env = LoadConfig("", envp.data());
  ASSERT_TRUE(env.ok());
  EXPECT_FALSE(env->service.dashboard.signup);
  EXPECT_FALSE(LoadConfig(Write("[dashboard]\nsession_hours = 0\n"), nullptr).ok());
}

TEST_F(ConfigTest, TlsSettings) {
  auto c = LoadConfig(Write("[server]\nlisten_tls = \"0.0.0.0:8443\"\n[tls]\ncert = \"/c.pem\"\n"
                            "key = \"/k.pem\"\n"),
                      nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen_tls, "0.0.0.0:8443");
  EXPECT_EQ(c->server.tls_cert_file, "/c.pem");
  EXPECT_EQ(c->server.tls_key_file, "/k.pem");
  EXPECT_EQ(c->server.plain_http_allowed.size(), 2u);  // the trusted proxies
  auto d = LoadConfig("", nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->server.listen_tls.empty());  // make run stays plain HTTP
}

TEST_F(ConfigTest, ListenGrpcIsPlaintextOnLoopbackAndNeedsTlsElsewhere) {
  for (const char* loopback : {"127.0.0.1:9191", "[::1]:9191", "localhost:9191", "127.0.0.2:0"}) {
    auto c =
        LoadConfig(Write(std::string("[server]\nlisten_grpc = \"") + loopback + "\"\n"), nullptr);
    ASSERT_TRUE(c.ok()) << loopback << ": " << c.error().message();
    EXPECT_EQ(c->listen_grpc, loopback);
    EXPECT_FALSE(c->listen_grpc_tls) << loopback;
  }
  auto refused = LoadConfig(Write("[server]\nlisten_grpc = \"0.0.0.0:9191\"\n"), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("server.listen_grpc"), std::string::npos);
  auto tls = LoadConfig(Write("[server]\nlisten_grpc = \"0.0.0.0:9191\"\n[tls]\ncert = "
                              "\"/c.pem\"\nkey = \"/k.pem\"\n"),
                        nullptr);
  ASSERT_TRUE(tls.ok()) << tls.error().message();
  EXPECT_TRUE(tls->listen_grpc_tls);
  EXPECT_FALSE(LoadConfig(Write("[server]\nlisten_grpc = \"nope\"\n"), nullptr).ok());
  auto d = LoadConfig("", nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->listen_grpc.empty());  // off unless asked for
}

TEST_F(ConfigTest, ListenTlsNeedsCertAndKey) {
  auto c = LoadConfig(Write("[server]\nlisten_tls = \"0.0.0.0:8443\"\n[tls]\ncert = \"/c.pem\"\n"),
                      nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("tls.cert and tls.key"), std::string::npos);
  auto bad = LoadConfig(Write("[server]\nlisten_tls = \"nope\"\n"), nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("server.listen_tls"), std::string::npos);
}

TEST_F(ConfigTest, TlsFromTheEnvironment) {
  std::vector<std::string> vars = {"KEYWARD_SERVER_LISTEN_TLS=127.0.0.1:8443",
                                   "KEYWARD_TLS_CERT=/c.pem", "KEYWARD_TLS_KEY=/k.pem"};
  std::vector<char*> envp = {vars[0].data(), vars[1].data(), vars[2].data(), nullptr};
  auto c = LoadConfig("", envp.data());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen_tls, "127.0.0.1:8443");
  EXPECT_EQ(c->server.tls_key_file, "/k.pem");
}

TEST_F(ConfigTest, AuthFailureBudget) {
  auto d = LoadConfig("", nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->auth_failures_per_minute, 600);
  auto c = LoadConfig(Write("[server]\nauth_failures_per_minute = 0\n"), nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->auth_failures_per_minute, 0);
  EXPECT_FALSE(LoadConfig(Write("[server]\nauth_failures_per_minute = -1\n"), nullptr).ok());
}

TEST_F(ConfigTest, PostgresStoreUrlAndPoolSize) {
  auto c = LoadConfig(
      Write("[store]\nurl = \"postgres://kw:pw@db:5432/keyward\"\npool_size = 16\n"), nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->store_url, "postgres://kw:pw@db:5432/keyward");
  EXPECT_EQ(c->store_pool_size, 16);
  auto d = LoadConfig("", nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->store_pool_size, 8);
  auto bad = LoadConfig(Write("[store]\npool_size = 1\n"), nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("store.pool_size must be between 2 and 100"),
            std::string::npos);
  auto scheme = LoadConfig(Write("[store]\nurl = \"mysql://kw:pw@db/keyward\"\n"), nullptr);
  ASSERT_FALSE(scheme.ok());
  EXPECT_EQ(scheme.error().message().find("pw@"), std::string::npos);
}

TEST_F(ConfigTest, PublicUrlIsAnHttpUrlWithoutQueryOrFragment) {
  auto c = LoadConfig(Write("[server]\npublic_url = \"https://keys.example.com/base\"\n"), nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->public_url, "https://keys.example.com/base");
  EXPECT_EQ(LoadConfig("", nullptr)->public_url, "");  // default: http:// + server.listen
  for (const char* bad : {"keys.example.com", "ftp://keys.example.com", "https://", "https:///x",
                          "https://keys.example.com/#x", "https://keys.example.com/?a=1",
                          "https://keys example.com"}) {
    auto refused =
        LoadConfig(Write(std::string("[server]\npublic_url = \"") + bad + "\"\n"), nullptr);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message().find("server.public_url must be"), std::string::npos)
        << refused.error().message();
  }
}

}  // namespace
}  // namespace keyward

namespace keyward {
namespace {

// [plans.NAME] accepts the plan object's fields (API.md 11.2): refill and low_credits_threshold.
TEST_F(ConfigTest, PlansTakeRefillAndLowCreditsThreshold) {
  auto c = LoadConfig(Write("[plans.pro]\nrate_limit = \"10/s\"\nlow_credits_threshold = 50\n"
                            "refill = { amount = 1000, interval = \"month\", mode = \"add\" }\n"
                            "[plans.lite]\nrate_limit = \"1/s\"\n"
                            "refill = { amount = 5, interval = \"day\" }\n"),
                      nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  const auto& pro = c->service.plan_extras.at("pro");
  EXPECT_EQ(pro.low_credits_threshold, 50);
  ASSERT_TRUE(pro.refill.has_value());
  EXPECT_EQ(*pro.refill, (PlanRefill{1000, "month", "add"}));
  EXPECT_EQ(c->service.plan_extras.at("lite").refill->mode, "set");  // the default
  for (const char* bad : {
           "[plans.pro]\nrate_limit = \"1/s\"\nrefill = { amount = 5, interval = \"week\" }\n",
           "[plans.pro]\nrate_limit = \"1/s\"\nrefill = { amount = -5, interval = \"day\" }\n",
           "[plans.pro]\nrate_limit = \"1/s\"\nrefill = { amount = 5, interval = \"day\", "
           "mode = \"x\" }\n",
           "[plans.pro]\nrate_limit = \"1/s\"\nrefill = { amount = 5, every = 2 }\n",
           "[plans.pro]\nrate_limit = \"1/s\"\nrefill = 5\n",
           "[plans.pro]\nrate_limit = \"1/s\"\nlow_credits_threshold = -1\n",
           "[plans.pro]\naccount_rate_limit = \"1/s\"\n",  // rate_limit is required
           "[plans.Pro]\nrate_limit = \"1/s\"\n",          // not a plan name
       }) {
    auto r = LoadConfig(Write(bad), nullptr);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("plans."), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace keyward
