// API.md 9: the CLI (admin-key, accounts, tokens, verify, version), also while a server runs on the
// same data dir.
#include <sstream>
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kCliConfig = R"toml(
[credits]
default_cost = 1

[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
)toml";

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
  }
  return out;
}

boost::json::object JsonOut(const CliResult& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.out, ec);
  if (ec || !v.is_object()) {
    throw std::runtime_error("CLI stdout is not one JSON object: [" + r.out + "] stderr: [" + r.err + "]");
  }
  return v.as_object();
}

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "; stdout: [" + r.out + "]; stderr: [" + r.err + "]";
}

class CliTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kCliConfig}); }
  static void TearDownTestSuite() { StopShared(); }

  CliResult Cli(std::vector<std::string> args) {
    for (auto& a : server().StoreArgs()) args.push_back(a);
    return server().RunCli(args);
  }

  // `keyward accounts create` and the new account's id.
  std::string CliAccount(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"accounts", "create", "--email", UniqueEmail()};
    for (auto& a : extra) args.push_back(a);
    CliResult r = Cli(args);
    if (r.exit_code != 0) throw std::runtime_error("accounts create: " + Describe(r));
    return AsString(JsonOut(r).at("id"));
  }

  // `keyward tokens create` and its JSON.
  boost::json::object CliToken(const std::string& account, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"tokens", "create", "--account", account};
    for (auto& a : extra) args.push_back(a);
    CliResult r = Cli(args);
    if (r.exit_code != 0) throw std::runtime_error("tokens create: " + Describe(r));
    return JsonOut(r);
  }
};

TEST(CliStandaloneTest, AdminKeyCreatePrintsOneKeyLine) {
  KeywardProcess p({.config_toml = "", .create_admin_key = false, .start = false});
  std::vector<std::string> args = {"admin-key", "create"};
  for (auto& a : p.StoreArgs()) args.push_back(a);
  CliResult r = p.RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  auto lines = NonEmptyLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << "stdout must be the key alone: " << Describe(r);
  const std::string key = lines[0];
  EXPECT_TRUE(Matches(key, "ak_[0-9A-Za-z]{38}")) << key.substr(0, 6);
  EXPECT_TRUE(ChecksumValid(key));

  // The key administers a server started on that data dir.
  p.Start();
  HttpClient c = p.Client();
  EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(key))));

  // A second one, with --name, while the server runs, works at once.
  args.push_back("--name");
  args.push_back("second operator");
  CliResult r2 = p.RunCli(args);
  ASSERT_EQ(r2.exit_code, 0) << Describe(r2);
  auto lines2 = NonEmptyLines(r2.out);
  ASSERT_EQ(lines2.size(), 1u) << Describe(r2);
  EXPECT_NE(lines2[0], key);
  EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(lines2[0]))));
  EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(key))));
}

TEST(CliStandaloneTest, VersionExitsZero) {
  KeywardProcess p({.config_toml = "", .create_admin_key = false, .start = false});
  CliResult r = p.RunCli({"version"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_FALSE(NonEmptyLines(r.out).empty()) << Describe(r);
}

TEST(CliStandaloneTest, CommandsWorkWithoutAServer) {
  KeywardProcess p({.config_toml = "", .create_admin_key = true, .start = false});
  std::vector<std::string> store = p.StoreArgs();
  auto with_store = [&](std::vector<std::string> a) {
    a.insert(a.end(), store.begin(), store.end());
    return p.RunCli(a);
  };
  CliResult acct = with_store({"accounts", "create", "--email", UniqueEmail(), "--name", "Offline"});
  ASSERT_EQ(acct.exit_code, 0) << Describe(acct);
  std::string account = AsString(JsonOut(acct).at("id"));
  CliResult tok = with_store({"tokens", "create", "--account", account, "--name", "offline key"});
  ASSERT_EQ(tok.exit_code, 0) << Describe(tok);
  std::string key = AsString(JsonOut(tok).at("key"));
  CliResult v = with_store({"verify", key});
  EXPECT_EQ(v.exit_code, 0) << Describe(v);
  // And the server started afterwards knows them.
  p.Start();
  HttpClient c = p.Client();
  Response a = Auth(c, key);
  EXPECT_EQ(a.status, 200) << Describe(a);
  EXPECT_EQ(a.header("X-Keyward-Account").value_or("<none>"), account);
}

TEST(CliStandaloneTest, FirstServeOnAnEmptyStorePrintsOneAdminKey) {
  KeywardProcess p({.config_toml = "", .create_admin_key = false, .start = true});
  auto find_keys = [](const std::string& text) {
    std::set<std::string> keys;  // distinct: the quick-start curl line repeats the key
    for (size_t pos = text.find("ak_"); pos != std::string::npos; pos = text.find("ak_", pos + 3)) {
      std::string k = text.substr(pos, 41);
      if (Matches(k, "ak_[0-9A-Za-z]{38}") && ChecksumValid(k)) keys.insert(k);
    }
    return std::vector<std::string>(keys.begin(), keys.end());
  };
  std::vector<std::string> first = find_keys(p.ReadLog());
  ASSERT_EQ(first.size(), 1u) << "the first start prints one admin key: " << p.LogTail();
  HttpClient c = p.Client();
  EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(first[0]))));

  ASSERT_EQ(p.Restart(), 0);
  EXPECT_EQ(find_keys(p.ReadLog()).size(), 1u) << "a later start prints no new key: " << p.LogTail();
}

TEST_F(CliTest, AdminKeyCreatedWhileServerRunsWorksAtOnce) {
  CliResult r = Cli({"admin-key", "create"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  auto lines = NonEmptyLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << Describe(r);
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts", Admin(lines[0]))));
}

TEST_F(CliTest, AccountsCreatePrintsAccountJson) {
  std::string email = UniqueEmail();
  CliResult r = Cli({"accounts", "create", "--email", email, "--name", "CLI Co", "--credits", "5"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  auto o = JsonOut(r);
  EXPECT_EQ(Keys(o), (std::set<std::string>{"id", "object", "email", "name", "credits", "plan", "created",
                                            "metadata", "overrides", "status", "disabled_at"}))
      << r.out;
  EXPECT_TRUE(Matches(AsString(o.at("id")), "acct_[0-9A-Za-z]{24}"));
  EXPECT_EQ(o.at("object"), "account");
  EXPECT_EQ(AsString(o.at("email")), email);
  EXPECT_EQ(o.at("name"), "CLI Co");
  EXPECT_EQ(AsInt(o.at("credits")), 5);
  // The running server sees it.
  Response g = client().Get("/v1/accounts/" + AsString(o.at("id")), Admin(admin()));
  ASSERT_TRUE(IsOk(g));
  EXPECT_EQ(AsInt(g.object().at("credits")), 5);
  EXPECT_EQ(AsString(g.object().at("email")), email);
}

TEST_F(CliTest, AccountsCreateWithoutCreditsIsUnlimited) {
  CliResult r = Cli({"accounts", "create", "--email", UniqueEmail()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(JsonOut(r).at("credits").is_null()) << r.out;
}

TEST_F(CliTest, TokensCreatePrintsTokenJsonWithKeyThatTheRunningServerAccepts) {
  std::string account = CliAccount();
  auto t = CliToken(account, {"--type", "restricted", "--name", "cli key", "--permission", "a:b", "--permission",
                              "extractions:write"});
  std::string key = AsString(t.at("key"));
  EXPECT_TRUE(Matches(key, "rk_live_[0-9A-Za-z]{38}")) << key.substr(0, 12);
  EXPECT_TRUE(ChecksumValid(key));
  EXPECT_TRUE(Matches(AsString(t.at("id")), "tok_[0-9A-Za-z]{24}"));
  EXPECT_EQ(t.at("object"), "token");
  EXPECT_EQ(t.at("type"), "restricted");
  EXPECT_EQ(t.at("name"), "cli key");
  EXPECT_EQ(AsString(t.at("account")), account);
  EXPECT_EQ(AsString(t.at("key_prefix")), key.substr(0, 12));
  EXPECT_EQ(AsString(t.at("last4")), key.substr(key.size() - 4));
  auto perms = StringList(t.at("permissions"));
  EXPECT_EQ(std::set<std::string>(perms.begin(), perms.end()), (std::set<std::string>{"a:b", "extractions:write"}));

  // Made while the server runs: the server verifies it at once.
  Response a = Auth(client(), key, "POST", "/v1/extractions");
  ASSERT_EQ(a.status, 200) << Describe(a);
  EXPECT_EQ(a.header("X-Keyward-Token-Id").value_or("<none>"), AsString(t.at("id")));
  EXPECT_EQ(a.header("X-Keyward-Account").value_or("<none>"), account);
  // And lists it.
  Response list = client().Get("/v1/tokens", AdminFor(admin(), account));
  ASSERT_TRUE(IsOk(list));
  EXPECT_NE(list.body.find(AsString(t.at("id"))), std::string::npos) << Describe(list);
}

TEST_F(CliTest, TokensCreateDefaultsToSecretLiveKey) {
  std::string account = CliAccount();
  auto t = CliToken(account, {"--name", "default"});
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_EQ(t.at("livemode"), true);
  std::string key = AsString(t.at("key"));
  EXPECT_TRUE(Matches(key, "sk_live_[0-9A-Za-z]{38}")) << key.substr(0, 12);
  EXPECT_EQ(Auth(client(), key).status, 200);
}

TEST_F(CliTest, VerifyExitsZeroForValidAndOneForInvalid) {
  std::string account = CliAccount();
  std::string key = AsString(CliToken(account, {"--name", "v"}).at("key"));
  CliResult ok = Cli({"verify", key});
  EXPECT_EQ(ok.exit_code, 0) << Describe(ok);
  auto verdict = JsonOut(ok);
  EXPECT_EQ(verdict.at("valid"), true) << ok.out;
  EXPECT_EQ(verdict.at("code"), "VALID") << ok.out;
  EXPECT_EQ(ok.out.find(key), std::string::npos) << "the verdict does not echo the key";

  for (const std::string& bad : {std::string("garbage"), FlipChar(key, 12), MakeWellFormedKey("sk_live_")}) {
    CliResult r = Cli({"verify", bad});
    EXPECT_EQ(r.exit_code, 1) << bad.substr(0, 12) << ": " << Describe(r);
    auto v = JsonOut(r);
    EXPECT_EQ(v.at("valid"), false) << r.out;
    EXPECT_EQ(v.at("code"), "UNAUTHORIZED") << r.out;
  }
}

TEST_F(CliTest, VerifySeesARevocationMadeThroughTheServer) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  EXPECT_EQ(Cli({"verify", k.key}).exit_code, 0);
  RevokeKey(client(), AdminFor(admin(), account), k.id);
  CliResult r = Cli({"verify", k.key});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_EQ(JsonOut(r).at("code"), "UNAUTHORIZED") << r.out;
}

TEST_F(CliTest, VerifyChecksTheIpAllowlistAgainstClientIp) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account),
                           boost::json::object{{"ip_allowlist", boost::json::array{"10.0.0.0/8"}}});
  // No client address: fail closed, as /v1/keys/verify without client_ip.
  CliResult none = Cli({"verify", k.key});
  EXPECT_EQ(none.exit_code, 1) << Describe(none);
  EXPECT_EQ(JsonOut(none).at("code"), "FORBIDDEN") << none.out;
  CliResult inside = Cli({"verify", k.key, "--client-ip", "10.1.2.3"});
  EXPECT_EQ(inside.exit_code, 0) << Describe(inside);
  EXPECT_EQ(JsonOut(inside).at("valid"), true) << inside.out;
  CliResult outside = Cli({"verify", k.key, "--client-ip", "192.0.2.7"});
  EXPECT_EQ(outside.exit_code, 1) << Describe(outside);
  EXPECT_EQ(JsonOut(outside).at("code"), "FORBIDDEN") << outside.out;
  CliResult malformed = Cli({"verify", k.key, "--client-ip", "not-an-address"});
  EXPECT_EQ(malformed.exit_code, 2) << Describe(malformed);
  EXPECT_NE(malformed.err.find("--client-ip"), std::string::npos) << malformed.err;
}

TEST_F(CliTest, VerifyHonoursMethodAndPath) {
  std::string account = CliAccount();
  std::string key =
      AsString(CliToken(account, {"--type", "restricted", "--name", "r", "--permission", "reports:read"}).at("key"));
  CliResult refused = Cli({"verify", key, "--method", "POST", "--path", "/v1/extractions"});
  EXPECT_EQ(refused.exit_code, 1) << Describe(refused);
  EXPECT_EQ(JsonOut(refused).at("code"), "FORBIDDEN") << refused.out;
  CliResult other = Cli({"verify", key, "--method", "GET", "--path", "/v1/extractions"});
  EXPECT_EQ(other.exit_code, 0) << Describe(other);
}

TEST_F(CliTest, VerifyDoesNotCharge) {
  std::string account = CliAccount({"--credits", "10"});
  std::string key = AsString(CliToken(account, {"--name", "metered"}).at("key"));
  for (int i = 0; i < 3; ++i) {
    CliResult r = Cli({"verify", key});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  Response g = client().Get("/v1/accounts/" + account, Admin(admin()));
  ASSERT_TRUE(IsOk(g));
  EXPECT_EQ(AsInt(g.object().at("credits")), 10) << "keyward verify must not charge credits";
  // The server does charge (default_cost = 1), which shows the CLI's zero was not an accident.
  Response v = Verify(client(), key);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(AsInt(v.object().at("credits").at("balance")), 9) << Describe(v);
}

}  // namespace
}  // namespace keyward_it
