#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace moss {

/// The one error vocabulary of moss. Every layer reports failures as values
/// of this enum; `http/status.cpp` maps them to HTTP status codes and
/// `actors/error.hpp` registers them with CAF.
enum class ec : uint8_t {
  /// Not an error.
  no_error = 0,
  /// The request is malformed (bad JSON, bad name, bad parameter).
  invalid_argument,
  /// The bucket, object, or archived file does not exist.
  not_found,
  /// The bucket already exists.
  already_exists,
  /// The request conflicts with existing state (file vs. directory, ...).
  conflict,
  /// A body, a name, or a request exceeds a configured limit.
  too_large,
  /// A byte range lies outside the object.
  range_not_satisfiable,
  /// The HTTP method is not supported on this path.
  method_not_allowed,
  /// The node is overloaded; the client should retry later.
  throttled,
  /// A node the request needs is not (or no longer) in the cluster.
  unavailable,
  /// An operation did not finish within its deadline.
  timeout,
  /// The local disk is full.
  insufficient_storage,
  /// A filesystem operation failed.
  io_error,
  /// The client went away or the work was cancelled.
  aborted,
  /// A bug or an unexpected state.
  internal,
  /// The request carries no valid credentials (missing, forged, expired).
  unauthenticated,
  /// The credentials are valid but do not allow the request.
  forbidden,
};

/// Returns the snake_case name of `code`.
const char* to_string(ec code);

/// An error code plus a message for humans.
struct error {
  ec code = ec::no_error;
  std::string message;
};

/// Either a value of type `T` or an `error`.
template <class T>
class expected {
 public:
  expected(T value) : data_(std::move(value)) {
    // nop
  }
  expected(moss::error err) : data_(std::move(err)) {
    // nop
  }
  explicit operator bool() const { return data_.index() == 0; }
  T& operator*() { return std::get<0>(data_); }
  const T& operator*() const { return std::get<0>(data_); }
  T* operator->() { return &std::get<0>(data_); }
  const T* operator->() const { return &std::get<0>(data_); }
  const moss::error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, moss::error> data_;
};

/// The outcome of an operation without a value.
template <>
class expected<void> {
 public:
  expected() = default;
  expected(moss::error err) : error_(std::move(err)) {
    // nop
  }
  explicit operator bool() const { return error_.code == ec::no_error; }
  const moss::error& error() const { return error_; }

 private:
  moss::error error_;
};

inline error make_error(ec code, std::string message) {
  return error{code, std::move(message)};
}

} // namespace moss
