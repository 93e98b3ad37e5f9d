#include "http/server/test_serve_connection.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "http/server/connection.h"
#include "http/server/listener.h"

namespace keyward {
namespace {

// What a Server would hold, for one in-memory connection at a time.
struct TestServer {
  TestServer(Api& api, const ServerSettings& s)
      : settings(s), blocking(1), ctx{api, settings, blocking, nullptr, stopping}, worker(0) {}
  const ServerSettings settings;
  boost::asio::thread_pool blocking;
  std::atomic<bool> stopping{false};
  const ServeContext ctx;
  Worker worker;
};

}  // namespace

std::string TEST_ServeConnection(Api& api, const ServerSettings& settings, std::string_view input) {
  static TestServer* server = new TestServer(api, settings);  // lives as long as the process
  Worker& w = server->worker;
  boost::beast::test::stream stream(w.ioc);
  boost::beast::test::stream client(w.ioc);
  stream.connect(client);
  stream.append(input);
  stream.close_remote();  // after `input`, the client has closed
  const Peer peer{*ParseIp("127.0.0.1"), "127.0.0.1", false};
  boost::asio::co_spawn(
      w.ioc,
      [&]() -> boost::asio::awaitable<void> {
        SlotRegistration registration(w, nullptr, server->settings.read_timeout_seconds + 1,
                                      server->stopping);
        co_await ServeConnection(server->ctx, stream, registration.slot(), peer);
      },
      boost::asio::detached);
  w.ioc.run();
  w.ioc.restart();
  return std::string(client.str());
}

}  // namespace keyward
