// What the browser test files share: a keyward binary started on a free port with a temporary
// data dir (stopped with SIGTERM, which must exit 0), its CLI run against the same data dir, and
// Debian's Chromium driven by playwright-core (no browser is downloaded).
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  throw new Error('playwright-core is missing: run scripts/install-deps (it runs npm ci in tests/e2e)');
}

export const BINARY = process.env.KEYWARD_BINARY;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BINARY || !fs.existsSync(BINARY)) throw new Error(`KEYWARD_BINARY is not a file: ${BINARY}`);
if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps`);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class Keyward {
  // Starts `keyward serve` (with `config`, TOML text, as its --config file when given); resolves
  // once /healthz answers 200 (20 s deadline).
  static async start({ config } = {}) {
    const k = new Keyward();
    k.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keyward-e2e-'));
    k.dataDir = path.join(k.tmp, 'data');
    const port = await freePort();
    k.base = `http://127.0.0.1:${port}`;
    const log = fs.openSync(path.join(k.tmp, 'keyward.log'), 'w');
    const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', k.dataDir];
    if (config !== undefined) {
      fs.writeFileSync(path.join(k.tmp, 'keyward.toml'), config);
      args.push('--config', path.join(k.tmp, 'keyward.toml'));
    }
    k.server = spawn(BINARY, args, { stdio: ['ignore', log, log] });
    const end = Date.now() + 20000;
    while (Date.now() < end && k.server.exitCode === null) {
      try {
        if ((await fetch(k.base + '/healthz')).status === 200) return k;
      } catch (err) { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('keyward did not come up:\n' + k.log().slice(-3000));
  }

  log() {
    return fs.readFileSync(path.join(this.tmp, 'keyward.log'), 'utf8');
  }

  // Runs the CLI on the server's data dir; resolves with {stdout, stderr}.
  cli(args, env = {}) {
    return new Promise((resolve, reject) => {
      execFile(BINARY, [...args, '--data-dir', this.dataDir],
        { env: { ...process.env, ...env }, timeout: 30000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`keyward ${args.join(' ')} failed: ${stderr}`));
          else resolve({ stdout, stderr });
        });
    });
  }

  // JSON call as an API client; resolves with {status, body}.
  async call(method, p, { headers = {}, body } = {}) {
    const r = await fetch(this.base + p, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try { json = await r.json(); } catch (err) { json = null; }
    return { status: r.status, body: json, headers: r.headers };
  }

  // Stops the server (SIGTERM: exit 0 expected) and removes the temporary directory.
  async stop() {
    if (this.server && this.server.exitCode === null) {
      const exited = new Promise((r) => this.server.once('exit', r));
      this.server.kill('SIGTERM');
      await exited;
    }
    const log = this.log();
    const report = /ERROR: (Address|Leak)Sanitizer|runtime error:/.exec(log);
    const exitCode = this.server ? this.server.exitCode : null;
    if (!process.env.KEYWARD_E2E_KEEP) fs.rmSync(this.tmp, { recursive: true, force: true });
    assert.equal(report, null, 'sanitizer report in the server log:\n' + log.slice(-4000));
    assert.equal(exitCode, 0, 'keyward exits 0 on SIGTERM');
  }
}

// A fresh Chromium with its own profile (cookies) under `dir`.
export async function launchBrowser(dir) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  return { context, page };
}

// Polls `fn` (async → truthy when done) every 100 ms until it is truthy or `ms` pass.
export async function eventually(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Creates an operator with the CLI and sets its password through the set-up page in `page`;
// resolves once the console shows.
export async function setUpOperator(kw, page, email, password) {
  const { stdout } = await kw.cli(['operators', 'create', '--email', email],
    { KEYWARD_SERVER_PUBLIC_URL: kw.base + '/' });
  await page.goto(stdout.trim());
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Repeat the password').fill(password);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.locator('#console-view').waitFor();
}

// Signs a customer in through the dashboard's form in `page`; resolves once the dashboard shows.
export async function signInCustomer(kw, page, email, password) {
  await page.goto(kw.base + '/dashboard/');
  await page.locator('#auth-view').waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#app-view').waitFor();
}
