// Who is making a management call, after authentication: the operator (admin key), a key of an
// account, or a dashboard session — and, for the events its writes record (API.md 13), the actor
// as events name it, the client address and the request id. Plain value.
#pragma once

#include <string>

#include "service/key_record.h"
#include "store/event.h"

namespace keyward {

struct Principal {
  enum class Kind { kAdmin, kKey, kSession };
  Kind kind = Kind::kAdmin;
  KeyRecordPtr key;        // set for kKey
  std::string account_id;  // the account acted on; empty for an admin without Keyward-Account
  // Set by whoever built the principal (the checkpoint: from the credential and the request; the
  // CLI: "cli"); defaults to the system with no address and no request.
  EventActor actor;
  std::string request_id;

  // This principal as `actor` of request `request_id` (builder style).
  Principal As(EventActor by, std::string request) && {
    actor = std::move(by);
    request_id = std::move(request);
    return std::move(*this);
  }

  bool is_admin() const { return kind == Kind::kAdmin; }
  static Principal Admin(std::string account_id) {
    return Principal{Kind::kAdmin, nullptr, std::move(account_id), {"admin_key", {}, {}}, {}};
  }
  static Principal Session(std::string account_id) {
    return Principal{Kind::kSession, nullptr, std::move(account_id), {"session", {}, {}}, {}};
  }
  static Principal OfKey(KeyRecordPtr key) {
    std::string account = key->account->id;
    EventActor actor{"token", std::string(key->token_id()), {}};
    return Principal{Kind::kKey, std::move(key), std::move(account), std::move(actor), {}};
  }
};

}  // namespace keyward
