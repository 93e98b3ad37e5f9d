// Expected failures as values: Error (a domain code, a PUBLIC text returned to the client, the
// request field at fault, and an INTERNAL text for the log only), Status (success or an Error) and
// Result<T> (a T or an Error). Exceptions are for bugs and start-up only.
//
// Audiences: message() is the public text — a sentence of ours, never a database's or a library's
// words, never a secret. internal() carries what an operator needs (the engine's message, an errno
// text); http/errors.cc logs it with the request id and never puts it in a response.
//
// Cost: Error and Status are one pointer each (null = OK for Status), so Status::Ok() and a
// successful Result<T> allocate nothing; an error allocates its texts once.
// Thread-safety: values; a const Error/Status/Result may be read from any thread.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "core/error_code.h"

namespace keyward {

class Error {
 public:
  Error(ErrorCode code, std::string message, std::string param = {})
      : rep_(new Rep{code, std::move(message), std::move(param), {}}) {}
  // An error with the catalogue's default public message.
  explicit Error(ErrorCode code) : Error(code, std::string(Describe(code).message)) {}

  // kUnavailable with the default public sentence and `internal` for the log: the store or Redis
  // cannot serve this now. kInternalError likewise: a bug or an unexpected engine failure.
  static Error Unavailable(std::string internal, std::string message = {});
  static Error Internal(std::string internal, std::string message = {});

  Error(const Error& other) : rep_(other.rep_ ? new Rep(*other.rep_) : nullptr) {}
  Error(Error&&) noexcept = default;
  Error& operator=(const Error& other) {
    if (this != &other) rep_.reset(other.rep_ ? new Rep(*other.rep_) : nullptr);
    return *this;
  }
  Error& operator=(Error&&) noexcept = default;
  ~Error() = default;

  ErrorCode code() const { return rep().code; }
  const std::string& message() const { return rep().message; }  // public text
  const std::string& param() const {
    return rep().param;
  }  // empty when no single field is at fault
  const std::string& internal() const { return rep().internal; }  // log only; may be empty

  // Attaches (replaces) the internal text; chainable on temporaries.
  Error& WithInternal(std::string internal) & {
    if (rep_) rep_->internal = std::move(internal);
    return *this;
  }
  Error&& WithInternal(std::string internal) && {
    if (rep_) rep_->internal = std::move(internal);
    return std::move(*this);
  }
  // The text for an operator's log line: the public text, then the internal one in parentheses.
  std::string ForLog() const;

 private:
  friend class Status;
  struct Rep {
    ErrorCode code;
    std::string message;
    std::string param;
    std::string internal;
  };
  Error() = default;  // null: only Status's OK state holds one
  const Rep& rep() const;

  std::unique_ptr<Rep> rep_;
};

inline Error InvalidRequest(std::string message, std::string param = {}) {
  return Error(ErrorCode::kInvalidRequest, std::move(message), std::move(param));
}

// A value or an Error. Check ok() before value(); error() only when !ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for calls with no value. One pointer: null is OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {  // NOLINT: implicit by design
    assert(error_.rep_ != nullptr && "a moved-from Error is not an error");
  }
  static Status Ok() { return Status(); }
  bool ok() const { return error_.rep_ == nullptr; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return error_;
  }

 private:
  Error error_;  // null rep: OK
};

static_assert(sizeof(Status) == sizeof(void*), "Status is one pointer");
static_assert(sizeof(Error) == sizeof(void*), "Error is one pointer");

}  // namespace keyward
