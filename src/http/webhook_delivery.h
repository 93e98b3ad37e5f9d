// The webhook delivery worker of one node (API.md 14): a dedicated pool of threads, each with its
// own io_context, so that a slow or dead receiver never holds a request thread or verification.
// Each thread leases a batch of due attempts from the store's queue (Store::LeaseDueDeliveries:
// one node per attempt), makes them concurrently, and records each outcome
// (Store::CompleteDelivery: retry schedule, automatic disabling). An attempt:
//   1. parses the endpoint URL and resolves its host, refusing it (a failed attempt, no request)
//      when any address is private/loopback/link-local… and not allowed (webhook_target.h);
//   2. connects to a checked address (never resolving again), with TLS for https:// — the
//      certificate verified against the system's CAs and the host name, SNI set;
//   3. POSTs the event JSON with Keyward-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
//      "<t>.<body>")>, Keyward-Event-Id, Keyward-Event-Type, Content-Type and User-Agent;
//   4. succeeds on a 2xx within webhooks.timeout; anything else (3xx included: redirects are not
//      followed) fails.
// Thread-safety: Start() and Stop() from one thread; the workers touch only the store, the
// webhook service and their own io_context. Failure: store errors are logged and retried on the
// next poll; a leased attempt not made at Stop() is released.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/mutex.h"
#include "service/settings.h"
#include "service/webhook_service.h"
#include "store/store.h"

namespace keyward {

class WebhookDelivery {
 public:
  // At most this many attempts are in flight per worker thread.
  static constexpr size_t kBatch = 32;

  WebhookDelivery(Store& store, WebhookService& webhooks, const WebhookSettings& settings,
                  const Clock& clock, std::string user_agent);
  ~WebhookDelivery();
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  void Start();  // starts settings.workers threads (once)
  void Stop();   // stops and joins them; idempotent

  // One round on the calling thread (tests): leases what is due and makes those attempts.
  // Returns how many attempts were made.
  size_t RunOnce();

 private:
  void Loop();

  Store& store_;
  WebhookService& webhooks_;
  const WebhookSettings& settings_;
  const Clock& clock_;
  const std::string user_agent_;
  const std::string node_;  // this node's lease owner name

  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace keyward
