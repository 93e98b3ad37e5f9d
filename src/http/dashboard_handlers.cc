// The web dashboard's pages and files (API.md 8), served from the bytes embedded at build time
// (web_assets.h): /dashboard/, /dashboard/FILE, /agent-auth, and the redirect from /.
#include "http/errors.h"
#include "http/handlers.h"
#include "http/web_assets.h"

namespace keyward {
namespace {

// Only this origin's own files; no inline script or style; never framed; no Referer (the
// agent-auth page's URL carries the agent's token).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// Served over keyward's own TLS listener, the dashboard tells browsers to come back only over
// HTTPS (a year; not for subdomains, which keyward does not know). Never over plain HTTP, where
// the header is meaningless (RFC 6797 8.1).
void AddHsts(const HttpRequest& req, HttpResponse& res) {
  if (req.tls) res.Add("Strict-Transport-Security", "max-age=31536000");
}

HttpResponse Redirect(const HttpRequest& req, int status, std::string_view location) {
  HttpResponse res;
  AddHsts(req, res);
  res.status = status;
  res.content_type = "text/plain; charset=utf-8";
  res.body = "See " + std::string(location) + "\n";
  res.Add("Location", location);
  return res;
}

HttpResponse Serve(const HttpRequest& req, std::string_view name) {
  const WebAsset* asset = FindWebAsset(name);
  if (asset == nullptr) {
    return ErrorResponse(Error(ErrorCode::kNotFound, "No such path."), req.request_id);
  }
  HttpResponse res;
  AddHsts(req, res);
  res.content_type = std::string(asset->content_type);
  // Names are not fingerprinted, so browsers revalidate every time (cheap: 304 by ETag).
  res.Add("Cache-Control", "no-cache");
  res.Add("ETag", asset->etag);
  res.Add("X-Content-Type-Options", "nosniff");
  res.Add("Referrer-Policy", "no-referrer");
  if (asset->content_type.starts_with("text/html")) {
    res.Add("Content-Security-Policy", kContentSecurityPolicy);
    res.Add("X-Frame-Options", "DENY");
  }
  auto match = req.Header("if-none-match");
  if (match && *match == asset->etag) {
    res.status = 304;
    return res;
  }
  res.body = std::string(asset->body);
  return res;
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view name) {
  for (const WebAsset& a : WebAssets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// In proxy mode "/" is not one of keyward's own paths (API.md 5): the proxy dispatch, which runs
// before this registry, forwards it upstream, so this redirect is reached only without
// proxy.upstream.
HttpResponse HandleRoot(const HandlerContext&, const Caller&, const HttpRequest& req,
                        const PathParams&) {
  return Redirect(req, 302, "/dashboard/");
}

HttpResponse HandleDashboardRedirect(const HandlerContext&, const Caller&, const HttpRequest& req,
                                     const PathParams&) {
  return Redirect(req, 301, "/dashboard/");
}

HttpResponse HandleDashboardIndex(const HandlerContext&, const Caller&, const HttpRequest& req,
                                  const PathParams&) {
  return Serve(req, "index.html");
}

HttpResponse HandleDashboardAsset(const HandlerContext&, const Caller&, const HttpRequest& req,
                                  const PathParams& p) {
  return Serve(req, p.id);
}

HttpResponse HandleAgentAuthPage(const HandlerContext&, const Caller&, const HttpRequest& req,
                                 const PathParams&) {
  return Serve(req, "agent-auth.html");
}

}  // namespace keyward
