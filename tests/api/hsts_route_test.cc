// Strict-Transport-Security on the dashboard (issue 16): sent when the request came over keyward's
// own TLS listener, never over plain HTTP.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

class HstsRoute : public RouteTest {
 protected:
  Answer Page(const std::string& target, bool tls) {
    Request r;
    r.target = target;
    r.tls = tls;
    return env_.Call(r);
  }
};

TEST_F(HstsRoute, DashboardPagesAndRedirectsUnderTlsSendIt) {
  for (const char* target : {"/dashboard/", "/agent-auth", "/dashboard", "/"}) {
    Answer a = Page(target, /*tls=*/true);
    EXPECT_LT(a.status(), 400) << target << ": " << Describe(a);
    EXPECT_EQ(HeaderOf(a, "Strict-Transport-Security"), "max-age=31536000") << target;
    EXPECT_EQ(HeaderCount(a, "Strict-Transport-Security"), 1u) << target;
  }
}

TEST_F(HstsRoute, PlainHttpNeverSendsIt) {
  for (const char* target : {"/dashboard/", "/agent-auth", "/dashboard", "/"}) {
    Answer a = Page(target, /*tls=*/false);
    EXPECT_EQ(HeaderCount(a, "Strict-Transport-Security"), 0u) << target;
  }
}

}  // namespace
}  // namespace keyward::api_test
