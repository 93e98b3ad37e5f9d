// The cluster's wire facts, apart from the client that uses them (redis_cluster.h): the CLUSTER
// SLOTS reply, MOVED/ASK redirects, and the slot of a key argument.
#include <charconv>

#include "limits/redis_cluster.h"

namespace keyward {
namespace {

bool ParsePort(std::string_view text, uint16_t* port) {
  uint16_t p = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (ec != std::errc() || end != text.data() + text.size() || p == 0) return false;
  *port = p;
  return true;
}

}  // namespace

Result<std::vector<ClusterSlotRange>> ParseClusterSlots(const RedisReply& reply,
                                                        std::string_view answered_by_host) {
  auto bad = [](std::string_view why) {
    return Error(ErrorCode::kInternalError, "unexpected CLUSTER SLOTS reply: " + std::string(why));
  };
  if (reply.type != RedisReply::Type::kArray) return bad("not an array");
  std::vector<ClusterSlotRange> out;
  for (const RedisReply& e : reply.elements) {
    if (e.type != RedisReply::Type::kArray || e.elements.size() < 3 ||
        e.elements[0].type != RedisReply::Type::kInteger ||
        e.elements[1].type != RedisReply::Type::kInteger ||
        e.elements[2].type != RedisReply::Type::kArray || e.elements[2].elements.size() < 2) {
      return bad("an entry is not [first, last, [host, port, ...], ...]");
    }
    const int64_t first = e.elements[0].integer;
    const int64_t last = e.elements[1].integer;
    if (first < 0 || last < first || last >= kRedisClusterSlots) return bad("a slot out of range");
    const RedisReply& primary = e.elements[2];
    ClusterSlotRange r;
    r.first = static_cast<uint16_t>(first);
    r.last = static_cast<uint16_t>(last);
    r.host = primary.elements[0].str;
    if (r.host.empty() || r.host == "?") r.host = std::string(answered_by_host);
    if (primary.elements[1].type != RedisReply::Type::kInteger ||
        primary.elements[1].integer <= 0 || primary.elements[1].integer > 65535) {
      return bad("a port out of range");
    }
    r.port = static_cast<uint16_t>(primary.elements[1].integer);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ClusterRedirect> ParseClusterRedirect(std::string_view text) {
  ClusterRedirect r;
  if (text.starts_with("MOVED ")) {
    text.remove_prefix(6);
  } else if (text.starts_with("ASK ")) {
    r.ask = true;
    text.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view slot = text.substr(0, space);
  const std::string_view addr = text.substr(space + 1);
  auto [end, ec] = std::from_chars(slot.data(), slot.data() + slot.size(), r.slot);
  if (ec != std::errc() || end != slot.data() + slot.size() || r.slot >= kRedisClusterSlots) {
    return std::nullopt;
  }
  const size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || !ParsePort(addr.substr(colon + 1), &r.port)) {
    return std::nullopt;
  }
  std::string_view host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return std::nullopt;
  r.host = std::string(host);
  return r;
}

uint16_t RedisArgSlot(const RedisArg& key) {
  if (key.is_number) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, key.number);
    return RedisKeySlot(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  if (!key.tag.empty() && key.head.find('{') == std::string_view::npos) {
    return static_cast<uint16_t>(RedisCrc16(key.tag) % kRedisClusterSlots);
  }
  if (key.tag.empty() && key.tail.empty()) return RedisKeySlot(key.head);
  thread_local std::string whole;  // grows once; no allocation once warm
  whole.clear();
  AppendRedisBulk(whole, key);  // "$<n>\r\n<key>\r\n": the key is what lies between
  const size_t start = whole.find('\n') + 1;
  return RedisKeySlot(std::string_view(whole).substr(start, whole.size() - start - 2));
}

}  // namespace keyward
