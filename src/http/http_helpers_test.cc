// Pure helpers of the http layer: client IP resolution, strict JSON bodies, query strings.
#include <gtest/gtest.h>

#include <map>

#include "http/client_ip.h"
#include "http/json_body.h"
#include "http/query.h"

namespace keyward {
namespace {

class MapHeaders final : public HeaderSource {
 public:
  explicit MapHeaders(std::map<std::string, std::string> h) : h_(std::move(h)) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = h_.find(std::string(name));
    if (it == h_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> h_;
};

std::string Ip(const std::string& peer, std::map<std::string, std::string> headers,
               const std::vector<std::string>& trusted) {
  MapHeaders h(std::move(headers));
  HttpRequest req;
  req.headers = &h;
  req.peer = *ParseIp(peer);
  req.peer_text = peer;
  std::vector<Cidr> ranges;
  for (const auto& t : trusted) ranges.push_back(*Cidr::Parse(t));
  return ClientIp(req, ranges);
}

TEST(ClientIp, HeadersCountOnlyFromTrustedPeers) {
  const std::vector<std::string> lo = {"127.0.0.1/32"};
  EXPECT_EQ(Ip("127.0.0.1", {}, lo), "127.0.0.1");
  EXPECT_EQ(Ip("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"}}, lo), "203.0.113.7");
  EXPECT_EQ(Ip("10.1.1.1", {{"x-forwarded-for", "203.0.113.7"}}, lo), "10.1.1.1");
  EXPECT_EQ(Ip("127.0.0.1", {{"x-real-ip", "198.51.100.2"}}, lo), "198.51.100.2");
}

TEST(ClientIp, RightmostUntrustedHopWins) {
  const std::vector<std::string> trusted = {"127.0.0.1/32", "10.0.0.0/8"};
  // A client cannot choose its address by prepending one: the proxies' own hops are on the right.
  EXPECT_EQ(Ip("127.0.0.1", {{"x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.0.0.5"}}, trusted),
            "203.0.113.7");
  EXPECT_EQ(Ip("127.0.0.1", {{"x-forwarded-for", "10.0.0.9, 10.0.0.5"}}, trusted), "10.0.0.9");
  EXPECT_EQ(Ip("127.0.0.1", {{"x-forwarded-for", "garbage"}}, trusted), "127.0.0.1");
}

TEST(JsonBody, ReportsTheFieldAtFault) {
  EXPECT_EQ(JsonBody::Parse("{").error().param(), "");
  EXPECT_FALSE(JsonBody::Parse("[1]").ok());
  EXPECT_FALSE(JsonBody::Parse("", /*empty_ok=*/false).ok());
  EXPECT_TRUE(JsonBody::Parse("  ").ok());
  auto b = JsonBody::Parse(R"({"name":"x","n":3,"f":1.5,"big":18446744073709551615,"b":true,)"
                           R"("arr":["a",1],"nul":null})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->OnlyFields({"name"}).error().param(), "n");
  EXPECT_EQ(*b->String("name")->value, "x");
  EXPECT_EQ(b->String("n").error().param(), "n");
  EXPECT_EQ(*b->Int("n")->value, 3);
  EXPECT_EQ(b->Int("f").error().param(), "f");
  EXPECT_EQ(b->Int("big").error().param(), "big");
  EXPECT_EQ(b->Bool("name").error().param(), "name");
  EXPECT_EQ(b->StringArray("arr").error().param(), "arr");
  EXPECT_TRUE(b->Int("nul")->is_null());
  EXPECT_FALSE(b->Int("absent")->present);
  EXPECT_EQ(b->RequiredString("absent").error().param(), "absent");
  EXPECT_EQ(b->RequiredString("nul").error().param(), "nul");
}

TEST(JsonBody, StringsWithControlCharactersAreRefusedNamingTheField) {
  auto b = JsonBody::Parse(R"({"nul":"a\u0000b","nl":"a\nb","del":"a\u007fb","tab":"\t",)"
                           R"("arr":["ok","x\u001fy"],"fine":"caf\u00e9 \u2603","empty":""})");
  ASSERT_TRUE(b.ok());
  for (const char* name : {"nul", "nl", "del", "tab"}) {
    auto f = b->String(name);
    ASSERT_FALSE(f.ok()) << name;
    EXPECT_EQ(f.error().param(), name);
    EXPECT_EQ(f.error().code(), ErrorCode::kInvalidRequest);
    EXPECT_FALSE(b->RequiredString(name).ok()) << name;
  }
  EXPECT_EQ(b->StringArray("arr").error().param(), "arr");
  EXPECT_EQ(*b->String("fine")->value, "caf\u00e9 \u2603");
  EXPECT_EQ(*b->String("empty")->value, "");
}

// Found by fuzz_json_body: 1e400 parses as inf, whose conversion to int64 was undefined.
TEST(JsonBody, HugeAndFractionalNumbersAreNotIntegers) {
  auto b = JsonBody::Parse(R"({"inf":1e400,"ninf":-1e400,"big":1e19,"ok":2e3,"neg":-5.0})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->Int("inf").error().param(), "inf");
  EXPECT_EQ(b->Int("ninf").error().param(), "ninf");
  EXPECT_EQ(b->Int("big").error().param(), "big");
  EXPECT_EQ(*b->Int("ok")->value, 2000);
  EXPECT_EQ(*b->Int("neg")->value, -5);
}

TEST(Query, DecodesAndValidatesListOptions) {
  Query q("limit=5&starting_after=tok_abc&x=a%20b+c&flag");
  EXPECT_EQ(*q.Get("x"), "a b c");
  EXPECT_EQ(*q.Get("flag"), "");
  auto opts = ParseListOptions(q);
  ASSERT_TRUE(opts.ok());
  EXPECT_EQ(opts->limit, 5);
  EXPECT_EQ(opts->starting_after, "tok_abc");
  for (const char* bad : {"limit=0", "limit=101", "limit=abc", "limit=5x", "limit="}) {
    EXPECT_EQ(ParseListOptions(Query(bad)).error().param(), "limit") << bad;
  }
  EXPECT_EQ(*Query("a=%zz").Get("a"), "%zz");
}

}  // namespace
}  // namespace keyward
