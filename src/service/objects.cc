#include "service/objects.h"

#include <optional>

namespace keyward {
namespace {

boost::json::value OrNull(const std::optional<int64_t>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

boost::json::object MetadataObject(const Metadata& metadata) {
  boost::json::object o;
  for (const auto& [key, value] : metadata) o[key] = value;
  return o;
}

boost::json::object TokenObject(const TokenRow& row, int64_t now_unix) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "token";
  o["name"] = row.name;
  o["type"] = KeyTypeName(row.type);
  // An imported key's display parts are null when the import did not give them (API.md 11.5).
  o["key_prefix"] =
      row.key_prefix.empty() ? boost::json::value(nullptr) : boost::json::value(row.key_prefix);
  o["last4"] = row.last4.empty() ? boost::json::value(nullptr) : boost::json::value(row.last4);
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

boost::json::object AdminKeyObject(const AdminKeyRow& row) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "admin_key";
  o["name"] = row.name;
  o["key_prefix"] = row.key_prefix;
  o["last4"] = row.last4;
  o["created"] = row.created;
  return o;
}

boost::json::object PlanObject(const PlanRow& row) {
  boost::json::object o;
  o["object"] = "plan";
  o["name"] = row.name;
  o["rate_limit"] = row.rate_limit;
  o["account_rate_limit"] = row.account_rate_limit ? boost::json::value(*row.account_rate_limit)
                                                   : boost::json::value(nullptr);
  if (row.refill) {
    boost::json::object refill;
    refill["amount"] = row.refill->amount;
    refill["interval"] = row.refill->interval;
    refill["mode"] = row.refill->mode;
    o["refill"] = std::move(refill);
  } else {
    o["refill"] = nullptr;
  }
  o["low_credits_threshold"] = OrNull(row.low_credits_threshold);
  o["managed_by"] = row.managed_by_config ? "config" : "api";
  o["created"] = row.created;
  return o;
}

}  // namespace keyward
