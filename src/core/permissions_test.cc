#include "core/permissions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keyward {
namespace {

TEST(Permissions, Valid) {
  for (const char* p :
       {"*", "tokens:read", "tokens:write", "billing:read", "tokens:*", "a:b", "extractions:write",
        "my_res.v2-x:do_it.now-x", "0:9", "res:re*", "res:*read", "res:**", "a.b:c*d"}) {
    EXPECT_TRUE(IsValidPermission(p)) << p;
  }
  EXPECT_TRUE(IsValidPermission(std::string(kMaxPermissionLength - 2, 'a') + ":b"));
}

TEST(Permissions, Invalid) {
  for (const char* p : {"",
                        ":",
                        "tokens",
                        "tokens:",
                        ":read",
                        "Tokens:read",
                        "tokens:Read",
                        "tok ens:read",
                        "tokens: read",
                        "tokens:read ",
                        " tokens:read",
                        "tokens:read:x",
                        "tokens::read",
                        "*:read",
                        "*:*",
                        "**",
                        "* ",
                        "res*:read",
                        "tokens/read",
                        "tokens:re/ad",
                        "tokens:réad",
                        "tokens:read\n"}) {
    EXPECT_FALSE(IsValidPermission(p)) << p;
  }
  EXPECT_FALSE(IsValidPermission(std::string_view("a:b\0", 4)));
  EXPECT_FALSE(IsValidPermission(std::string(kMaxPermissionLength - 1, 'a') + ":b"));
}

struct GrantCase {
  const char* held;
  const char* needed;
  bool granted;
};

TEST(Permissions, GrantsTable) {
  const GrantCase cases[] = {
      {"tokens:read", "tokens:read", true},
      {"tokens:read", "tokens:write", false},
      {"tokens:write", "tokens:read", false},
      {"tokens:*", "tokens:read", true},
      {"tokens:*", "tokens:write", true},
      {"tokens:*", "tokens:*", true},
      {"tokens:*", "tokens:re*", true},
      {"tokens:*", "billing:read", false},
      {"tokens:*", "tokensx:read", false},
      {"token:*", "tokens:read", false},
      {"*", "tokens:read", true},
      {"*", "anything.at-all:x", true},
      {"*", "tokens:*", true},
      {"*", "*", true},
      {"tokens:read", "*", false},
      {"tokens:*", "*", false},
      {"tokens:read", "tokens:*", false},
      {"tokens:re*", "tokens:read", false},  // '*' inside an action is literal
      {"tokens:re*", "tokens:re*", true},
      {"tokens:re*", "tokens:*", false},
      {"tokens:**", "tokens:read", false},
      {"billing:read", "billing:read", true},
      {"a.b:c", "a:c", false},
      // Invalid on either side never grants.
      {"", "tokens:read", false},
      {"tokens", "tokens", false},
      {"Tokens:read", "Tokens:read", false},
      {"*", "", false},
      {"*", "bad", false},
      {"tokens:*", "tokens:", false},
  };
  for (const GrantCase& c : cases) {
    EXPECT_EQ(Grants(c.held, c.needed), c.granted) << c.held << " / " << c.needed;
  }
}

TEST(Permissions, AnyGrants) {
  const std::vector<std::string> none;
  const std::vector<std::string> some = {"tokens:read", "billing:*"};
  const std::vector<std::string> all = {"*"};
  EXPECT_TRUE(AnyGrants(none, ""));
  EXPECT_TRUE(AnyGrants(some, ""));
  EXPECT_FALSE(AnyGrants(none, "tokens:read"));
  EXPECT_TRUE(AnyGrants(some, "tokens:read"));
  EXPECT_FALSE(AnyGrants(some, "tokens:write"));
  EXPECT_TRUE(AnyGrants(some, "billing:read"));
  EXPECT_TRUE(AnyGrants(some, "billing:anything"));
  EXPECT_TRUE(AnyGrants(some, "billing:*"));
  EXPECT_FALSE(AnyGrants(some, "*"));
  EXPECT_TRUE(AnyGrants(all, "*"));
  EXPECT_TRUE(AnyGrants(all, "x:y"));
  EXPECT_FALSE(AnyGrants(all, "not valid"));
}

struct DelegateCase {
  std::vector<std::string> held;
  const char* wanted;
  bool allowed;
};

TEST(Permissions, CanDelegateTable) {
  const std::vector<DelegateCase> cases = {
      {{"tokens:write", "extractions:read"}, "extractions:read", true},
      {{"tokens:write", "extractions:read"}, "extractions:write", false},
      {{"tokens:write", "extractions:read"}, "extractions:*", false},
      {{"tokens:write", "extractions:read"}, "*", false},
      {{"tokens:write", "extractions:*"}, "extractions:write", true},
      {{"tokens:write", "extractions:*"}, "extractions:*", true},
      {{"tokens:write", "extractions:*"}, "extractions:re*", true},
      {{"tokens:write", "extractions:*"}, "billing:*", false},
      {{"tokens:write", "extractions:*"}, "*", false},
      {{"*"}, "*", true},
      {{"*"}, "anything:*", true},
      {{"*"}, "anything:goes", true},
      {{"tokens:write", "extractions:re*"}, "extractions:read", false},
      {{"tokens:write", "extractions:re*"}, "extractions:re*", true},
      {{"tokens:write"}, "tokens:write", true},
      {{"tokens:write"}, "tokens:read", false},
      {{}, "tokens:read", false},
      {{"*"}, "", false},
      {{"*"}, "Not:valid", false},
      {{"*"}, "tokens", false},
  };
  for (const DelegateCase& c : cases) {
    EXPECT_EQ(CanDelegate(c.held, c.wanted), c.allowed) << c.wanted;
  }
}

}  // namespace
}  // namespace keyward
