// @keyward/client: a dependency-free client for the keyward API-key service (Node 18+).
// Framework middlewares live in the subpath exports "@keyward/client/express", "/fastify" and
// "/hono".
export { Keyward, VERSION } from "./client.js";
export type { KeywardOptions, RequestOptions, RawRequest, RawResponse } from "./client.js";
export * from "./errors.js";
export { SignatureVerificationError, constructEvent, signPayload } from "./webhooks.js";
export type * from "./types.js";
export { decide, extractKey, pathOf } from "./middleware/core.js";
export type { Decision, GuardOptions, ErrorAnswerBody } from "./middleware/core.js";
