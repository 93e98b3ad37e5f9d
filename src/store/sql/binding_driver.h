// A sql::Driver decorator that carries the caller's Idempotency-Key binding
// (store/idempotency_binding.h) to the thread that runs the unit of work: the work may run on
// another thread (SQLite's group-commit leader) while its caller waits, and the binding is
// thread-local. Everything else is the wrapped driver's. Thread-safety and errors: the wrapped
// driver's.
#pragma once

#include <memory>
#include <utility>

#include "store/event.h"
#include "store/idempotency_binding.h"
#include "store/sql/driver.h"

namespace keyward::sql {

class BindingDriver : public Driver {
 public:
  explicit BindingDriver(std::unique_ptr<Driver> inner) : inner_(std::move(inner)) {}

  Status Read(const Work& work) override { return inner_->Read(work); }
  Status Write(const Work& work) override { return inner_->Write(Carry(work)); }
  Status Transaction(const Work& work) override { return inner_->Transaction(Carry(work)); }

 private:
  static Work Carry(const Work& work) {
    const IdempotencyBinding* binding = CurrentIdempotencyBinding();
    if (binding == nullptr) return work;
    return [&work, binding](Session& session) {
      IdempotencyBindingScope scope(binding);
      return work(session);
    };
  }

  std::unique_ptr<Driver> inner_;
};

// Under an Idempotency-Key binding: marks the bound record done, with the replay the binding makes
// from `event`, in the unit of work of `session` (sql_store_idempotency.cc); a later change of the
// same request replaces the replay. No binding, nothing happens. SqlStore calls it for every event
// it records, inside the change's own transaction.
Status MarkIdempotencyDone(Session& session, const EventRow& event);

}  // namespace keyward::sql
