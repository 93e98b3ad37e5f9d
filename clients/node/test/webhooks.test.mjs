// Webhook signature checking (docs/api.md 14) against a vector computed independently
// (`openssl dgst -sha256 -hmac whsec_test` over "<t>.<body>"), and what the client sends for the
// webhook endpoints.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SignatureVerificationError, constructEvent, signPayload } from "../dist/index.js";

const body = '{"id":"evt_1","object":"event","type":"token.revoked"}';
const t = 1706140800;
const mac = "ff65a4728cbba90e202b393ecc9ed53eca24996d01430371f16af624f015cf3e";

test("the signature of the contract's scheme", () => {
  assert.equal(signPayload(body, "whsec_test", t), `t=${t},v1=${mac}`);
  const event = constructEvent(Buffer.from(body), `t=${t},v1=${mac}`, "whsec_test", 300, t + 10);
  assert.equal(event.id, "evt_1");
});

test("refused: missing, malformed, wrong secret, altered body, too old", () => {
  const header = `t=${t},v1=${mac}`;
  const refused = (fn) => assert.throws(fn, (e) => e instanceof SignatureVerificationError && e.status === 400);
  refused(() => constructEvent(body, undefined, "whsec_test", 300, t));
  refused(() => constructEvent(body, "v1=abc", "whsec_test", 300, t));
  refused(() => constructEvent(body, header, "whsec_other", 300, t));
  refused(() => constructEvent(body.replace("evt_1", "evt_2"), header, "whsec_test", 300, t));
  refused(() => constructEvent(body, header, "whsec_test", 300, t + 301));
  assert.throws(
    () => constructEvent(body, header, "whsec_other", 300, t),
    (e) => !e.message.includes("whsec_"),
    "the secret is never in the message",
  );
});

test("several v1 signatures (a rolled secret): any match is enough", () => {
  const header = `t=${t},v1=${"0".repeat(64)},v1=${mac}`;
  assert.equal(constructEvent(body, header, "whsec_test", 300, t).type, "token.revoked");
});
