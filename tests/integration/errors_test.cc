// API.md 1, 1.2: the error body, request ids, validation, 404/405/413/431, no partial writes.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

class ErrorsTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared(); }
  static void TearDownTestSuite() { StopShared(); }

  // A fresh account and the admin headers acting for it.
  Headers NewAccount() { return AdminFor(admin(), CreateAccount(client(), admin())); }

  // Number of tokens of the account behind `auth` (all pages).
  int CountTokens(const Headers& auth) {
    int n = 0;
    std::string after;
    for (;;) {
      std::string target =
          "/v1/tokens?limit=100" + (after.empty() ? "" : "&starting_after=" + after);
      Response r = client().Get(target, auth);
      if (r.status != 200) throw std::runtime_error("list tokens: " + Describe(r));
      auto o = r.object();
      const auto& data = o.at("data").as_array();
      n += static_cast<int>(data.size());
      if (!o.at("has_more").as_bool() || data.empty()) return n;
      after = AsString(data.back().at("id"));
    }
  }

  std::string NewestAccountId() {
    Response r = client().Get("/v1/accounts?limit=1", Admin(admin()));
    if (r.status != 200) throw std::runtime_error("list accounts: " + Describe(r));
    auto page = r.object();
    const auto& data = page.at("data").as_array();
    return data.empty() ? "" : AsString(data.at(0).at("id"));
  }
};

TEST_F(ErrorsTest, ErrorBodyHasExactShapeAndRequestIdEqualsHeader) {
  Response r = client().Get("/v1/tokens");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  auto e = r.object().at("error").as_object();
  EXPECT_FALSE(e.contains("param")) << "no request field is at fault: " << Describe(r);
}

TEST_F(ErrorsTest, EveryResponseHasAWellFormedAndDistinctRequestId) {
  std::set<std::string> seen;
  auto check = [&](const Response& r) {
    auto id = r.header("X-Request-Id");
    ASSERT_TRUE(id.has_value()) << Describe(r);
    EXPECT_TRUE(Matches(*id, "req_[0-9A-Za-z]{24}")) << *id;
    EXPECT_TRUE(seen.insert(*id).second) << "request id repeated: " << *id;
  };
  check(client().Get("/healthz"));
  check(client().Get("/readyz"));
  std::string account = CreateAccount(client(), admin());
  check(client().Get("/v1/accounts/" + account, Admin(admin())));
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  check(Auth(client(), k.key));
  check(Verify(client(), k.key));
  check(client().Get("/v1/tokens", ApiKey(k.key)));
  check(client().Get("/v1/no-such-path", ApiKey(k.key)));
  check(client().Get("/v1/tokens"));
}

TEST_F(ErrorsTest, MalformedJsonIs400) {
  Headers auth = NewAccount();
  EXPECT_TRUE(
      IsError(client().PostRaw("/v1/tokens", "{\"name\": \"x\"", auth), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(
      IsError(client().PostRaw("/v1/tokens", "not json at all", auth), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(client().PostRaw("/v1/tokens", "[1,2,3]", auth), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(
      IsError(client().PostRaw("/v1/accounts", "{email:", Admin(admin())), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(
      IsError(client().PostRaw("/v1/keys/verify", "{\"key\":", {}), 400, "INVALID_REQUEST"));
}

TEST_F(ErrorsTest, UnknownFieldIs400NamingIt) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"bogus", 1}}, auth), 400,
                      "INVALID_REQUEST", "bogus"));
  EXPECT_TRUE(IsError(
      client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"colour", "red"}}, Admin(admin())),
      400, "INVALID_REQUEST", "colour"));
}

TEST_F(ErrorsTest, WrongTypeIs400NamingTheField) {
  Headers auth = NewAccount();
  EXPECT_TRUE(
      IsError(client().Post("/v1/tokens", {{"name", 5}}, auth), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"type", 1}}, auth), 400,
                      "INVALID_REQUEST", "type"));
  EXPECT_TRUE(IsError(
      client().Post("/v1/tokens",
                    {{"name", "x"}, {"type", "restricted"}, {"permissions", "tokens:read"}}, auth),
      400, "INVALID_REQUEST", "permissions"));
  EXPECT_TRUE(
      IsError(client().Post("/v1/tokens", {{"name", "x"}, {"expires_at", "tomorrow"}}, auth), 400,
              "INVALID_REQUEST", "expires_at"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"livemode", "yes"}}, auth), 400,
                      "INVALID_REQUEST", "livemode"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"credits", "lots"}},
                                    Admin(admin())),
                      400, "INVALID_REQUEST", "credits"));
}

TEST_F(ErrorsTest, UnknownTypeIs400) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"type", "superuser"}}, auth),
                      400, "INVALID_REQUEST", "type"));
}

TEST_F(ErrorsTest, MissingNameIs400) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", boost::json::object{}, auth), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"type", "secret"}}, auth), 400,
                      "INVALID_REQUEST", "name"));
}

TEST_F(ErrorsTest, NameMustBe1To100Characters) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", std::string(101, 'n')}}, auth), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_TRUE(
      IsError(client().Post("/v1/tokens", {{"name", ""}}, auth), 400, "INVALID_REQUEST", "name"));
  Response ok = client().Post("/v1/tokens", {{"name", std::string(100, 'n')}}, auth);
  ASSERT_TRUE(IsOk(ok));
  EXPECT_EQ(AsString(ok.object().at("name")), std::string(100, 'n'));
}

// The same answer on every store: PostgreSQL cannot hold a NUL, so no store is given one.
TEST_F(ErrorsTest, ControlCharactersInStringFieldsAre400AndWriteNothing) {
  Headers auth = NewAccount();
  const std::string before = NewestAccountId();
  for (const char* body :
       {R"({"name":"a\u0000b"})", R"({"name":"line\nbreak"})",
        R"({"name":"x","permissions":["files:read\u007f"],"type":"restricted"})"}) {
    Response r = client().PostRaw("/v1/tokens", body, auth);
    EXPECT_TRUE(IsError(r, 400, "INVALID_REQUEST")) << body << ": " << Describe(r);
  }
  EXPECT_EQ(CountTokens(auth), 0);
  Response acc =
      client().PostRaw("/v1/accounts", R"({"email":"nul\u0000@example.com"})", Admin(admin()));
  EXPECT_TRUE(IsError(acc, 400, "INVALID_REQUEST", "email")) << Describe(acc);
  Response named = client().PostRaw(
      "/v1/accounts", R"({"email":"ok@example.com","name":"tab\there"})", Admin(admin()));
  EXPECT_TRUE(IsError(named, 400, "INVALID_REQUEST", "name")) << Describe(named);
  EXPECT_EQ(NewestAccountId(), before);
  // Printable Unicode is fine.
  Response ok = client().PostRaw("/v1/tokens", R"({"name":"caf\u00e9 \u2603"})", auth);
  ASSERT_TRUE(IsOk(ok)) << Describe(ok);
  EXPECT_EQ(AsString(ok.object().at("name")), "caf\u00e9 \u2603");
}

TEST_F(ErrorsTest, ListLimitOutOfRangeIs400) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Get("/v1/tokens?limit=0", auth), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens?limit=101", auth), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens?limit=-1", auth), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens?limit=ten", auth), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts?limit=0", Admin(admin())), 400, "INVALID_REQUEST",
                      "limit"));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts?limit=101", Admin(admin())), 400,
                      "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsOk(client().Get("/v1/tokens?limit=1", auth)));
  EXPECT_TRUE(IsOk(client().Get("/v1/tokens?limit=100", auth)));
}

TEST_F(ErrorsTest, UnknownPathIs404) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  EXPECT_TRUE(IsError(client().Get("/v1/no-such-thing", ApiKey(k.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Get("/nope", ApiKey(k.key)), 404, "NOT_FOUND"));
  // Protected API paths with no proxy upstream: 404 (API.md 5).
  EXPECT_TRUE(IsError(client().Post("/v1/extractions", boost::json::object{}, ApiKey(k.key)), 404,
                      "NOT_FOUND"));
}

TEST_F(ErrorsTest, UnknownObjectIdIs404) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/tok_" + RandomBase62(24), auth), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts/acct_" + RandomBase62(24), Admin(admin())), 404,
                      "NOT_FOUND"));
}

TEST_F(ErrorsTest, KnownPathWithWrongMethodIs405) {
  Headers auth = NewAccount();
  EXPECT_TRUE(IsError(client().Delete("/v1/tokens", auth), 405, "METHOD_NOT_ALLOWED"));
  EXPECT_TRUE(IsError(client().Request("PUT", "/v1/accounts", Admin(admin()), "{}"), 405,
                      "METHOD_NOT_ALLOWED"));
  EXPECT_TRUE(IsError(client().Get("/v1/keys/verify"), 405, "METHOD_NOT_ALLOWED"));
  EXPECT_TRUE(IsError(client().Post("/healthz", boost::json::object{}), 405, "METHOD_NOT_ALLOWED"));
}

TEST_F(ErrorsTest, BodyOverOneMebibyteIs413) {
  Headers auth = NewAccount();
  // A syntactically valid JSON body of 1 MiB + 1 bytes.
  const size_t kLimit = 1024 * 1024;
  std::string prefix = "{\"name\":\"big\",\"pad\":\"";
  std::string suffix = "\"}";
  std::string body = prefix + std::string(kLimit + 1 - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(body.size(), kLimit + 1);

  HttpClient raw(server().port());
  std::string req =
      "POST /v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "x-api-key: " +
      auth[0].second + "\r\nKeyward-Account: " + auth[1].second +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  raw.SendRaw(req);  // the server may answer and close before reading it all
  auto r = raw.TryReadResponse();
  ASSERT_TRUE(r.has_value()) << "no response (connection closed) to a body over 1 MiB";
  EXPECT_TRUE(IsError(*r, 413, "PAYLOAD_TOO_LARGE"));
  EXPECT_EQ(CountTokens(auth), 0);
}

TEST_F(ErrorsTest, BodyOfExactlyOneMebibyteIsNotRefusedForSize) {
  Headers auth = NewAccount();
  const size_t kLimit = 1024 * 1024;
  std::string prefix = "{\"name\":\"big\",\"pad\":\"";
  std::string suffix = "\"}";
  std::string body = prefix + std::string(kLimit - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(body.size(), kLimit);
  // Within the size limit; refused for the unknown field instead.
  EXPECT_TRUE(IsError(client().PostRaw("/v1/tokens", body, auth), 400, "INVALID_REQUEST", "pad"));
}

TEST_F(ErrorsTest, HeadersOverTheLimitAre431) {
  HttpClient raw(server().port());
  std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 100; ++i)
    req += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
  req += "\r\n";
  raw.SendRaw(req);
  auto r = raw.TryReadResponse();
  ASSERT_TRUE(r.has_value()) << "the connection was closed without a 431 response";
  EXPECT_TRUE(IsError(*r, 431, "HEADERS_TOO_LARGE"));
  // The server is still healthy.
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(ErrorsTest, OneHugeHeaderIs431) {
  HttpClient raw(server().port());
  std::string req =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(100 * 1024, 'p') +
      "\r\n\r\n";
  raw.SendRaw(req);
  auto r = raw.TryReadResponse();
  ASSERT_TRUE(r.has_value()) << "the connection was closed without a 431 response";
  EXPECT_TRUE(IsError(*r, 431, "HEADERS_TOO_LARGE"));
}

TEST_F(ErrorsTest, RefusedCreatesWriteNothing) {
  Headers auth = NewAccount();
  CreateKey(client(), auth, {{"name", "the only one"}});
  ASSERT_EQ(CountTokens(auth), 1);
  std::string before = NewestAccountId();

  EXPECT_EQ(client().Post("/v1/tokens", {{"name", std::string(101, 'x')}}, auth).status, 400);
  EXPECT_EQ(client().Post("/v1/tokens", {{"name", "x"}, {"bogus", true}}, auth).status, 400);
  EXPECT_EQ(client().Post("/v1/tokens", {{"name", "x"}, {"type", "restricted"}}, auth).status, 400);
  EXPECT_EQ(
      client()
          .Post("/v1/tokens",
                {{"name", "x"}, {"type", "secret"}, {"permissions", boost::json::array{"a:b"}}},
                auth)
          .status,
      400);
  EXPECT_EQ(client()
                .Post("/v1/tokens",
                      {{"name", "x"},
                       {"type", "restricted"},
                       {"permissions", boost::json::array{"a:b", "BAD"}}},
                      auth)
                .status,
            400);
  EXPECT_EQ(client().Post("/v1/tokens", {{"name", "x"}, {"expires_at", Now() - 60}}, auth).status,
            400);
  EXPECT_EQ(client().PostRaw("/v1/tokens", "{\"name\":\"x\",", auth).status, 400);
  EXPECT_EQ(client().Post("/v1/tokens", {{"name", "x"}}).status, 401);
  EXPECT_EQ(CountTokens(auth), 1);

  EXPECT_EQ(client()
                .Post("/v1/accounts", {{"email", UniqueEmail()}, {"unknown", 1}}, Admin(admin()))
                .status,
            400);
  EXPECT_EQ(client()
                .Post("/v1/accounts", {{"email", UniqueEmail()}, {"credits", "x"}}, Admin(admin()))
                .status,
            400);
  EXPECT_EQ(client().Post("/v1/accounts", {{"email", UniqueEmail()}}).status, 401);
  EXPECT_EQ(NewestAccountId(), before);
}

TEST_F(ErrorsTest, ErrorMessagesNeverContainTheKey) {
  Headers auth = NewAccount();
  CreatedKey k = CreateKey(client(), auth);
  RevokeKey(client(), auth, k.id);
  std::string flipped = FlipChar(k.key, 10);
  for (const std::string& key : {k.key, flipped}) {
    Response a = Auth(client(), key);
    EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
    EXPECT_EQ(a.body.find(key), std::string::npos) << Describe(a);
    Response v = Verify(client(), key);
    EXPECT_EQ(v.body.find(key), std::string::npos) << Describe(v);
  }
  // A key inside a body that is refused for another reason is not echoed either.
  Response bad = client().Post("/v1/keys/verify", {{"key", k.key}, {"bogus", 1}});
  EXPECT_EQ(bad.status, 400) << Describe(bad);
  EXPECT_EQ(bad.body.find(k.key), std::string::npos) << Describe(bad);
  Response truncated = client().PostRaw("/v1/keys/verify", "{\"key\":\"" + k.key + "\"");
  EXPECT_EQ(truncated.status, 400) << Describe(truncated);
  EXPECT_EQ(truncated.body.find(k.key), std::string::npos) << Describe(truncated);
}

}  // namespace
}  // namespace keyward_it

namespace keyward_it {
namespace {

// API.md 16.1: a store that cannot take a write (here: locked past its busy timeout by another
// process) answers 503 UNAVAILABLE with Retry-After and a sentence of keyward's own; SQLite's
// words ("database is locked") reach the log only. Once the lock is gone, writes succeed again.
TEST(StoreUnavailable, ALockedStoreAnswers503WithOurSentenceAndTheEngineTextOnlyInTheLog) {
  KeywardProcess p;
  HttpClient c = p.Client();
  const Headers auth = AdminFor(p.admin_key(), CreateAccount(c, p.admin_key()));

  // Another process holds the write lock (BEGIN IMMEDIATE) until we end its input.
  const std::string cmd = "sqlite3 '" + p.data_dir() + "/keyward.db' > /dev/null 2>&1";
  FILE* holder = ::popen(cmd.c_str(), "w");
  ASSERT_NE(holder, nullptr);
  std::fputs("BEGIN IMMEDIATE;\nSELECT 1;\n", holder);
  std::fflush(holder);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // lets sqlite3 take the lock

  Response r = c.Post("/v1/tokens", boost::json::object{{"name", "while locked"}}, auth);
  std::fputs("ROLLBACK;\n", holder);
  ::pclose(holder);

  EXPECT_TRUE(IsError(r, 503, "UNAVAILABLE")) << Describe(r);
  EXPECT_TRUE(r.has_header("Retry-After")) << Describe(r);
  EXPECT_EQ(r.body.find("locked"), std::string::npos) << Describe(r);
  EXPECT_EQ(r.body.find("sqlite"), std::string::npos) << Describe(r);
  EXPECT_NE(r.body.find("The store is busy; try again shortly."), std::string::npos) << Describe(r);
  const std::string log = p.ReadLog();
  EXPECT_NE(log.find("database is locked"), std::string::npos) << p.LogTail();
  EXPECT_NE(log.find(AsString(r.object().at("error").at("request_id"))), std::string::npos)
      << p.LogTail();

  Response again = c.Post("/v1/tokens", boost::json::object{{"name", "after"}}, auth);
  EXPECT_TRUE(IsOk(again)) << Describe(again);
}

}  // namespace
}  // namespace keyward_it
