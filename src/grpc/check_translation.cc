#include "grpc/check_translation.h"

#include <cctype>

namespace keyward {
namespace {

using envoy::config::core::v3::HeaderValueOption;
using envoy::service::auth::v3::CheckResponse;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

bool IsRateLimitHeader(std::string_view name) {
  return IStartsWith(name, "x-ratelimit-") || IEquals(name, "ratelimit") ||
         IEquals(name, "ratelimit-policy");
}

// Replaces any value the header has (Envoy's `append: false`).
void AddHeader(google::protobuf::RepeatedPtrField<HeaderValueOption>* to, std::string_view name,
               std::string_view value) {
  HeaderValueOption* h = to->Add();
  h->mutable_header()->set_key(std::string(name));
  h->mutable_header()->set_value(std::string(value));
  h->mutable_append()->set_value(false);
}

// Calls f(name, value) for each "Name: value\r\n" line of an HttpResponse's header block.
template <typename F>
void ForEachLine(std::string_view block, F f) {
  while (!block.empty()) {
    const size_t end = block.find("\r\n");
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    f(line.substr(0, colon), value);
  }
}

}  // namespace

std::optional<std::string_view> CheckHeaders::Get(std::string_view name) const {
  if (name.empty() || name.front() == ':') return std::nullopt;
  for (const auto& [key, value] : http_.headers()) {
    if (IEquals(key, name)) return std::string_view(value);
  }
  for (const auto& h : http_.header_map().headers()) {
    if (IEquals(h.key(), name)) {
      return h.raw_value().empty() ? std::string_view(h.value()) : std::string_view(h.raw_value());
    }
  }
  return std::nullopt;
}

std::string_view SourceAddress(const envoy::service::auth::v3::CheckRequest& request) {
  return request.attributes().source().address().socket_address().address();
}

CheckOutcome ToCheckResponse(const HttpResponse& res, const HeaderSource& request_headers,
                             std::string_view request_id) {
  CheckOutcome out;
  if (res.status >= 500) {
    out.rpc_code = res.status == 503 ? kRpcUnavailable : kRpcInternal;
    out.rpc_message =
        res.status == 503 ? "keyward cannot decide now; retry later." : "keyward failed to decide.";
    return out;
  }
  CheckResponse& r = out.response.emplace();
  if (res.status == 200) {
    r.mutable_status()->set_code(kRpcOk);
    auto* ok = r.mutable_ok_response();
    ForEachLine(res.headers, [&](std::string_view name, std::string_view value) {
      if (IStartsWith(name, "x-keyward-")) {
        AddHeader(ok->mutable_headers(), name, value);
      } else if (IsRateLimitHeader(name)) {
        AddHeader(ok->mutable_response_headers_to_add(), name, value);
      }
    });
    // The key stops here: the upstream never sees it (a Bearer Authorization carries the key).
    ok->add_headers_to_remove("x-api-key");
    auto authorization = request_headers.Get("authorization");
    if (authorization && IStartsWith(*authorization, "bearer ")) {
      ok->add_headers_to_remove("authorization");
    }
    return out;
  }
  r.mutable_status()->set_code(res.status == 401   ? kRpcUnauthenticated
                               : res.status == 400 ? kRpcInvalidArgument
                                                   : kRpcPermissionDenied);
  auto* denied = r.mutable_denied_response();
  denied->mutable_status()->set_code(static_cast<envoy::type::v3::StatusCode>(res.status));
  denied->set_body(res.body);
  AddHeader(denied->mutable_headers(), "content-type", res.content_type);
  AddHeader(denied->mutable_headers(), "x-request-id", request_id);
  ForEachLine(res.headers, [&](std::string_view name, std::string_view value) {
    if (!IEquals(name, "x-keyward-error")) AddHeader(denied->mutable_headers(), name, value);
  });
  return out;
}

}  // namespace keyward
