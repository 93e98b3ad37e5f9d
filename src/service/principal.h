// Who is making a management call, after authentication: the operator (admin key), a key of an
// account, or (later) a dashboard session. Plain value.
#pragma once

#include <string>

#include "service/key_record.h"

namespace keyward {

struct Principal {
  enum class Kind { kAdmin, kKey, kSession };
  Kind kind = Kind::kAdmin;
  KeyRecordPtr key;        // set for kKey
  std::string account_id;  // the account acted on; empty for an admin without Keyward-Account

  bool is_admin() const { return kind == Kind::kAdmin; }
  static Principal Admin(std::string account_id) {
    return Principal{Kind::kAdmin, nullptr, std::move(account_id)};
  }
  static Principal Session(std::string account_id) {
    return Principal{Kind::kSession, nullptr, std::move(account_id)};
  }
  static Principal OfKey(KeyRecordPtr key) {
    std::string account = key->account->id;
    return Principal{Kind::kKey, std::move(key), std::move(account)};
  }
};

}  // namespace keyward
