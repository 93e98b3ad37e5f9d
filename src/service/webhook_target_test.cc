#include "service/webhook_target.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(WebhookTargetTest, ParsesHttpsUrls) {
  WebhookSettings s;
  auto t = ParseWebhookUrl("https://Hooks.Example.com:8443/a/b?c=d", s);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->https);
  EXPECT_EQ(t->host, "hooks.example.com");
  EXPECT_EQ(t->port, 8443);
  EXPECT_EQ(t->target, "/a/b?c=d");
  t = ParseWebhookUrl("https://[2001:db8::1]", s);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->target, "/");
}

TEST(WebhookTargetTest, RefusesWhatIsNotAllowedByForm) {
  WebhookSettings s;
  for (const char* url : {"http://example.com/", "ftp://example.com/", "https://u@example.com/",
                          "https://example.com/#f", "https://exa mple.com/", "https://:443/",
                          "https://example.com:0/", "https://example.com:99999/", "https://[::1/",
                          "example.com", ""}) {
    auto t = ParseWebhookUrl(url, s);
    ASSERT_FALSE(t.ok()) << url;
    EXPECT_EQ(t.error().param(), "url") << url;
  }
  s.allow_http = {"127.0.0.1"};
  EXPECT_TRUE(ParseWebhookUrl("http://127.0.0.1:9000/hook", s).ok());
  EXPECT_FALSE(ParseWebhookUrl("http://localhost:9000/hook", s).ok());
}

TEST(WebhookTargetTest, ResolvesAndChecksEveryAddress) {
  WebhookSettings s;
  WebhookTarget loopback{true, "127.0.0.1", 443, "/"};
  EXPECT_FALSE(ResolveWebhookTarget(loopback, s).ok());
  WebhookTarget named{true, "localhost", 443, "/"};
  EXPECT_FALSE(ResolveWebhookTarget(named, s).ok()) << "a name is checked after resolution";
  s.allow_private = {*Cidr::Parse("127.0.0.1/32"), *Cidr::Parse("::1/128")};
  auto ok = ResolveWebhookTarget(loopback, s);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(IpText((*ok)[0]), "127.0.0.1");
  WebhookTarget public_ip{true, "93.184.216.34", 443, "/"};
  EXPECT_TRUE(ResolveWebhookTarget(public_ip, WebhookSettings{}).ok());
}

}  // namespace
}  // namespace keyward
