// The HTTP transport of the keyward client: node:http / node:https with a keep-alive Agent, so
// that consecutive calls reuse one connection instead of paying a TCP (and TLS) handshake each.
// One request → one answer (status, lower-cased headers, body text) or a ConnectionError /
// TimeoutError when no answer arrived within the timeout. Safe to share across concurrent calls
// (the Agent pools sockets; each call has its own request object).
import * as http from "node:http";
import * as https from "node:https";

import { ConnectionError, TimeoutError } from "./errors.js";

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Responses larger than this are refused (keyward's own answers are far smaller). */
const kMaxResponseBytes = 16 * 1024 * 1024;

export interface AgentOptions {
  /** Idle sockets kept per host (default 10). */
  maxFreeSockets?: number;
  /** Concurrent sockets per host (default Infinity, as Node's). */
  maxSockets?: number;
}

/** A keep-alive Agent for the URL's protocol. */
export function makeAgent(protocol: string, options: AgentOptions = {}): http.Agent {
  const common = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxFreeSockets: options.maxFreeSockets ?? 10,
    maxSockets: options.maxSockets ?? Infinity,
    // Closes idle sockets before keyward's own idle timeout would, so that a reused socket is
    // rarely one the server is closing at that moment.
    timeout: 30_000,
  };
  return protocol === "https:" ? new https.Agent(common) : new http.Agent(common);
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A kept-alive socket the server had closed: nothing was answered, so sending again is safe. */
class StaleSocket extends Error {}

/**
 * Sends one request over `agent`. Rejects with ConnectionError/TimeoutError only. A request that
 * failed on a reused keep-alive socket before any answer (the server closed it meanwhile) is sent
 * once more on a fresh socket, as Node's documentation recommends.
 */
export async function send(agent: http.Agent, req: TransportRequest): Promise<TransportResponse> {
  try {
    return await sendOnce(agent, req);
  } catch (e) {
    if (!(e instanceof StaleSocket)) throw e;
    return sendOnce(agent, req);
  }
}

function sendOnce(agent: http.Agent, req: TransportRequest): Promise<TransportResponse> {
  const lib = req.url.protocol === "https:" ? https : http;
  return new Promise<TransportResponse>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: ConnectionError) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(err);
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    const r = lib.request(
      req.url,
      { method: req.method, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > kMaxResponseBytes) {
            res.destroy();
            fail(
              new ConnectionError({
                status: 0,
                code: "RESPONSE_TOO_LARGE",
                message: "keyward's answer exceeded 16 MiB",
              }),
            );
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", (e) =>
          fail(
            new ConnectionError({
              status: 0,
              code: "CONNECTION_ERROR",
              message: `connection to keyward broke: ${e.message}`,
            }),
          ),
        );
      },
    );
    timer = setTimeout(() => {
      fail(
        new TimeoutError({
          status: 0,
          code: "TIMEOUT",
          message: `no answer from keyward within ${req.timeoutMs} ms`,
        }),
      );
      r.destroy();
    }, req.timeoutMs);
    let answered = false;
    r.on("response", () => {
      answered = true;
    });
    r.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!settled && !answered && r.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
        settled = true;
        reject(new StaleSocket());
        return;
      }
      fail(
        new ConnectionError({
          status: 0,
          code: "CONNECTION_ERROR",
          message: `could not reach keyward at ${req.url.host}: ${e.code ?? e.message}`,
        }),
      );
    });
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}
