#include "http/render.h"

namespace keyward {
namespace {

boost::json::value OrNull(const std::optional<int64_t>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

boost::json::object MetadataObject(const Metadata& metadata) {
  boost::json::object o;
  for (const auto& [key, value] : metadata) o[key] = value;
  return o;
}

// A record's metadata JSON (MetadataToJson; empty: none) as an object.
boost::json::object MetadataValue(const std::string& json) {
  if (json.empty()) return {};
  std::optional<Metadata> metadata = MetadataFromJson(json);
  return metadata ? MetadataObject(*metadata) : boost::json::object();
}

}  // namespace

boost::json::object TokenObject(const TokenRow& row, int64_t now_unix) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "token";
  o["name"] = row.name;
  o["type"] = KeyTypeName(row.type);
  o["key_prefix"] = row.key_prefix;
  o["last4"] = row.last4;
  boost::json::array perms;
  for (const auto& p : row.permissions) perms.emplace_back(p);
  o["permissions"] = std::move(perms);
  o["last_used_at"] = OrNull(row.last_used_at);
  o["expires_at"] = OrNull(row.expires_at);
  o["livemode"] = row.livemode;
  o["created"] = row.created;
  o["revoked_at"] = OrNull(row.revoked_at);
  o["status"] = TokenStatusName(row.StatusAt(now_unix));
  o["account"] = row.account_id;
  o["metadata"] = MetadataObject(row.metadata);
  boost::json::array allowlist;
  for (const auto& cidr : row.ip_allowlist) allowlist.emplace_back(cidr);
  o["ip_allowlist"] = std::move(allowlist);
  o["disabled_at"] = OrNull(row.disabled_at);
  return o;
}

boost::json::object AccountObject(const AccountRow& row) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "account";
  o["email"] = row.email;
  o["name"] = row.name;
  o["credits"] = OrNull(row.credits);
  o["plan"] = row.plan;
  o["created"] = row.created;
  o["metadata"] = MetadataObject(row.metadata);
  boost::json::object overrides;
  overrides["rate_limit"] =
      row.rate_limit ? boost::json::value(*row.rate_limit) : boost::json::value(nullptr);
  overrides["account_rate_limit"] = row.account_rate_limit
                                        ? boost::json::value(*row.account_rate_limit)
                                        : boost::json::value(nullptr);
  o["overrides"] = std::move(overrides);
  o["status"] = row.disabled_at ? "disabled" : "active";
  o["disabled_at"] = OrNull(row.disabled_at);
  return o;
}

std::string ListJson(boost::json::array data, bool has_more) {
  boost::json::object o;
  o["object"] = "list";
  o["data"] = std::move(data);
  o["has_more"] = has_more;
  return boost::json::serialize(o);
}

std::string ToJson(const boost::json::object& obj) { return boost::json::serialize(obj); }

boost::json::object VerdictObject(const Verdict& v) {
  boost::json::object o;
  o["valid"] = v.valid();
  o["code"] = v.valid() ? std::string_view("VALID") : Describe(*v.error).code;
  if (!v.valid()) o["message"] = v.message;
  if (v.valid() && v.record) {
    const KeyRecord& rec = *v.record;
    boost::json::object t;
    t["id"] = rec.token_id();
    t["account"] = rec.account->id;
    t["type"] = KeyTypeName(rec.type);
    boost::json::array perms;
    for (const auto& perm : rec.permissions) perms.emplace_back(perm);
    t["permissions"] = std::move(perms);
    t["livemode"] = rec.livemode;
    t["sandbox"] = rec.sandbox;
    t["metadata"] = MetadataValue(v.extras ? v.extras->metadata_json : std::string());
    o["token"] = std::move(t);
  }
  if (v.ratelimit) {
    boost::json::object r;
    r["limit"] = v.ratelimit->limit;
    r["remaining"] = v.ratelimit->remaining;
    r["reset"] = v.ratelimit->reset_unix;
    o["ratelimit"] = std::move(r);
  } else {
    o["ratelimit"] = nullptr;
  }
  if (v.valid()) {
    boost::json::object c;
    c["balance"] = v.balance ? boost::json::value(*v.balance) : boost::json::value(nullptr);
    c["charged"] = v.charged;
    o["credits"] = std::move(c);
  }
  return o;
}

}  // namespace keyward
