// API.md 2.2: "The full key ... is never logged." Exercise every way a key is born and used, then
// search the server's log (stdout + stderr, with the access log on) for each plaintext key, while
// running and after SIGTERM.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kLogsConfig = R"toml(
[log]
access = true
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
)toml";

std::vector<std::string> LeakedKeys(const std::string& log, const std::vector<std::string>& keys) {
  std::vector<std::string> leaked;
  for (const auto& k : keys) {
    if (log.find(k) != std::string::npos) leaked.push_back(k.substr(0, 12) + "...");
  }
  return leaked;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

TEST(LogsTest, ServerLogNeverContainsAPlaintextKey) {
  KeywardProcess p({.config_toml = kLogsConfig});
  HttpClient c = p.Client();
  std::vector<std::string> keys = {p.admin_key()};
  std::string account = CreateAccount(c, p.admin_key(), {{"credits", 1000}});
  Headers h = AdminFor(p.admin_key(), account);

  CreatedKey sk = CreateKey(c, h, {{"name", "secret"}});
  CreatedKey pk = CreateKey(c, h, {{"type", "publishable"}});
  CreatedKey rk = CreateKey(c, h, {{"type", "restricted"}, {"permissions", boost::json::array{"tokens:write", "tokens:read", "a:b"}}});
  CreatedKey tk = CreateKey(c, h, {{"livemode", false}});
  CreatedKey by_sk = CreateKey(c, ApiKey(sk.key));
  CreatedKey by_rk = CreateKey(c, Bearer(rk.key), {{"type", "restricted"}, {"permissions", boost::json::array{"a:b"}}});
  CreatedKey roll_src = CreateKey(c, h);
  CreatedKey rolled0 = RollKey(c, h, roll_src.id, 0);
  CreatedKey grace_src = CreateKey(c, h);
  CreatedKey rolled_grace = RollKey(c, ApiKey(sk.key), grace_src.id, 3600);
  CreatedKey revoked = CreateKey(c, h);
  RevokeKey(c, h, revoked.id);
  for (const auto* k : {&sk, &pk, &rk, &tk, &by_sk, &by_rk, &roll_src, &rolled0, &grace_src, &rolled_grace, &revoked})
    keys.push_back(k->key);

  // Keys made by the CLI while the server runs.
  {
    std::vector<std::string> args = {"tokens", "create", "--account", account, "--name", "cli"};
    for (auto& a : p.StoreArgs()) args.push_back(a);
    CliResult r = p.RunCli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto v = boost::json::parse(r.out);
    keys.push_back(AsString(v.at("key")));
    std::vector<std::string> ak = {"admin-key", "create"};
    for (auto& a : p.StoreArgs()) ak.push_back(a);
    CliResult a = p.RunCli(ak);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    std::string second_admin = a.out.substr(0, a.out.find('\n'));
    keys.push_back(second_admin);
    EXPECT_TRUE(IsOk(c.Get("/v1/accounts", Admin(second_admin))));
  }

  // Use every key, validly and invalidly, in every place a key travels.
  for (size_t i = 1; i < keys.size(); ++i) {
    const std::string& k = keys[i];
    Auth(c, k);
    Auth(c, k, "POST", "/v1/extractions");
    c.Get("/v1/auth", Bearer(k));
    c.Get("/v1/auth", Join(ApiKey(k), Bearer(keys[0])));  // two different credentials
    Verify(c, k, "POST", "/v1/extractions");
    c.Get("/v1/tokens", ApiKey(k));
    c.Get("/v1/accounts", ApiKey(k));
    Auth(c, FlipChar(k, 10));                                   // bad checksum
    Verify(c, FlipChar(k, 10));
    c.Post("/v1/keys/verify", {{"key", k}, {"bogus", true}});  // refused body with a key in it
    c.PostRaw("/v1/keys/verify", "{\"key\":\"" + k + "\"");    // malformed JSON with a key in it
    c.Get("/v1/no-such-path", ApiKey(k));
  }
  c.Get("/v1/accounts", Admin(keys[0]));
  c.Get("/v1/accounts", Admin(FlipChar(keys[0], 8)));
  std::string unknown = MakeWellFormedKey("sk_live_");
  keys.push_back(unknown);
  Auth(c, unknown);
  Verify(c, unknown);

  std::string running_log = p.ReadLog();
  EXPECT_TRUE(LeakedKeys(running_log, keys).empty())
      << "plaintext keys in the log while running: " << JoinList(LeakedKeys(running_log, keys));

  EXPECT_EQ(p.Stop(), 0);
  std::string final_log = p.ReadLog();
  EXPECT_TRUE(LeakedKeys(final_log, keys).empty())
      << "plaintext keys in the log after SIGTERM: " << JoinList(LeakedKeys(final_log, keys));
  // Also no checksum-flipped variant (a key one typo away is still a secret).
  std::vector<std::string> flipped;
  for (const auto& k : keys) flipped.push_back(FlipChar(k, 10));
  EXPECT_TRUE(LeakedKeys(final_log, flipped).empty())
      << "near-copies of keys in the log: " << JoinList(LeakedKeys(final_log, flipped));
  RecordProperty("log_bytes", static_cast<int>(final_log.size()));
}

}  // namespace
}  // namespace keyward_it
