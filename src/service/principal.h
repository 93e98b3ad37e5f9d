// Who is making a management call, after authentication: the operator (an admin key, or an
// operator's dashboard session — API.md 16 — which acts with an admin's rights and names itself
// in operator_id), a key of an account, or a customer's dashboard session — and, for the events
// its writes record (API.md 13), the actor as events name it, the client address and the request
// id. Plain value.
#pragma once

#include <string>

#include "service/key_record.h"
#include "store/event.h"

namespace keyward {

struct Principal {
  enum class Kind { kAdmin, kKey, kSession };
  Kind kind = Kind::kAdmin;
  KeyRecordPtr key;         // set for kKey
  std::string account_id;   // the account acted on; empty for an admin without Keyward-Account
  std::string operator_id;  // kAdmin by an operator's session: "op_..."; empty for an admin key
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
  bool is_operator() const { return kind == Kind::kAdmin && !operator_id.empty(); }
  static Principal Admin(std::string account_id) {
    return Principal{Kind::kAdmin, nullptr, std::move(account_id), {}, {"admin_key", {}, {}}, {}};
  }
  static Principal Operator(std::string operator_id, std::string account_id) {
    EventActor actor{"operator", operator_id, {}};
    return Principal{Kind::kAdmin,           nullptr,          std::move(account_id),
                     std::move(operator_id), std::move(actor), {}};
  }
  static Principal Session(std::string account_id) {
    return Principal{Kind::kSession, nullptr, std::move(account_id), {}, {"session", {}, {}}, {}};
  }
  static Principal OfKey(KeyRecordPtr key) {
    std::string account = key->account->id;
    EventActor actor{"token", std::string(key->token_id()), {}};
    return Principal{Kind::kKey, std::move(key), std::move(account), {}, std::move(actor), {}};
  }
};

}  // namespace keyward
