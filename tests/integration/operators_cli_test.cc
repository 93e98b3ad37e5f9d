// API.md 16: `keyward operators create --email E` against the store of a running server — the
// one-time set-up link it prints (server.public_url, or http:// + server.listen), and the running
// server honouring that link once.
#include <regex>
#include <set>
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + "; stdout: [" + r.out + "]; stderr: [" + r.err +
         "]";
}

// The link alone on stdout, without its line break.
std::string LinkOf(const CliResult& r) {
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class OperatorsCliTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() {
    StartShared({.config_toml = "[server]\npublic_url = \"https://keys.example.com/\"\n"});
  }
  static void TearDownTestSuite() { StopShared(); }

  CliResult Cli(std::vector<std::string> args) {
    for (auto& a : server().StoreArgs()) args.push_back(a);
    return server().RunCli(args);
  }
};

TEST_F(OperatorsCliTest, CreatePrintsAOneTimeLinkThatTheRunningServerHonoursOnce) {
  CliResult r = Cli({"operators", "create", "--email", "Ops-" + UniqueEmail()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  const std::string link = LinkOf(r);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      link, m, std::regex(R"(https://keys\.example\.com/dashboard/setup#token=([0-9A-Za-z]{43}))")))
      << Describe(r);
  EXPECT_NE(r.err.find("valid for 24 hours"), std::string::npos) << r.err;
  const std::string token = m[1];

  Response set = client().Post(
      "/v1/operators/setup", boost::json::object{{"token", token}, {"password", "operator-pass"}});
  ASSERT_EQ(set.status, 200) << keyward_it::Describe(set);
  EXPECT_EQ(AsString(set.object().at("kind")), "operator");
  const std::string cookie = set.header("Set-Cookie").value_or("");
  ASSERT_EQ(cookie.rfind("keyward_session=", 0), 0u) << cookie;
  const std::string session = cookie.substr(0, cookie.find(';'));

  Response list = client().Get("/v1/console/accounts", {{"Cookie", session}});
  EXPECT_EQ(list.status, 200) << keyward_it::Describe(list);

  Response again = client().Post(
      "/v1/operators/setup", boost::json::object{{"token", token}, {"password", "other-pass-1"}});
  EXPECT_EQ(again.status, 401) << keyward_it::Describe(again);
}

// API.md 13, 16: what an operator does on an account through a console session — set up from the
// CLI's link, then signed in — is recorded with actor {"type":"operator","id":"op_…"}.
TEST_F(OperatorsCliTest, AnOperatorsSessionActingOnAnAccountIsTheEventsActor) {
  const std::string email = "actor-" + UniqueEmail();
  CliResult r = Cli({"operators", "create", "--email", email});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::smatch id_match;
  ASSERT_TRUE(std::regex_search(r.err, id_match, std::regex(R"(\((op_[0-9A-Za-z]{24})\))")))
      << r.err;
  const std::string op_id = id_match[1];
  const std::string link = LinkOf(r);
  const std::string token = link.substr(link.find("#token=") + 7);
  ASSERT_EQ(client()
                .Post("/v1/operators/setup",
                      boost::json::object{{"token", token}, {"password", "operator-pass"}})
                .status,
            200);

  // A fresh sign-in at the dashboard, as the console does it.
  Response in = client().Post("/v1/session",
                              boost::json::object{{"email", email}, {"password", "operator-pass"}});
  ASSERT_EQ(in.status, 200) << keyward_it::Describe(in);
  EXPECT_EQ(AsString(in.object().at("operator")), op_id);
  const std::string cookie = in.header("Set-Cookie").value_or("");
  const std::string session = cookie.substr(0, cookie.find(';'));
  const std::string csrf = AsString(in.object().at("csrf_token"));

  const std::string account =
      CreateAccount(client(), admin(), boost::json::object{{"credits", 10}});
  const Headers as_operator = {
      {"Cookie", session}, {"X-CSRF-Token", csrf}, {"Keyward-Account", account}};
  Response created =
      client().Post("/v1/tokens", boost::json::object{{"name", "by operator"}}, as_operator);
  ASSERT_EQ(created.status, 200) << keyward_it::Describe(created);
  const std::string token_id = AsString(created.object().at("id"));
  const std::pair<std::string, boost::json::object> writes[] = {
      {"/v1/tokens/" + token_id, {{"name", "renamed by operator"}}},
      {"/v1/tokens/" + token_id + "/disable", {}},
      {"/v1/tokens/" + token_id + "/revoke", {}},
      {"/v1/accounts/" + account + "/credits", {{"amount", 5}}},
      {"/v1/accounts/" + account, {{"name", "renamed account"}}},
      {"/v1/accounts/" + account + "/disable", {}},
  };
  for (const auto& [path, body] : writes) {
    Response w = client().Post(path, body, as_operator);
    ASSERT_EQ(w.status, 200) << path << ": " << keyward_it::Describe(w);
  }

  Response events = client().Get("/v1/events?limit=100&account=" + account, Admin(admin()));
  ASSERT_EQ(events.status, 200) << keyward_it::Describe(events);
  std::set<std::string> types;
  const boost::json::object page = events.object();  // held: the loop reads into it
  for (const auto& e : page.at("data").as_array()) {
    const std::string type = AsString(e.at("type"));
    if (type == "account.created") continue;  // made with the admin key above
    types.insert(type);
    const auto& actor = e.at("actor").as_object();
    EXPECT_EQ(AsString(actor.at("type")), "operator") << type << ": " << boost::json::serialize(e);
    EXPECT_EQ(boost::json::serialize(actor.at("id")), "\"" + op_id + "\"") << type;
  }
  EXPECT_EQ(types, (std::set<std::string>{"token.created", "token.updated", "token.disabled",
                                          "token.revoked", "credits.topped_up", "account.updated",
                                          "account.disabled"}));
}

TEST_F(OperatorsCliTest, CreateRefusesAnInvalidEmailAndPrintsNoLink) {
  CliResult r = Cli({"operators", "create", "--email", "not an email"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("email"), std::string::npos) << r.err;
}

TEST(OperatorsCliStandaloneTest, TheLinkDefaultsToTheListenAddress) {
  KeywardProcess p({.config_toml = "[server]\nlisten = \"127.0.0.1:18080\"\n",
                    .create_admin_key = false,
                    .start = false});
  std::vector<std::string> args = {"operators", "create", "--email", "ops@example.com"};
  for (auto& a : p.StoreArgs()) args.push_back(a);
  CliResult r = p.RunCli(args);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(std::regex_match(
      LinkOf(r), std::regex(R"(http://127\.0\.0\.1:18080/dashboard/setup#token=[0-9A-Za-z]{43})")))
      << Describe(r);
}

}  // namespace
}  // namespace keyward_it
