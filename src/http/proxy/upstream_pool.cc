#include "http/proxy/upstream_pool.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

namespace keyward {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// An idle pooled connection is reusable when the upstream has neither closed it nor sent anything
// unasked.
bool LooksOpen(tcp::socket& s) {
  char c;
  const ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void CancelSocket(void* socket) {
  error_code ignored;
  static_cast<tcp::socket*>(socket)->cancel(ignored);
}

}  // namespace

void UpstreamTimer::Arm() {
  const uint64_t generation = ++shared_->generation;
  shared_->armed = true;
  timer_.expires_after(period_);
  timer_.async_wait([shared = shared_, generation](const error_code& ec) {
    if (ec || !shared->armed || shared->generation != generation || !shared->target) return;
    shared->fired = true;
    shared->cancel(shared->target);
  });
}

asio::awaitable<error_code> TcpUpstreams::Acquire(const asio::any_io_executor& ex, size_t index,
                                                  bool allow_pool, UpstreamTimer& timer,
                                                  std::optional<tcp::socket>& out, bool* reused) {
  auto& idle = pool_.idle[index];
  while (allow_pool && !idle.empty()) {
    tcp::socket s = std::move(idle.back());
    idle.pop_back();
    if (LooksOpen(s)) {
      out.emplace(std::move(s));
      *reused = true;
      timer.Watch(&*out, &CancelSocket);
      co_return error_code{};
    }
    Close(s);
  }
  *reused = false;
  error_code last = asio::error::host_not_found;
  for (const tcp::endpoint& ep : state_.upstreams[index].endpoints) {
    out.emplace(ex);
    timer.Watch(&*out, &CancelSocket);
    timer.Arm();
    auto [ec] = co_await out->async_connect(ep, asio::as_tuple(asio::use_awaitable));
    timer.Disarm();
    if (!ec) {
      error_code ignored;
      out->set_option(tcp::no_delay(true), ignored);
      co_return error_code{};
    }
    Close(*out);
    out.reset();
    if (timer.fired()) co_return asio::error::timed_out;
    last = ec;
  }
  co_return last;
}

void TcpUpstreams::Return(size_t index, tcp::socket&& c) {
  auto& idle = pool_.idle[index];
  if (idle.size() < state_.settings.max_idle_per_worker) {
    idle.push_back(std::move(c));
  } else {
    Close(c);
  }
}

void TcpUpstreams::Close(tcp::socket& c) {
  error_code ignored;
  c.shutdown(tcp::socket::shutdown_both, ignored);
  c.close(ignored);
}

}  // namespace keyward
