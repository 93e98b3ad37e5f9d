// Receiving keyward's webhooks (docs/api.md 14): checking the Keyward-Signature header of a
// delivery — `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, keyed with the
// whole `whsec_…` secret — before trusting its body, and refusing deliveries older than a
// tolerance (replays). Pure functions; constant-time comparison; the secret never appears in an
// error.
import { createHmac, timingSafeEqual } from "node:crypto";

import { KeywardError } from "./errors.js";
import type { KeywardEvent } from "./types.js";

/** The delivery's signature is missing, malformed, wrong or too old (status 400 for your answer). */
export class SignatureVerificationError extends KeywardError {
  constructor(message: string) {
    super({ status: 400, code: "INVALID_SIGNATURE", message });
  }
}

/** The header value keyward would send for `payload` at `timestamp` (for your tests). */
export function signPayload(payload: string | Buffer, secret: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(payload).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Checks `header` (Keyward-Signature) against the raw body and returns the parsed event. Pass the
 * body exactly as received (a Buffer or string: not re-serialised JSON). `toleranceSeconds`
 * (default 300) bounds the age of the signature; `nowSeconds` is for tests.
 */
export function constructEvent(
  payload: string | Buffer,
  header: string | undefined | null,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): KeywardEvent {
  if (!header) throw new SignatureVerificationError("No Keyward-Signature header.");
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t" && /^\d+$/.test(value)) timestamp = Number(value);
    else if (name === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new SignatureVerificationError("The Keyward-Signature header is malformed.");
  }
  const expected = Buffer.from(signPayload(payload, secret, timestamp).split("v1=")[1] ?? "", "hex");
  const matches = signatures.some((s) => {
    const given = Buffer.from(s, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new SignatureVerificationError("The signature does not match the payload.");
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new SignatureVerificationError("The signature's timestamp is outside the tolerance.");
  }
  const text = typeof payload === "string" ? payload : payload.toString("utf8");
  try {
    return JSON.parse(text) as KeywardEvent;
  } catch {
    throw new SignatureVerificationError("The payload is not JSON.");
  }
}
