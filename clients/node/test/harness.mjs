// Starts the REAL keyward binary for the client tests, as tests/integration/harness does: a
// temporary data dir, `keyward admin-key create` for the first admin key, `keyward serve` on a
// free loopback port, ready once GET /healthz answers 200. The binary is $KEYWARD_BINARY, else
// build/release/keyward of this repository. The server is stopped (SIGTERM, then SIGKILL) by
// stop(), and dies with the test process.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../../..");

export function keywardBinary() {
  const bin = process.env.KEYWARD_BINARY ?? path.join(repoRoot, "build/release/keyward");
  if (!existsSync(bin)) {
    throw new Error(`keyward binary not found at ${bin}: build it, or set KEYWARD_BINARY`);
  }
  return bin;
}

/** A free loopback port (bind 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("KEYWARD_")) env[k] = v;
  return env;
}

async function waitHealthy(url, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`keyward exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 25)); // readiness polling
  }
  throw new Error(`keyward did not answer /healthz within ${deadlineMs} ms: ${last}`);
}

export class KeywardServer {
  /** @param {{config?: string}} options config: TOML written to DIR/keyward.toml */
  constructor(options = {}) {
    this.options = options;
    this.bin = keywardBinary();
    this.dir = mkdtempSync(path.join(tmpdir(), "keyward-clients-"));
    this.configPath = undefined;
    if (options.config) {
      this.configPath = path.join(this.dir, "keyward.toml");
      writeFileSync(this.configPath, options.config);
    }
    this.child = undefined;
  }

  storeArgs() {
    const a = ["--data-dir", this.dir];
    if (this.configPath) a.push("--config", this.configPath);
    return a;
  }

  /** Runs `keyward ARGS` to completion; returns {status, stdout, stderr}. */
  cli(args) {
    const r = spawnSync(this.bin, args, { cwd: this.dir, env: childEnv(), encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async start() {
    if (!this.adminKey) {
      const r = this.cli(["admin-key", "create", ...this.storeArgs()]);
      const line = r.stdout.split("\n").map((l) => l.trim()).find((l) => l.startsWith("ak_"));
      if (r.status !== 0 || !line) {
        throw new Error(`keyward admin-key create failed (${r.status}): ${r.stdout} ${r.stderr}`);
      }
      this.adminKey = line;
    }
    let lastError;
    for (let attempt = 0; attempt < 3; ++attempt) {
      this.port = await freePort();
      this.url = `http://127.0.0.1:${this.port}`;
      const log = path.join(this.dir, "keyward.log");
      const fd = openSync(log, "a");
      this.child = spawn(
        this.bin,
        ["serve", "--listen", `127.0.0.1:${this.port}`, ...this.storeArgs()],
        { cwd: this.dir, env: childEnv(), stdio: ["ignore", fd, fd] },
      );
      const child = this.child;
      process.once("exit", () => {
        if (child.exitCode === null) child.kill("SIGKILL"); // never leave a server behind
      });
      try {
        await waitHealthy(this.url, this.child, 20_000);
        return this;
      } catch (e) {
        lastError = e;
        this.kill();
      }
    }
    throw new Error(`${lastError?.message}\n---- log tail ----\n${this.logTail()}`);
  }

  logTail(bytes = 4000) {
    try {
      const s = readFileSync(path.join(this.dir, "keyward.log"), "utf8");
      return s.slice(-bytes);
    } catch {
      return "";
    }
  }

  kill() {
    if (this.child && this.child.exitCode === null) this.child.kill("SIGKILL");
    this.child = undefined;
  }

  /** SIGTERM, wait for the exit (≤ 15 s), SIGKILL after that. */
  async stop() {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  async close() {
    await this.stop();
    if (process.env.KEYWARD_IT_KEEP !== "1") rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The config the live tests use: one protected route with a permission, a cost and a limit. */
export const testConfig = `
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
cost = 1
rate_limit = "3/hour"
`;

/** Does this keyward serve `method path`? (false when it answers 404/405 for an unknown path) */
export async function serves(url, adminKey, method, pathName) {
  const r = await fetch(`${url}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: method === "POST" ? "{}" : undefined,
  });
  if (r.status !== 404 && r.status !== 405) return true;
  const body = await r.json().catch(() => ({}));
  // A 404 for an object (e.g. an unknown id) still means the route exists.
  return r.status === 404 && !/path|route|no such/i.test(body?.error?.message ?? "");
}
