// What a long-running request on a client connection may ask of the server that owns the
// connection: to push the connection's deadline ahead while it makes progress, and whether the
// server has started to drain (asked each time, so a drain that starts mid-exchange is seen).
// Implemented by the server's per-connection record; used by the proxy's exchange. Called only on
// the thread of the worker that owns the connection.
#pragma once

#include <cstdint>

namespace keyward {

class ConnectionControl {
 public:
  virtual ~ConnectionControl() = default;
  // Progress was made: the connection may live at least `seconds` more (never less than the
  // server's read timeout).
  virtual void ExtendDeadline(int64_t seconds) = 0;
  // True once the server stops: the answer must say Connection: close.
  virtual bool Draining() const = 0;
};

}  // namespace keyward
