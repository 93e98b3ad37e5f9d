#include "http/render.h"

namespace keyward {
namespace {

// A record's metadata JSON (MetadataToJson; empty: none) as an object.
boost::json::object MetadataValue(const std::string& json) {
  if (json.empty()) return {};
  std::optional<Metadata> metadata = MetadataFromJson(json);
  return metadata ? MetadataObject(*metadata) : boost::json::object();
}

}  // namespace

std::string ListJson(boost::json::array data, bool has_more) {
  boost::json::object o;
  o["object"] = "list";
  o["data"] = std::move(data);
  o["has_more"] = has_more;
  return boost::json::serialize(o);
}

std::string ToJson(const boost::json::object& obj) {
  return boost::json::serialize(obj);
}

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
