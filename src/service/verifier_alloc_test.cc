// The hot path's promise, checked: a valid verification of a key the index holds makes no heap
// allocation (STYLE 9, DESIGN "The hot path"). This file gives service_test its counting
// operator new (core/testing_alloc_counter.h: per thread, so background threads do not count).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/testing_alloc_counter.h"
#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::AllocationsOnThisThread;
using testing::TestServices;

TEST(VerifierAllocations, TheCounterCounts) {
  const uint64_t before = AllocationsOnThisThread();
  auto p = std::make_unique<std::vector<int>>(8);
  EXPECT_EQ(AllocationsOnThisThread() - before, 2u);
}

TEST(VerifierAllocations, ValidVerificationAllocatesNothing) {
  ServiceSettings settings;
  // A route with its own limit (two buckets) and a route that charges a credit.
  RouteRule limited;
  limited.method = "POST";
  limited.path = "/v1/extractions";
  limited.rate_limit = RateSpec{1000, 60};
  RouteRule charged_route;
  charged_route.method = "GET";
  charged_route.path = "/v1/charged";
  charged_route.cost = 1;
  settings.routes = RouteTable({limited, charged_route});
  TestServices t(settings);
  const std::string account = t.NewAccount(1'000'000);
  const IssuedToken key = t.NewKey(account);
  // Warm up: the first verification notes usage for this second and creates the buckets.
  ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/anything").valid());
  ASSERT_TRUE(t->verifier().Verify(key.key, "POST", "/v1/extractions").valid());
  ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/v1/charged").valid());

  for (int i = 0; i < 20; ++i) {
    const uint64_t before = AllocationsOnThisThread();
    Verdict per_key = t->verifier().Verify(key.key, "GET", "/anything");
    Verdict per_route = t->verifier().Verify(key.key, "POST", "/v1/extractions");
    Verdict charged = t->verifier().Verify(key.key, "GET", "/v1/charged");
    const uint64_t made = AllocationsOnThisThread() - before;
    ASSERT_TRUE(per_key.valid());
    ASSERT_TRUE(per_route.valid());
    ASSERT_TRUE(per_route.ratelimit.has_value());
    ASSERT_TRUE(charged.valid());
    ASSERT_EQ(charged.charged, 1);
    EXPECT_EQ(made, 0u) << "iteration " << i;
  }
}

}  // namespace
}  // namespace keyward
