// The RESP codec: commands encode byte for byte, replies parse whole or report incomplete at every
// cut, bad bytes are refused, and the integer fast path allocates nothing.
#include "limits/redis_resp.h"

#include <gtest/gtest.h>

#include "core/testing_alloc_counter.h"

namespace keyward {
namespace {

TEST(RedisRespTest, EncodesArgumentsAsBulkStrings) {
  std::string out;
  RedisArg args[] = {"EVALSHA", RedisArg("kw:rl:", "tok_1"), RedisArg::Number(-42),
                     RedisArg::Number(0), ""};
  AppendRedisCommand(out, args);
  EXPECT_EQ(out, "*5\r\n$7\r\nEVALSHA\r\n$11\r\nkw:rl:tok_1\r\n$3\r\n-42\r\n$1\r\n0\r\n$0\r\n\r\n");
}

TEST(RedisRespTest, ParsesEveryKindOfReply) {
  const std::string in =
      "*6\r\n+OK\r\n:-7\r\n$5\r\nhe\r\nl\r\n$-1\r\n*2\r\n:1\r\n$0\r\n\r\n*-1\r\n";
  RedisReply r;
  bool error = true;
  size_t used = 0;
  ASSERT_EQ(ParseRedisReply(in, &r, &error, &used), RespParse::kDone);
  EXPECT_FALSE(error);
  EXPECT_EQ(used, in.size());
  ASSERT_EQ(r.type, RedisReply::Type::kArray);
  ASSERT_EQ(r.elements.size(), 6u);
  EXPECT_EQ(r.elements[0].type, RedisReply::Type::kStatus);
  EXPECT_EQ(r.elements[0].str, "OK");
  EXPECT_EQ(r.elements[1].integer, -7);
  EXPECT_EQ(r.elements[2].str, "he\r\nl");  // bulk strings may hold CRLF
  EXPECT_EQ(r.elements[3].type, RedisReply::Type::kNil);
  ASSERT_EQ(r.elements[4].elements.size(), 2u);
  EXPECT_EQ(r.elements[4].elements[1].str, "");
  EXPECT_EQ(r.elements[5].type, RedisReply::Type::kNil);
}

TEST(RedisRespTest, EveryPrefixOfAReplyIsIncomplete) {
  const std::string in = "*3\r\n:1\r\n$3\r\nabc\r\n-ERR x\r\n";
  for (size_t cut = 0; cut < in.size(); ++cut) {
    RedisReply r;
    bool error = false;
    size_t used = 0;
    EXPECT_EQ(ParseRedisReply(std::string_view(in).substr(0, cut), &r, &error, &used),
              RespParse::kIncomplete)
        << cut;
    int64_t ints[4];
    size_t count = 0;
    std::string text;
    EXPECT_EQ(ParseRedisIntegers(std::string_view("*2\r\n:10\r\n:-3\r\n").substr(0, cut % 14), ints,
                                 &count, &text, &error, &used),
              RespParse::kIncomplete)
        << cut;
  }
}

TEST(RedisRespTest, ErrorRepliesCarryTheirText) {
  RedisReply r;
  bool error = false;
  size_t used = 0;
  ASSERT_EQ(ParseRedisReply("-NOSCRIPT No matching script\r\n", &r, &error, &used),
            RespParse::kDone);
  EXPECT_TRUE(error);
  EXPECT_EQ(r.str, "NOSCRIPT No matching script");
  int64_t ints[2];
  size_t count = 9;
  std::string text;
  ASSERT_EQ(ParseRedisIntegers("-ERR boom\r\n", ints, &count, &text, &error, &used),
            RespParse::kDone);
  EXPECT_TRUE(error);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(text, "ERR boom");
}

TEST(RedisRespTest, RefusesWhatIsNotRespOrNotTheExpectedShape) {
  RedisReply r;
  bool error = false;
  size_t used = 0;
  for (const char* bad : {"?x\r\n", ":12a\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "*-5\r\n", ":1\rx"}) {
    EXPECT_EQ(ParseRedisReply(bad, &r, &error, &used), RespParse::kBad) << bad;
  }
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_EQ(ParseRedisReply(deep, &r, &error, &used), RespParse::kBad);
  int64_t ints[2];
  size_t count = 0;
  std::string text;
  EXPECT_EQ(ParseRedisIntegers("*3\r\n:1\r\n:2\r\n:3\r\n", ints, &count, &text, &error, &used),
            RespParse::kBad);  // more than fits
  EXPECT_EQ(ParseRedisIntegers("*1\r\n$1\r\n1\r\n", ints, &count, &text, &error, &used),
            RespParse::kBad);  // not an integer
}

TEST(RedisRespTest, TheIntegerFastPathAllocatesNothing) {
  const std::string in = "*4\r\n:1\r\n:149\r\n:400000\r\n:-1\r\n";
  std::string out;
  out.reserve(256);
  int64_t ints[8];
  size_t count = 0;
  size_t used = 0;
  bool error = false;
  std::string text;
  RedisArg args[] = {"EVALSHA", RedisArg("kw:rl:", "tok_1"), RedisArg::Number(1'800'000'000'000)};
  const uint64_t before = keyward::testing::AllocationsOnThisThread();
  AppendRedisCommand(out, args);
  const RespParse p = ParseRedisIntegers(in, ints, &count, &text, &error, &used);
  const uint64_t after = keyward::testing::AllocationsOnThisThread();
  ASSERT_EQ(p, RespParse::kDone);
  EXPECT_EQ(after - before, 0u);
  ASSERT_EQ(count, 4u);
  EXPECT_EQ(ints[2], 400000);
  EXPECT_EQ(ints[3], -1);
  EXPECT_EQ(used, in.size());
}

}  // namespace
}  // namespace keyward
