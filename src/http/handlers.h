// One handler per endpoint, grouped by resource in *_handlers.cc, each with the signature of
// route.h's Handler. The checkpoint (checkpoint.h) has already admitted the caller as the route
// declares (route_registry.cc); a handler parses and validates its input, calls the service and
// renders the outcome, and the checkpoint adds the caller's rate-limit headers to whatever it
// answers. Pure apart from the services; thread-safe.
#pragma once

#include "http/handler_context.h"
#include "http/http_types.h"
#include "http/request_auth.h"
#include "http/route.h"

namespace keyward {

HttpResponse HandleHealthz(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                           const PathParams& p);
HttpResponse HandleReadyz(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                          const PathParams& p);
HttpResponse HandleMetrics(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                           const PathParams& p);

HttpResponse HandleCreateAccount(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);
HttpResponse HandleListAccounts(const HandlerContext& ctx, const Caller& caller,
                                const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetAccount(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleAddCredits(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleUpdateAccount(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);
HttpResponse HandleDisableAccount(const HandlerContext& ctx, const Caller& caller,
                                  const HttpRequest& req, const PathParams& p);
HttpResponse HandleEnableAccount(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);

HttpResponse HandleCreateToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p);
HttpResponse HandleListTokens(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetToken(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams& p);
HttpResponse HandleRevokeToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p);
HttpResponse HandleRollToken(const HandlerContext& ctx, const Caller& caller,
                             const HttpRequest& req, const PathParams& p);
HttpResponse HandleUpdateToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p);
HttpResponse HandleDisableToken(const HandlerContext& ctx, const Caller& caller,
                                const HttpRequest& req, const PathParams& p);
HttpResponse HandleEnableToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p);
// POST /v1/tokens/import (API.md 11.4): token_import_handlers.cc.
HttpResponse HandleImportTokens(const HandlerContext& ctx, const Caller& caller,
                                const HttpRequest& req, const PathParams& p);

HttpResponse HandleMintAccessToken(const HandlerContext& ctx, const Caller& caller,
                                   const HttpRequest& req, const PathParams& p);
HttpResponse HandleCheckAccessToken(const HandlerContext& ctx, const Caller& caller,
                                    const HttpRequest& req, const PathParams& p);

HttpResponse HandleGetCredits(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);

HttpResponse HandleGetUsage(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams& p);

HttpResponse HandleSignUp(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                          const PathParams& p);
HttpResponse HandleCreateSession(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetSession(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleDeleteSession(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthApprove(const HandlerContext& ctx, const Caller& caller,
                                    const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthPoll(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);

HttpResponse HandleRoot(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                        const PathParams& p);
HttpResponse HandleDashboardRedirect(const HandlerContext& ctx, const Caller& caller,
                                     const HttpRequest& req, const PathParams& p);
HttpResponse HandleDashboardIndex(const HandlerContext& ctx, const Caller& caller,
                                  const HttpRequest& req, const PathParams& p);
HttpResponse HandleDashboardAsset(const HandlerContext& ctx, const Caller& caller,
                                  const HttpRequest& req, const PathParams& p);
HttpResponse HandleAgentAuthPage(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& p);

HttpResponse HandleListEvents(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetEvent(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams& p);

HttpResponse HandleCreateWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p);
HttpResponse HandleListWebhookEndpoints(const HandlerContext& ctx, const Caller& caller,
                                        const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                      const HttpRequest& req, const PathParams& p);
HttpResponse HandleUpdateWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p);
HttpResponse HandleDeleteWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p);
HttpResponse HandleRollWebhookSecret(const HandlerContext& ctx, const Caller& caller,
                                     const HttpRequest& req, const PathParams& p);
HttpResponse HandleListWebhookDeliveries(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p);
HttpResponse HandleLeakedKeys(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
// Operators (API.md 16): the set-up link's page and endpoint, and the console's account list.
HttpResponse HandleOperatorSetupPage(const HandlerContext& ctx, const Caller& caller,
                                     const HttpRequest& req, const PathParams& params);
HttpResponse HandleOperatorSetup(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& params);
HttpResponse HandleConsoleAccounts(const HandlerContext& ctx, const Caller& caller,
                                   const HttpRequest& req, const PathParams& params);

// Plans (API.md 11.2): admin keys only.
HttpResponse HandleListPlans(const HandlerContext& ctx, const Caller& caller,
                             const HttpRequest& req, const PathParams& p);
HttpResponse HandleGetPlan(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                           const PathParams& p);
HttpResponse HandleCreatePlan(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);
HttpResponse HandleUpdatePlan(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p);

HttpResponse HandleVerifyKey(const HandlerContext& ctx, const Caller& caller,
                             const HttpRequest& req, const PathParams& p);
HttpResponse HandleAuth(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                        const PathParams& p);

}  // namespace keyward
