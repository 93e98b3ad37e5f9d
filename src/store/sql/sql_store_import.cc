// SqlStore: importing keys from another system (API.md 11.4) — every key with its event in one
// transaction, a hash that is already stored refusing the whole import.
#include <string>

#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kHashStored("SELECT 1 FROM tokens WHERE key_hash = $1");

}  // namespace

Status SqlStore::ImportTokens(const std::vector<TokenRow>& tokens,
                              const EventFor<TokenRow>& event) {
  if (tokens.empty()) return Status::Ok();
  return driver_->Transaction([&](Session& session) -> Status {
    for (size_t i = 0; i < tokens.size(); ++i) {
      Result<std::optional<int64_t>> stored =
          sql::QueryOne<int64_t>(session, kHashStored, Params().Add(tokens[i].key_hash));
      if (!stored.ok()) return stored.error();
      const std::string param = "keys[" + std::to_string(i) + "].sha256";
      if (*stored) return InvalidRequest("A key with this hash already exists.", param);
      Params params;
      sql::AddParams(tokens[i], &params);
      if (Result<int64_t> ran = session.Run(dialect_.insert_token, params); !ran.ok()) {
        // The same key imported by a concurrent call that committed first.
        if (session.ViolatedUnique("tokens", "key_hash")) {
          return InvalidRequest("A key with this hash already exists.", param);
        }
        return ran.error();
      }
      if (Status s = RecordEvent<TokenRow>(session, event, nullptr, tokens[i]); !s.ok()) return s;
    }
    return Status::Ok();
  });
}

}  // namespace keyward
