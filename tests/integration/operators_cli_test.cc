// API.md 16: `keyward operators create --email E` against the store of a running server — the
// one-time set-up link it prints (server.public_url, or http:// + server.listen), and the running
// server honouring that link once.
#include <regex>
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
