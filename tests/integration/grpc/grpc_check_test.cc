// The gRPC edge (API.md 10) of a real keyward binary, asked with a real grpc++ client stub:
// envoy.service.auth.v3.Authorization/Check for each verdict kind (valid, missing key, wrong
// permission for the method and path, rate-limited, the sandbox per source address, could not
// decide), the key headers' removal, and grpc.health.v1.Health/Check.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>

#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness.h"

namespace keyward_it {
namespace {

namespace auth = envoy::service::auth::v3;
namespace health = grpc::health::v1;

constexpr int kOk = 0, kPermissionDenied = 7, kUnavailable = 14, kUnauthenticated = 16;

std::string Config(uint16_t grpc_port, const std::string& extra = "") {
  return "[server]\nlisten_grpc = \"127.0.0.1:" + std::to_string(grpc_port) + "\"\n" + extra +
         R"(
[plans.tiny]
rate_limit = "2/min"
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
)";
}

// name → value of a HeaderValueOption list.
std::map<std::string, std::string> Flatten(
    const google::protobuf::RepeatedPtrField<envoy::config::core::v3::HeaderValueOption>& list) {
  std::map<std::string, std::string> out;
  for (const auto& h : list) out[h.header().key()] = h.header().value();
  return out;
}

struct Checked {
  grpc::Status rpc;
  auth::CheckResponse response;
};

class GrpcEdgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      grpc_port_ = PickFreePort();
      KeywardOptions options;
      options.config_toml = Config(grpc_port_);
      keyward_ = std::make_unique<KeywardProcess>(options);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    if (keyward_) keyward_->CheckSanitizerReports();
    keyward_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(keyward_) << "keyward did not start: " << start_error_;
    direct_ = std::make_unique<HttpClient>(keyward_->port());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                   grpc::InsecureChannelCredentials());
    authz_ = auth::Authorization::NewStub(channel_);
  }

  std::pair<std::string, CreatedKey> NewKey(boost::json::object key_body = {},
                                            const std::string& plan = "default") {
    const std::string account = CreateAccount(*direct_, keyward_->admin_key(), {{"plan", plan}});
    CreatedKey key =
        CreateKey(*direct_, AdminFor(keyward_->admin_key(), account), std::move(key_body));
    return {account, key};
  }

  // A check as Envoy sends it: the request's headers, method, path and the client's address.
  Checked Check(const std::map<std::string, std::string>& headers, const std::string& method,
                const std::string& path, const std::string& source = "198.51.100.1") {
    auth::CheckRequest req;
    auto* http = req.mutable_attributes()->mutable_request()->mutable_http();
    http->set_method(method);
    http->set_path(path);
    http->set_host("api.example");
    for (const auto& [k, v] : headers) (*http->mutable_headers())[k] = v;
    (*http->mutable_headers())[":path"] = path;
    req.mutable_attributes()
        ->mutable_source()
        ->mutable_address()
        ->mutable_socket_address()
        ->set_address(source);
    Checked out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    out.rpc = authz_->Check(&ctx, req, &out.response);
    return out;
  }

  static std::unique_ptr<KeywardProcess> keyward_;
  static uint16_t grpc_port_;
  static std::string start_error_;
  std::unique_ptr<HttpClient> direct_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<auth::Authorization::Stub> authz_;
};

std::unique_ptr<KeywardProcess> GrpcEdgeTest::keyward_;
uint16_t GrpcEdgeTest::grpc_port_ = 0;
std::string GrpcEdgeTest::start_error_;

const boost::json::array kReportsOnly{"reports:read"};
const boost::json::array kExtractions{"extractions:write"};

TEST_F(GrpcEdgeTest, ValidKeyIsOkWithTheIdentityForTheUpstreamAndTheRateLimitForTheClient) {
  auto [account, key] = NewKey();
  Checked c = Check({{"x-api-key", key.key}, {"x-keyward-account", "acct_forged"}}, "GET",
                    "/v1/things?x=1");
  ASSERT_TRUE(c.rpc.ok()) << c.rpc.error_message();
  EXPECT_EQ(c.response.status().code(), kOk);
  ASSERT_TRUE(c.response.has_ok_response());
  const auto& ok = c.response.ok_response();
  auto upstream = Flatten(ok.headers());
  EXPECT_EQ(upstream["X-Keyward-Account"], account);
  EXPECT_EQ(upstream["X-Keyward-Token-Id"], key.id);
  EXPECT_EQ(upstream["X-Keyward-Permissions"], "*");
  EXPECT_EQ(upstream["X-Keyward-Livemode"], "true");
  EXPECT_EQ(upstream["X-Keyward-Sandbox"], "false");
  for (const auto& h : ok.headers()) {  // replacing what the client sent, never appended
    EXPECT_TRUE(h.has_append() && !h.append().value()) << h.header().key();
  }
  auto client = Flatten(ok.response_headers_to_add());
  EXPECT_EQ(client["X-RateLimit-Limit"], "150");
  EXPECT_EQ(client["X-RateLimit-Remaining"], "149");
  EXPECT_TRUE(client.contains("X-RateLimit-Reset"));
  EXPECT_EQ(client["RateLimit-Policy"], "\"per-key\";q=150;w=60");
  EXPECT_TRUE(client.contains("RateLimit"));
  // The same verdict /v1/keys/verify sees next: the check consumed one request.
  Response v = Verify(*direct_, key.key);
  EXPECT_EQ(AsInt(v.object()["ratelimit"].as_object()["remaining"]), 148) << Describe(v);
}

TEST_F(GrpcEdgeTest, TheKeyHeadersAreRemovedForTheUpstream) {
  auto [account, key] = NewKey();
  Checked api_key = Check({{"x-api-key", key.key}}, "GET", "/v1/things");
  ASSERT_TRUE(api_key.rpc.ok());
  const auto& removed = api_key.response.ok_response().headers_to_remove();
  EXPECT_NE(std::find(removed.begin(), removed.end(), "x-api-key"), removed.end());

  Checked bearer = Check({{"authorization", "Bearer " + key.key}}, "GET", "/v1/things");
  ASSERT_TRUE(bearer.rpc.ok());
  EXPECT_EQ(bearer.response.status().code(), kOk);
  const auto& b = bearer.response.ok_response().headers_to_remove();
  EXPECT_NE(std::find(b.begin(), b.end(), "authorization"), b.end());
  EXPECT_NE(std::find(b.begin(), b.end(), "x-api-key"), b.end());
}

TEST_F(GrpcEdgeTest, MissingOrUnknownKeyIsUnauthenticatedWithKeywardsJson401) {
  Checked c = Check({}, "GET", "/v1/things");
  ASSERT_TRUE(c.rpc.ok()) << c.rpc.error_message();
  EXPECT_EQ(c.response.status().code(), kUnauthenticated);
  ASSERT_TRUE(c.response.has_denied_response());
  const auto& denied = c.response.denied_response();
  EXPECT_EQ(denied.status().code(), 401);
  boost::json::object body = boost::json::parse(denied.body()).as_object();
  EXPECT_EQ(AsString(body["error"].as_object()["code"]), "UNAUTHORIZED");
  auto h = Flatten(denied.headers());
  EXPECT_EQ(h["content-type"], "application/json");
  EXPECT_EQ(h["WWW-Authenticate"], "Bearer realm=\"keyward\"");
  EXPECT_EQ(h["x-request-id"], AsString(body["error"].as_object()["request_id"]));

  Checked unknown = Check({{"x-api-key", MakeWellFormedKey("sk_live_")}}, "GET", "/v1/things");
  EXPECT_EQ(unknown.response.status().code(), kUnauthenticated);
  EXPECT_EQ(Flatten(unknown.response.denied_response().headers())["WWW-Authenticate"],
            "Bearer realm=\"keyward\", error=\"invalid_token\"");
}

TEST_F(GrpcEdgeTest, TheRoutesPermissionIsCheckedForTheMethodAndPathEnvoyNames) {
  auto [a1, without] = NewKey({{"type", "restricted"}, {"permissions", kReportsOnly}});
  auto [a2, with] = NewKey({{"type", "restricted"}, {"permissions", kExtractions}});
  Checked refused = Check({{"x-api-key", without.key}}, "POST", "/v1/extractions?page=2");
  ASSERT_TRUE(refused.rpc.ok());
  EXPECT_EQ(refused.response.status().code(), kPermissionDenied);
  EXPECT_EQ(refused.response.denied_response().status().code(), 403);
  boost::json::object body =
      boost::json::parse(refused.response.denied_response().body()).as_object();
  EXPECT_EQ(AsString(body["error"].as_object()["code"]), "FORBIDDEN");
  EXPECT_TRUE(Flatten(refused.response.denied_response().headers()).contains("X-RateLimit-Limit"));

  // The client's own X-Original-* / X-Forwarded-* headers do not name another request here.
  Checked spoofed = Check({{"x-api-key", without.key},
                           {"x-original-method", "GET"},
                           {"x-original-uri", "/v1/public"},
                           {"x-forwarded-method", "GET"},
                           {"x-forwarded-uri", "/v1/public"}},
                          "POST", "/v1/extractions");
  EXPECT_EQ(spoofed.response.status().code(), kPermissionDenied);

  EXPECT_EQ(Check({{"x-api-key", without.key}}, "GET", "/v1/extractions").response.status().code(),
            kOk);
  EXPECT_EQ(Check({{"x-api-key", with.key}}, "POST", "/v1/extractions").response.status().code(),
            kOk);
}

TEST_F(GrpcEdgeTest, ASpentLimitIsPermissionDeniedWith429AndRetryAfter) {
  auto [account, key] = NewKey({}, "tiny");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(Check({{"x-api-key", key.key}}, "GET", "/v1/things").response.status().code(), kOk)
        << i;
  }
  Checked c = Check({{"x-api-key", key.key}}, "GET", "/v1/things");
  ASSERT_TRUE(c.rpc.ok());
  EXPECT_EQ(c.response.status().code(), kPermissionDenied);
  const auto& denied = c.response.denied_response();
  EXPECT_EQ(denied.status().code(), 429);
  auto h = Flatten(denied.headers());
  ASSERT_TRUE(h.contains("Retry-After"));
  EXPECT_GE(std::stoll(h["Retry-After"]), 1);
  EXPECT_EQ(h["X-RateLimit-Remaining"], "0");
  EXPECT_EQ(AsString(boost::json::parse(denied.body()).as_object()["error"].as_object()["code"]),
            "RATE_LIMITED");
}

TEST_F(GrpcEdgeTest, TheSandboxIsLimitedPerSourceAddress) {
  const std::map<std::string, std::string> sandbox = {{"x-api-key", "sandbox-with-json-responses"}};
  for (int i = 0; i < 10; ++i) {
    Checked c = Check(sandbox, "GET", "/v1/things", "203.0.113.50");
    ASSERT_EQ(c.response.status().code(), kOk) << i;
    EXPECT_EQ(Flatten(c.response.ok_response().headers())["X-Keyward-Sandbox"], "true");
  }
  EXPECT_EQ(Check(sandbox, "GET", "/v1/things", "203.0.113.50").response.status().code(),
            kPermissionDenied);
  EXPECT_EQ(Check(sandbox, "GET", "/v1/things", "203.0.113.51").response.status().code(), kOk);
}

TEST_F(GrpcEdgeTest, HealthIsServingForTheServerAndTheAuthorizationService) {
  auto stub = health::Health::NewStub(channel_);
  for (const char* service : {"", "envoy.service.auth.v3.Authorization"}) {
    health::HealthCheckRequest req;
    req.set_service(service);
    health::HealthCheckResponse res;
    grpc::ClientContext ctx;
    grpc::Status st = stub->Check(&ctx, req, &res);
    ASSERT_TRUE(st.ok()) << service << ": " << st.error_message();
    EXPECT_EQ(res.status(), health::HealthCheckResponse::SERVING) << service;
  }
  health::HealthCheckRequest req;
  req.set_service("no.such.Service");
  health::HealthCheckResponse res;
  grpc::ClientContext ctx;
  EXPECT_EQ(stub->Check(&ctx, req, &res).error_code(), grpc::StatusCode::NOT_FOUND);
}

// keyward cannot decide (Redis unreachable, redis.on_unavailable = "closed"): the RPC fails with
// UNAVAILABLE, so that Envoy's failure_mode_allow decides; health says NOT_SERVING.
TEST(GrpcEdgeUnavailableTest, CannotDecideFailsTheRpcWithUnavailable) {
  const uint16_t grpc_port = PickFreePort();
  const uint16_t dead_redis = PickFreePort();  // nothing listens there
  KeywardOptions options;
  options.config_toml = Config(grpc_port) +
                        "[redis]\nurl = \"redis://127.0.0.1:" + std::to_string(dead_redis) +
                        "/0\"\non_unavailable = \"closed\"\n";
  KeywardProcess keyward(options);

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                                     grpc::InsecureChannelCredentials());
  auto stub = auth::Authorization::NewStub(channel);
  auth::CheckRequest req;
  auto* http = req.mutable_attributes()->mutable_request()->mutable_http();
  http->set_method("GET");
  http->set_path("/v1/things");
  // The sandbox key: known without the store, limited in Redis (management writes, which would
  // make a key, are refused while Redis is down).
  (*http->mutable_headers())["x-api-key"] = "sandbox-with-json-responses";
  auth::CheckResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status st = stub->Check(&ctx, req, &res);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_EQ(static_cast<int>(st.error_code()), kUnavailable);

  auto health_stub = health::Health::NewStub(channel);
  health::HealthCheckRequest hreq;
  health::HealthCheckResponse hres;
  grpc::ClientContext hctx;
  ASSERT_TRUE(health_stub->Check(&hctx, hreq, &hres).ok());
  EXPECT_EQ(hres.status(), health::HealthCheckResponse::NOT_SERVING);
}

// A gRPC listener off loopback without [tls] is refused at start.
TEST(GrpcEdgeConfigTest, AListenerOffLoopbackWithoutTlsIsRefusedAtStart) {
  KeywardOptions options;
  options.config_toml =
      "[server]\nlisten_grpc = \"0.0.0.0:" + std::to_string(PickFreePort()) + "\"\n";
  options.start = false;
  options.create_admin_key = false;
  KeywardProcess keyward(options);
  CliResult r = keyward.RunCli({"serve", "--config", keyward.config_path()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("listen_grpc"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace keyward_it
