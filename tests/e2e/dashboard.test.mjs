// Browser tests of the dashboard (API.md 8): the real keyward binary on a free port with a temporary
// data dir, driven through Debian's Chromium with playwright-core (no browser is downloaded).
//
//   KEYWARD_BINARY=build/release/keyward node --test tests/e2e/dashboard.test.mjs
//
// KEYWARD_E2E_SCREENSHOT=path also saves a screenshot of the dashboard there (docs/dashboard.png
// is made this way). ctest runs this file (label e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

const BINARY = process.env.KEYWARD_BINARY;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BINARY || !fs.existsSync(BINARY)) throw new Error(`KEYWARD_BINARY is not a file: ${BINARY}`);
if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-deps`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keyward-e2e-'));
let server;
let base;
let context;
let page;
const email = `e2e-${randomBytes(4).toString('hex')}@example.com`;
const password = 'correct horse battery';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (server.exitCode !== null) break;
    try {
      const r = await fetch(base + '/healthz');
      if (r.status === 200) return;
    } catch (err) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('keyward did not come up:\n' + fs.readFileSync(path.join(tmp, 'keyward.log'), 'utf8').slice(-3000));
}

const auth = (key) => fetch(base + '/v1/auth', { headers: { 'x-api-key': key } });

// Polls as an agent would, at most once a second, until the status is not `pending`.
async function pollAgent(token, deadlineMs = 20000) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const r = await fetch(`${base}/v1/agent-auth/token/${token}`);
    if (r.status !== 429) {
      assert.equal(r.status, 200);
      const body = await r.json();
      if (body.status !== 'pending' || Date.now() > end) return body;
    }
    await new Promise((res) => setTimeout(res, 1100));
  }
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(tmp, 'keyward.log'), 'w');
  server = spawn(BINARY, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(tmp, 'data')],
    { stdio: ['ignore', log, log] });
  await waitHealthy(20000);
  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
});

after(async () => {
  if (context) await context.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  // Under the asan preset the server's log holds any sanitizer report.
  const log = fs.readFileSync(path.join(tmp, 'keyward.log'), 'utf8');
  const report = /ERROR: (Address|Leak)Sanitizer|runtime error:/.exec(log);
  const exitCode = server ? server.exitCode : null;
  if (!process.env.KEYWARD_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(report, null, 'sanitizer report in the server log:\n' + log.slice(-4000));
  assert.equal(exitCode, 0, 'keyward exits 0 on SIGTERM');
});

test('sign up, create a key shown once, list it, use it, revoke it', async () => {
  await page.goto(base + '/');
  assert.equal(new URL(page.url()).pathname, '/dashboard/');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#keys-empty').waitFor();
  assert.equal(await page.locator('#account-email').textContent(), email);

  await page.getByRole('button', { name: 'Create your first key' }).click();
  await page.getByLabel('Name').fill('Production backend');
  await page.locator('#create-submit').click();
  const reveal = page.locator('#reveal-dialog');
  await reveal.waitFor();
  assert.match(await reveal.textContent(), /you won't see this key again/i);
  const key = await page.locator('#reveal-key').inputValue();
  assert.match(key, /^sk_live_[0-9A-Za-z]{38}$/);
  await page.getByRole('button', { name: "I've saved it" }).click();
  await reveal.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#reveal-key').inputValue(), '', 'the key is gone from the page');

  // Listed with its display prefix, and the full key appears nowhere.
  const row = page.locator('#keys-body tr', { hasText: 'Production backend' });
  await row.waitFor();
  assert.equal(await row.locator('.k-prefix').textContent(), key.slice(0, 12) + '…' + key.slice(-4));
  assert.equal(await row.locator('.k-status').textContent(), 'Active');
  assert.ok(!(await page.content()).includes(key));

  const ok = await auth(key);
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('x-keyward-account').startsWith('acct_'));

  // A second key, so the list (and the screenshot) shows more than one type.
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByLabel('Name').fill('Reporting job');
  await page.getByLabel('Type').selectOption('restricted');
  await page.getByLabel('Permissions').fill('tokens:read, billing:read');
  await page.getByLabel('Mode').selectOption('test');
  await page.locator('#create-submit').click();
  await reveal.waitFor();
  assert.match(await page.locator('#reveal-key').inputValue(), /^rk_test_/);
  await page.getByRole('button', { name: "I've saved it" }).click();
  await page.locator('#keys-body tr', { hasText: 'Reporting job' }).waitFor();

  // The session survives a reload.
  await page.reload();
  await row.waitFor();
  assert.equal(await page.locator('#credits-balance').textContent(), 'Unlimited');
  if (process.env.KEYWARD_E2E_SCREENSHOT) {
    await page.screenshot({ path: process.env.KEYWARD_E2E_SCREENSHOT, fullPage: true });
  }

  // Revoke, with a confirmation.
  await row.getByRole('button', { name: 'Revoke Production backend' }).click();
  const confirm = page.locator('#revoke-dialog');
  await confirm.waitFor();
  assert.match(await confirm.textContent(), /cannot be undone/);
  await page.locator('#revoke-confirm').click();
  await page.locator('#keys-body tr', { hasText: 'Production backend' }).locator('.k-status', { hasText: 'Revoked' }).waitFor();
  const refused = await auth(key);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'UNAUTHORIZED');
});

test('mint an access token and roll a key from the page', async () => {
  await page.goto(base + '/dashboard/');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByLabel('Name').fill('Frontend minting');
  await page.locator('#create-submit').click();
  await page.getByRole('button', { name: "I've saved it" }).click();
  const row = page.locator('#keys-body tr', { hasText: 'Frontend minting' });
  await row.waitFor();

  const parent = await page.locator('#at-parent option', { hasText: 'Frontend minting' }).getAttribute('value');
  await page.locator('#at-parent').selectOption(parent);
  await page.getByRole('button', { name: 'Mint token' }).click();
  await page.locator('#at-result').waitFor();
  const at = await page.locator('#at-value').inputValue();
  assert.match(at, /^at_/);
  assert.equal((await auth(at)).status, 200);

  await row.getByRole('button', { name: 'Roll Frontend minting' }).click();
  await page.getByLabel('Keep the old key working for').selectOption('0');
  await page.locator('#roll-confirm').click();
  await page.locator('#reveal-dialog').waitFor();
  const rolled = await page.locator('#reveal-key').inputValue();
  assert.match(rolled, /^sk_live_/);
  await page.getByRole('button', { name: "I've saved it" }).click();
  assert.equal((await auth(rolled)).status, 200);
  assert.equal((await auth(at)).status, 401, 'the old key and its access token died with the roll');
});

test('an agent gets a working key after the person clicks Approve', async () => {
  const token = randomBytes(32).toString('hex');
  assert.deepEqual(await (await fetch(`${base}/v1/agent-auth/token/${token}`)).json(), { status: 'pending' });
  await page.goto(`${base}/agent-auth?token=${token}&client_name=${encodeURIComponent('E2E Agent')}`);
  await page.locator('#decide-view').waitFor();
  assert.match(await page.locator('#decide-view h1').textContent(), /E2E Agent wants an API key/);
  assert.equal(await page.locator('#request-code').textContent(), token.slice(0, 8));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('#done-view').waitFor();
  assert.equal(await page.locator('#done-title').textContent(), 'Approved');

  const got = await pollAgent(token);
  assert.equal(got.status, 'approved');
  assert.equal(got.email, email);
  assert.match(got.api_key, /^sk_live_/);
  assert.equal((await auth(got.api_key)).status, 200);
  assert.equal((await pollAgent(token)).status, 'expired', 'the key is handed out once');

  await page.goto(base + '/dashboard/');
  await page.locator('#keys-body tr', { hasText: 'E2E Agent (agent)' }).waitFor();
});

test('an agent that is denied gets no key', async () => {
  const token = randomBytes(32).toString('hex');
  await page.goto(`${base}/agent-auth?token=${token}&client_name=Denied%20Agent`);
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.locator('#done-view').waitFor();
  assert.equal(await page.locator('#done-title').textContent(), 'Denied');
  assert.equal((await pollAgent(token)).status, 'denied');
});

test('sign out, then sign in again; a signed-out agent page asks to sign in first', async () => {
  await page.goto(base + '/dashboard/');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#auth-view').waitFor();
  const token = randomBytes(32).toString('hex');
  await page.goto(`${base}/agent-auth?token=${token}&client_name=Later`);
  await page.locator('#auth-view').waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#alert', { hasText: 'The email or password is incorrect.' }).waitFor();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#decide-view').waitFor();
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.locator('#done-view').waitFor();
});

test('keyboard: the create dialog opens with Enter, takes focus and closes with Escape', async () => {
  await page.goto(base + '/dashboard/');
  await page.locator('#keys-body tr').first().waitFor();
  await page.locator('#new-key').focus();
  await page.keyboard.press('Enter');
  await page.locator('#create-dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'key-name');
  await page.keyboard.press('Escape');
  await page.locator('#create-dialog').waitFor({ state: 'hidden' });
});

test('readable at phone width', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/dashboard/');
  await page.locator('#keys-body tr').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
  if (process.env.KEYWARD_E2E_PHONE_SCREENSHOT) {
    await page.screenshot({ path: process.env.KEYWARD_E2E_PHONE_SCREENSHOT, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});
