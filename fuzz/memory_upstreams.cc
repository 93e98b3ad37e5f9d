#include "memory_upstreams.h"

namespace keyward {
namespace {

void CloseStream(void* stream) {
  static_cast<boost::beast::test::stream*>(stream)->close();
}

}  // namespace

boost::asio::awaitable<boost::system::error_code> MemoryUpstreams::Acquire(
    const boost::asio::any_io_executor& /*ex*/, size_t /*index*/, bool allow_pool,
    UpstreamTimer& timer, std::optional<Connection>& out, bool* reused) {
  *reused = allow_pool && pretend_pooled_;
  pretend_pooled_ = false;
  peers_.emplace_back(ioc_);
  out.emplace(ioc_);
  out->connect(peers_.back());
  out->append(response_);
  out->close_remote();  // after the response, the upstream has closed
  timer.Watch(&*out, &CloseStream);
  co_return boost::system::error_code{};
}

std::string MemoryUpstreams::sent() const {
  std::string all;
  for (const Connection& peer : peers_) all.append(peer.str());
  return all;
}

}  // namespace keyward
