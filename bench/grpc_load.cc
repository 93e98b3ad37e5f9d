// keyward_grpc_load: a small load generator for the gRPC ext_authz check
// (envoy.service.auth.v3.Authorization/Check), for bench/edges (ghz is not in Debian). Each of
// --threads threads drives its own channel (its own HTTP/2 connection) with --concurrency
// asynchronous Checks in flight, re-issuing each as it completes, for --seconds (or until
// --requests in all). Loopback only: the target must be 127.0.0.1 or [::1].
// At the end it prints the lines bench/auth.lua prints for wrk (REQUESTS, RPS, P50_US, ...):
// NON2XX counts Checks whose verdict is not OK (CheckResponse.status.code != 0), SOCKET_ERRORS the
// RPCs that failed.
//   keyward_grpc_load --target 127.0.0.1:9191 --key sk_live_... [--seconds 10] [--threads 1]
//                     [--concurrency 64] [--requests N] [--path /v1/auth-bench]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"

namespace {

namespace auth = envoy::service::auth::v3;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string target;
  std::string key;
  std::string path = "/v1/auth-bench";
  int seconds = 10;
  int threads = 1;
  int concurrency = 64;
  long long requests = 0;  // 0: no limit but time
};

struct Call {
  grpc::ClientContext ctx;
  auth::CheckResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<auth::CheckResponse>> reader;
  SteadyClock::time_point started;
};

struct ThreadResult {
  std::vector<uint32_t> latencies_us;
  long long denied = 0;
  long long failed = 0;
};

std::atomic<long long> g_issued{0};

bool MayIssue(const Options& o) {
  return o.requests == 0 || g_issued.fetch_add(1, std::memory_order_relaxed) < o.requests;
}

void Drive(const Options& o, int index, SteadyClock::time_point end, ThreadResult* out) {
  grpc::ChannelArguments args;
  args.SetInt("keyward.bench.channel", index);  // one connection per thread
  auto channel = grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args);
  auto stub = auth::Authorization::NewStub(channel);
  auth::CheckRequest request;
  auto* http = request.mutable_attributes()->mutable_request()->mutable_http();
  http->set_method("GET");
  http->set_path(o.path);
  http->set_host("bench.example");
  (*http->mutable_headers())["x-api-key"] = o.key;
  (*http->mutable_headers())[":path"] = o.path;
  request.mutable_attributes()
      ->mutable_source()
      ->mutable_address()
      ->mutable_socket_address()
      ->set_address("127.0.0.1");

  grpc::CompletionQueue cq;
  auto issue = [&](std::unique_ptr<Call>& slot) {
    slot = std::make_unique<Call>();
    slot->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    slot->started = SteadyClock::now();
    slot->reader = stub->AsyncCheck(&slot->ctx, request, &cq);
    slot->reader->Finish(&slot->response, &slot->status, slot.get());
  };
  std::vector<std::unique_ptr<Call>> calls(static_cast<size_t>(o.concurrency));
  int in_flight = 0;
  for (auto& slot : calls) {
    if (!MayIssue(o)) break;
    issue(slot);
    ++in_flight;
  }
  out->latencies_us.reserve(1 << 20);
  while (in_flight > 0) {
    void* tag = nullptr;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) break;
    auto* call = static_cast<Call*>(tag);
    const auto now = SteadyClock::now();
    --in_flight;
    if (!ok || !call->status.ok()) {
      ++out->failed;
    } else {
      if (call->response.status().code() != 0) ++out->denied;
      out->latencies_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - call->started).count()));
    }
    if (now < end && MayIssue(o)) {
      for (auto& slot : calls) {
        if (slot.get() == call) {
          issue(slot);
          ++in_flight;
          break;
        }
      }
    }
  }
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

bool Loopback(const std::string& target) {
  return target.rfind("127.0.0.1:", 0) == 0 || target.rfind("[::1]:", 0) == 0 ||
         target.rfind("localhost:", 0) == 0;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "keyward_grpc_load: %s\nusage: keyward_grpc_load --target 127.0.0.1:PORT --key KEY "
               "[--seconds N] [--threads N] [--concurrency N] [--requests N] [--path P]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return Usage(("missing value for " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--target")
      o.target = value;
    else if (flag == "--key")
      o.key = value;
    else if (flag == "--path")
      o.path = value;
    else if (flag == "--seconds")
      o.seconds = std::atoi(value.c_str());
    else if (flag == "--threads")
      o.threads = std::atoi(value.c_str());
    else if (flag == "--concurrency")
      o.concurrency = std::atoi(value.c_str());
    else if (flag == "--requests")
      o.requests = std::atoll(value.c_str());
    else
      return Usage(("unknown flag " + flag).c_str());
  }
  if (o.target.empty() || o.key.empty()) return Usage("--target and --key are required");
  if (!Loopback(o.target)) return Usage("the target must be a loopback address");
  if (o.seconds < 1 || o.seconds > 3600 || o.threads < 1 || o.threads > 64 || o.concurrency < 1 ||
      o.concurrency > 4096 || o.requests < 0) {
    return Usage("--seconds 1..3600, --threads 1..64, --concurrency 1..4096, --requests >= 0");
  }

  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  std::vector<ThreadResult> results(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back(Drive, std::cref(o), t, end, &results[static_cast<size_t>(t)]);
  }
  for (auto& t : threads) t.join();
  const auto elapsed_us =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count();

  std::vector<uint32_t> all;
  long long denied = 0;
  long long failed = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
    denied += r.denied;
    failed += r.failed;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) -> unsigned long {
    if (all.empty()) return 0;
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(all.size() - 1));
    return all[i];
  };
  const long long requests = static_cast<long long>(all.size());
  std::printf("REQUESTS=%lld\n", requests);
  std::printf("DURATION_US=%lld\n", static_cast<long long>(elapsed_us));
  std::printf("RPS=%.1f\n",
              elapsed_us > 0 ? requests / (static_cast<double>(elapsed_us) / 1e6) : 0.0);
  std::printf("P50_US=%lu\nP90_US=%lu\nP99_US=%lu\n", pct(50), pct(90), pct(99));
  std::printf("MAX_US=%lu\n", all.empty() ? 0UL : static_cast<unsigned long>(all.back()));
  std::printf("NON2XX=%lld\n", denied);
  std::printf("SOCKET_ERRORS=%lld\n", failed);
  return 0;
}
