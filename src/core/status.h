// Expected failures as values: Error (a catalogue code, a public message, the request field at
// fault) and Result<T> (a T or an Error). Exceptions are for bugs and start-up only.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "core/error_code.h"

namespace keyward {

class Error {
 public:
  Error(ErrorCode code, std::string message, std::string param = {})
      : code_(code), message_(std::move(message)), param_(std::move(param)) {}
  // An error with the catalogue's default message.
  explicit Error(ErrorCode code) : code_(code), message_(Describe(code).message) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& param() const { return param_; }  // empty when no single field is at fault
  int status() const { return Describe(code_).status; }

 private:
  ErrorCode code_;
  std::string message_;
  std::string param_;
};

inline Error InvalidRequest(std::string message, std::string param = {}) {
  return Error(ErrorCode::kInvalidRequest, std::move(message), std::move(param));
}

// A value or an Error. Check ok() before value(); error() only when !ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for calls with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_{ErrorCode::kInternalError};
  bool ok_ = true;
};

}  // namespace keyward
