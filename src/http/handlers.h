// One handler per endpoint, grouped by resource in *_handlers.cc. Each parses and validates its
// input, calls the service, and renders the outcome.
#pragma once

#include "http/api.h"

namespace keyward {

HttpResponse HandleHealthz(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleReadyz(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleMetrics(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleCreateAccount(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleListAccounts(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetAccount(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleAddCredits(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleCreateToken(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleListTokens(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetToken(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleRevokeToken(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleRollToken(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleMintAccessToken(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleCheckAccessToken(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleGetCredits(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleSignUp(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleCreateSession(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetSession(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleDeleteSession(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthApprove(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthPoll(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleRoot(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleDashboardRedirect(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleDashboardIndex(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleDashboardAsset(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthPage(Api& api, const HttpRequest& req, const PathParams& p);

HttpResponse HandleVerifyKey(Api& api, const HttpRequest& req, const PathParams& p);
HttpResponse HandleAuth(Api& api, const HttpRequest& req, const PathParams& p);

}  // namespace keyward
