// See redis_resp.h.
#include "limits/redis_resp.h"

#include <charconv>

namespace keyward {
namespace {

constexpr int kMaxDepth = 8;
constexpr int64_t kMaxBulk = 64 << 20;  // a reply of ours is never near this
constexpr int64_t kMaxElements = 1 << 20;

void AppendDecimal(std::string& out, int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// The line at `pos` (without "\r\n"); npos when it is not complete yet.
size_t LineEnd(std::string_view in, size_t pos) {
  const size_t cr = in.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= in.size()) return std::string_view::npos;
  return cr;
}

bool ParseInt(std::string_view text, int64_t* v) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *v);
  return ec == std::errc() && end == text.data() + text.size();
}

// Parses one reply at `*pos`; on kDone advances `*pos`.
RespParse ParseAt(std::string_view in, size_t* pos, RedisReply* out, bool* error, int depth) {
  if (*pos >= in.size()) return RespParse::kIncomplete;
  const char kind = in[*pos];
  const size_t end = LineEnd(in, *pos + 1);
  if (end == std::string_view::npos) return RespParse::kIncomplete;
  if (in[end + 1] != '\n') return RespParse::kBad;
  const std::string_view line = in.substr(*pos + 1, end - *pos - 1);
  size_t next = end + 2;
  switch (kind) {
    case '+':
    case '-':
      out->type = RedisReply::Type::kStatus;
      out->str.assign(line);
      if (kind == '-') *error = true;
      break;
    case ':':
      out->type = RedisReply::Type::kInteger;
      if (!ParseInt(line, &out->integer)) return RespParse::kBad;
      break;
    case '$': {
      int64_t len = 0;
      if (!ParseInt(line, &len) || len < -1 || len > kMaxBulk) return RespParse::kBad;
      if (len == -1) {
        out->type = RedisReply::Type::kNil;
        break;
      }
      const auto n = static_cast<size_t>(len);
      if (in.size() < next + n + 2) return RespParse::kIncomplete;
      if (in[next + n] != '\r' || in[next + n + 1] != '\n') return RespParse::kBad;
      out->type = RedisReply::Type::kString;
      out->str.assign(in.substr(next, n));
      next += n + 2;
      break;
    }
    case '*': {
      int64_t count = 0;
      if (!ParseInt(line, &count) || count < -1 || count > kMaxElements) return RespParse::kBad;
      if (count == -1) {
        out->type = RedisReply::Type::kNil;
        break;
      }
      if (depth >= kMaxDepth) return RespParse::kBad;
      out->type = RedisReply::Type::kArray;
      out->elements.clear();
      out->elements.resize(static_cast<size_t>(count));
      for (RedisReply& e : out->elements) {
        bool nested_error = false;
        const RespParse r = ParseAt(in, &next, &e, &nested_error, depth + 1);
        if (r != RespParse::kDone) return r;
      }
      break;
    }
    default:
      return RespParse::kBad;
  }
  *pos = next;
  return RespParse::kDone;
}

}  // namespace

void AppendRedisArrayHeader(std::string& out, size_t count) {
  out.push_back('*');
  AppendDecimal(out, static_cast<int64_t>(count));
  out.append("\r\n");
}

void AppendRedisBulk(std::string& out, const RedisArg& arg) {
  if (arg.is_number) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, arg.number);
    const auto len = static_cast<int64_t>(end - buf);
    out.push_back('$');
    AppendDecimal(out, len);
    out.append("\r\n");
    out.append(buf, end);
  } else {
    out.push_back('$');
    const size_t tag_size = arg.tag.empty() ? 0 : arg.tag.size() + 2;
    AppendDecimal(out, static_cast<int64_t>(arg.head.size() + tag_size + arg.tail.size()));
    out.append("\r\n");
    out.append(arg.head);
    if (!arg.tag.empty()) {
      out.push_back('{');
      out.append(arg.tag);
      out.push_back('}');
    }
    out.append(arg.tail);
  }
  out.append("\r\n");
}

void AppendRedisCommand(std::string& out, std::span<const RedisArg> args) {
  AppendRedisArrayHeader(out, args.size());
  for (const RedisArg& a : args) AppendRedisBulk(out, a);
}

RespParse ParseRedisReply(std::string_view in, RedisReply* out, bool* error, size_t* consumed) {
  size_t pos = 0;
  *error = false;
  const RespParse r = ParseAt(in, &pos, out, error, 0);
  if (r == RespParse::kDone) *consumed = pos;
  return r;
}

RespParse ParseRedisIntegers(std::string_view in, std::span<int64_t> out, size_t* count,
                             std::string* error_text, bool* error, size_t* consumed) {
  *error = false;
  *count = 0;
  if (in.empty()) return RespParse::kIncomplete;
  size_t end = LineEnd(in, 1);
  if (end == std::string_view::npos) return RespParse::kIncomplete;
  if (in[end + 1] != '\n') return RespParse::kBad;
  std::string_view line = in.substr(1, end - 1);
  if (in[0] == '-') {
    *error = true;
    error_text->assign(line);
    *consumed = end + 2;
    return RespParse::kDone;
  }
  int64_t n = 0;
  if (in[0] != '*' || !ParseInt(line, &n) || n < 0 || static_cast<size_t>(n) > out.size()) {
    return RespParse::kBad;
  }
  size_t pos = end + 2;
  for (int64_t i = 0; i < n; ++i) {
    if (pos >= in.size()) return RespParse::kIncomplete;
    end = LineEnd(in, pos + 1);
    if (end == std::string_view::npos) return RespParse::kIncomplete;
    if (in[pos] != ':' || in[end + 1] != '\n') return RespParse::kBad;
    if (!ParseInt(in.substr(pos + 1, end - pos - 1), &out[static_cast<size_t>(i)])) {
      return RespParse::kBad;
    }
    pos = end + 2;
  }
  *count = static_cast<size_t>(n);
  *consumed = pos;
  return RespParse::kDone;
}

}  // namespace keyward
