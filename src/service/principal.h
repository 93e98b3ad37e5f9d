// Who is making a management call, after authentication: the operator (an admin key, or an
// operator's dashboard session — API.md 16 — which acts with an admin's rights and names itself
// in operator_id), a key of an account, or a customer's dashboard session. Plain value.
#pragma once

#include <string>

#include "service/key_record.h"

namespace keyward {

struct Principal {
  enum class Kind { kAdmin, kKey, kSession };
  Kind kind = Kind::kAdmin;
  KeyRecordPtr key;         // set for kKey
  std::string account_id;   // the account acted on; empty for an admin without Keyward-Account
  std::string operator_id;  // kAdmin by an operator's session: "op_..."; empty for an admin key

  bool is_admin() const { return kind == Kind::kAdmin; }
  bool is_operator() const { return kind == Kind::kAdmin && !operator_id.empty(); }
  static Principal Admin(std::string account_id) {
    return Principal{Kind::kAdmin, nullptr, std::move(account_id), {}};
  }
  static Principal Operator(std::string operator_id, std::string account_id) {
    return Principal{Kind::kAdmin, nullptr, std::move(account_id), std::move(operator_id)};
  }
  static Principal Session(std::string account_id) {
    return Principal{Kind::kSession, nullptr, std::move(account_id), {}};
  }
  static Principal OfKey(KeyRecordPtr key) {
    std::string account = key->account->id;
    return Principal{Kind::kKey, std::move(key), std::move(account), {}};
  }
};

}  // namespace keyward
