#include "core/status.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward {
namespace {

TEST(Status, IsOnePointerAndOkIsNull) {
  EXPECT_EQ(sizeof(Status), sizeof(void*));
  EXPECT_EQ(sizeof(Error), sizeof(void*));
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_TRUE(Status().ok());
}

TEST(Status, ErrorKeepsPublicAndInternalTextApart) {
  const Error e = Error::Unavailable("sqlite: insert: database or disk is full");
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(e.message(), Describe(ErrorCode::kUnavailable).message);
  EXPECT_EQ(e.internal(), "sqlite: insert: database or disk is full");
  EXPECT_EQ(e.message().find("disk"), std::string::npos);
  EXPECT_EQ(e.ForLog(), std::string(Describe(ErrorCode::kUnavailable).message) +
                            " (sqlite: insert: database or disk is full)");

  const Error own = Error::Internal("pg: 42P01", "The store failed.");
  EXPECT_EQ(own.code(), ErrorCode::kInternalError);
  EXPECT_EQ(own.message(), "The store failed.");
  EXPECT_EQ(own.internal(), "pg: 42P01");

  const Error plain = InvalidRequest("name is required", "name");
  EXPECT_TRUE(plain.internal().empty());
  EXPECT_EQ(plain.ForLog(), "name is required");
  const Error tagged = Error(ErrorCode::kNotFound).WithInternal("row 7");
  EXPECT_EQ(tagged.internal(), "row 7");
}

TEST(Status, CopiesAreDeepAndMovesKeepTheError) {
  Error a(ErrorCode::kForbidden, "no", "field");
  Error b = a;
  b.WithInternal("why");
  EXPECT_TRUE(a.internal().empty());
  EXPECT_EQ(b.message(), "no");
  EXPECT_EQ(b.param(), "field");
  Status s = b;
  Status t = s;  // copy
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error().internal(), "why");
  Status u = std::move(s);
  EXPECT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), ErrorCode::kForbidden);
  t = Status::Ok();
  EXPECT_TRUE(t.ok());
}

TEST(Result, HoldsAValueOrAnError) {
  Result<std::string> v = std::string("x");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "x");
  Result<std::string> e = Error::Unavailable("down");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().internal(), "down");
}

}  // namespace
}  // namespace keyward
