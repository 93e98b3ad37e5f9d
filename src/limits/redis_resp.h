// RESP2, the Redis wire protocol, as pure functions: commands are encoded straight into a
// caller's buffer (no per-argument allocation; numbers with std::to_chars), and replies are parsed
// from a byte buffer — generically into a RedisReply tree, or, for the hot path, into a flat span
// of integers without any allocation (the limiter's scripts answer flat arrays of integers).
// A parse never reads past the buffer: an incomplete reply reports kIncomplete and consumes
// nothing, so the caller reads more bytes and parses again.
// Thread-safety: pure functions. Failure: kBad for bytes that are not RESP (the connection must
// then be dropped); an error reply ("-ERR ...") is a parsed reply with `error` set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyward {

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString and kStatus
  std::vector<RedisReply> elements;
};

// One argument of a command: `head` followed by `tail` (a key is prefix + name without
// concatenating first), or, when `is_number`, the decimal text of `number`. A non-empty `tag`
// goes between them as a Redis Cluster hash tag: head + "{" + tag + "}" + tail.
struct RedisArg {
  std::string_view head;
  std::string_view tail;
  std::string_view tag;
  int64_t number = 0;
  bool is_number = false;

  RedisArg() = default;
  RedisArg(std::string_view text) : head(text) {}    // NOLINT(google-explicit-constructor)
  RedisArg(const char* text) : head(text) {}         // NOLINT(google-explicit-constructor)
  RedisArg(const std::string& text) : head(text) {}  // NOLINT(google-explicit-constructor)
  RedisArg(std::string_view h, std::string_view t) : head(h), tail(t) {}
  static RedisArg Tagged(std::string_view h, std::string_view tag, std::string_view t) {
    RedisArg a(h, t);
    a.tag = tag;
    return a;
  }
  static RedisArg Number(int64_t n) {
    RedisArg a;
    a.number = n;
    a.is_number = true;
    return a;
  }
};

// Appends "*<n>\r\n" and then each argument as a bulk string.
void AppendRedisCommand(std::string& out, std::span<const RedisArg> args);
// Appends the array header and the bulk strings of several spans, in order (EVALSHA sha n keys
// args without building one list first).
void AppendRedisArrayHeader(std::string& out, size_t count);
void AppendRedisBulk(std::string& out, const RedisArg& arg);

enum class RespParse { kDone, kIncomplete, kBad };

// A whole reply from `in`: on kDone, `*consumed` bytes were used; `*error` says whether it was an
// error reply (its text in out->str).
RespParse ParseRedisReply(std::string_view in, RedisReply* out, bool* error, size_t* consumed);

// A reply that must be an array of at most out.size() integers (or an error reply): on kDone,
// `*count` integers were written to `out` (an error reply: `*count` = 0 and its text in
// `*error_text`). Any other shape is kBad. Allocates only for an error reply's text.
RespParse ParseRedisIntegers(std::string_view in, std::span<int64_t> out, size_t* count,
                             std::string* error_text, bool* error, size_t* consumed);

}  // namespace keyward
