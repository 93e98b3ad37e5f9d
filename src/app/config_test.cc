#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace keyward {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = ::testing::TempDir() + "keyward_config_test.toml";
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
  std::vector<std::string> vars = {"KEYWARD_SERVER_LISTEN=127.0.0.1:2222",
                                   "KEYWARD_VERIFIER_ALLOW_FROM=10.0.0.0/8, ::1/128",
                                   "KEYWARD_PLANS_PRO_RATE_LIMIT=7/hour",
                                   "KEYWARD_SANDBOX_ENABLED=false", "OTHER=1"};
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

TEST_F(ConfigTest, FeaturesOfLaterReleasesAreRefusedClearly) {
  auto c = LoadConfig(Write("[proxy]\nupstream = \"http://127.0.0.1:9000\"\n"), nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("not available"), std::string::npos);
}

}  // namespace
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

}  // namespace keyward
