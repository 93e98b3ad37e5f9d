// The Idempotency-Key (API.md 1.4, 16.1) under which the current thread runs a request: while a
// binding is in scope, every change that records an event (store/event.h) also marks the
// request's idempotency record done — with the response kept for a replay — in that change's own
// transaction. So when the connection breaks around COMMIT and the client never learns the
// outcome, a retry with the same key finds the record exactly as the change landed: done (replay)
// if it committed, still claimed and released by the failed request (run again) if it did not.
//
// The caller (the Idempotency-Key gate) binds before running the request and drops the binding
// when it returns; the store carries the binding to the thread that runs the change (SQLite's
// group-commit leader) through a sql::Driver decorator (store/sql/binding_driver.h).
// Thread-safety: a binding is thread-local; the IdempotencyBinding it points to must outlive the
// scope that binds it and is only read.
#pragma once

#include <functional>
#include <string>

#include "store/event.h"

namespace keyward {

struct IdempotencyBinding {
  std::string scope;
  std::string key;
  // The response body to keep for a replay, made from the event the change records (its
  // data.object, rendered as the API answers it); empty = keep nothing for this event.
  std::function<std::string(const EventRow&)> replay_body;
  int replay_status = 200;
};

// The binding of this thread, or null.
const IdempotencyBinding* CurrentIdempotencyBinding();

// Binds `binding` (may be null: unbinds) on this thread for the scope's lifetime, then restores
// what was bound before.
class IdempotencyBindingScope {
 public:
  explicit IdempotencyBindingScope(const IdempotencyBinding* binding);
  ~IdempotencyBindingScope();
  IdempotencyBindingScope(const IdempotencyBindingScope&) = delete;
  IdempotencyBindingScope& operator=(const IdempotencyBindingScope&) = delete;

 private:
  const IdempotencyBinding* previous_;
};

}  // namespace keyward
