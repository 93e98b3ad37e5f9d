// Browser tests of the operator console and the usage charts (API.md 12, 16), and axe-core on
// every view, the customer's and the operator's: the real keyward binary, its CLI, and Debian's
// Chromium driven by playwright-core.
//
//   KEYWARD_BINARY=build/release/keyward node --test tests/e2e/console.test.mjs
//
// ctest runs this file (label e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { assertAccessible } from './a11y.mjs';
import { Keyward, launchBrowser, eventually } from './harness.mjs';

let kw;
let admin;          // an admin key
let operator;       // the operator's browser
let customer;       // the customer's browser
const tag = randomBytes(4).toString('hex');
const acme = { email: `acme-${tag}@example.com`, password: 'customer-pass-1' };
const opsEmail = `ops-${tag}@example.com`;
const opsPassword = 'operator-pass-1';
let acmeId;
const keys = {};    // name → {id, key}

const auth = (key) => fetch(kw.base + '/v1/auth', { headers: { 'x-api-key': key } });
const asAdmin = (account) => ({ 'x-api-key': admin, ...(account ? { 'Keyward-Account': account } : {}) });

async function newKey(name, extra = {}) {
  const r = await kw.call('POST', '/v1/tokens', { headers: asAdmin(acmeId), body: { name, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  keys[name] = { id: r.body.id, key: r.body.key };
}

before(async () => {
  kw = await Keyward.start();
  admin = (await kw.cli(['admin-key', 'create'])).stdout.trim();
  assert.match(admin, /^ak_/);
  const a = await kw.call('POST', '/v1/accounts',
    { headers: asAdmin(), body: { email: acme.email, name: 'Acme', credits: 100, password: acme.password } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  acmeId = a.body.id;
  for (let i = 0; i < 3; i++) {
    const other = await kw.call('POST', '/v1/accounts', { headers: asAdmin(), body: { email: `other-${i}-${tag}@example.com` } });
    assert.equal(other.status, 200);
  }
  await newKey('Production backend');
  await newKey('Billing job');
  await newKey('Old demo', { expires_at: Math.floor(Date.now() / 1000) + 2 });
  for (let i = 0; i < 3; i++) assert.equal((await auth(keys['Production backend'].key)).status, 200);
  operator = await launchBrowser(path.join(kw.tmp, 'operator-profile'));
  customer = await launchBrowser(path.join(kw.tmp, 'customer-profile'));
});

after(async () => {
  if (operator) await operator.context.close();
  if (customer) await customer.context.close();
  if (kw) await kw.stop();
});

test('operators create prints a one-time set-up link; the operator chooses a password and sees the console', async () => {
  const { page } = operator;
  const { stdout, stderr } = await kw.cli(['operators', 'create', '--email', opsEmail],
    { KEYWARD_SERVER_PUBLIC_URL: kw.base + '/' });
  const link = stdout.trim();
  assert.match(link, new RegExp('^' + kw.base.replace(/\./g, '\\.') + '/dashboard/setup#token=[0-9A-Za-z]{43}$'));
  assert.match(stderr, /valid for 24 hours/);

  await page.goto(link);
  await page.getByRole('heading', { name: 'Set up your operator account' }).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await assertAccessible(page, 'the set-up page');
  await page.getByLabel('New password').fill(opsPassword);
  await page.getByLabel('Repeat the password').fill(opsPassword);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.locator('#console-view').waitFor();
  assert.equal(new URL(page.url()).pathname, '/dashboard/');
  assert.equal(await page.locator('#console-view h1').textContent(), 'Operator console');
  assert.match(await page.locator('#account-email').textContent(), /\(operator\)/);
  await page.locator('#c-accounts-body tr', { hasText: acme.email }).waitFor();
  await assertAccessible(page, 'the console: accounts');

  // The link worked once.
  await page.goto(link);
  await page.getByLabel('New password').fill('another-pass-1');
  await page.getByLabel('Repeat the password').fill('another-pass-1');
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.locator('#alert', { hasText: 'invalid, used or expired' }).waitFor();
});

test('find an account, top it up, revoke a key and see it refused', async () => {
  const { page } = operator;
  await page.goto(kw.base + '/dashboard/');
  await page.locator('#console-view').waitFor();
  await page.getByLabel('E-mail contains').fill(`ACME-${tag}`);
  await page.getByRole('button', { name: 'Search' }).click();
  const rows = page.locator('#c-accounts-body tr');
  await eventually(async () => (await rows.count()) === 1, 10000, 'one account matches');
  const row = rows.first();
  assert.match(await row.textContent(), new RegExp(acme.email));
  assert.deepEqual((await row.locator('td').allTextContents()).slice(1, 5), ['Acme', 'default', '100', '3']);
  await row.getByRole('button', { name: 'Open ' + acme.email }).click();
  await page.locator('#c-account').waitFor();
  assert.equal(await page.locator('#c-account-title').textContent(), acme.email);
  assert.equal(await page.locator('#c-credits').textContent(), '100');
  await page.locator('#c-keys-body tr', { hasText: 'Production backend' }).waitFor();
  await assertAccessible(page, 'the console: an account');

  await page.getByLabel('Add credits').fill('50');
  await page.getByRole('button', { name: 'Top up' }).click();
  await page.locator('#c-credits', { hasText: '150' }).waitFor();
  const after = await kw.call('GET', '/v1/accounts/' + acmeId, { headers: asAdmin() });
  assert.equal(after.body.credits, 150);

  const target = page.locator('#c-keys-body tr', { hasText: 'Billing job' });
  assert.equal((await auth(keys['Billing job'].key)).status, 200);
  await target.getByRole('button', { name: 'Revoke Billing job' }).click();
  const dialog = page.locator('#c-revoke-dialog');
  await dialog.waitFor();
  await assertAccessible(page, 'the console: the revoke dialog');
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await target.locator('.badge', { hasText: 'Revoked' }).waitFor();
  const refused = await auth(keys['Billing job'].key);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'UNAUTHORIZED');
  assert.equal((await auth(keys['Production backend'].key)).status, 200, 'only that key');
});

test('keyboard: the console dialog keeps focus inside, closes on Escape and gives focus back', async () => {
  const { page } = operator;
  const button = page.locator('#c-keys-body').getByRole('button', { name: 'Revoke Production backend' });
  await button.focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('#c-revoke-dialog');
  await dialog.waitFor();
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
    assert.ok(await page.evaluate(() => document.activeElement.closest('#c-revoke-dialog') !== null),
      'focus stays in the dialog');
  }
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement.closest('#c-revoke-dialog') !== null));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')),
    'Revoke Production backend');
  assert.equal((await auth(keys['Production backend'].key)).status, 200, 'Escape revoked nothing');
});

// Opens Acme's page in the operator's console (fresh: the page is loaded again).
async function openAcme(page) {
  await page.goto(kw.base + '/dashboard/');
  await page.locator('#console-view').waitFor();
  await page.getByLabel('E-mail contains').fill(acme.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#c-accounts-body tr', { hasText: acme.email }).getByRole('button', { name: 'Open ' + acme.email }).click();
  await page.locator('#c-account').waitFor();
  await page.locator('#c-keys-body tr').first().waitFor();
}

const eventsOf = async (query) =>
  (await kw.call('GET', '/v1/events?' + query, { headers: asAdmin() })).body.data;

test('the account page: disable and enable a key, saying the operator did it', async () => {
  const { page } = operator;
  await newKey('Worker');
  await openAcme(page);
  assert.match(await page.locator('#c-acting').textContent(), /acting on this account as an operator/);
  const row = page.locator('#c-keys-body tr', { hasText: 'Worker' });
  assert.equal((await auth(keys.Worker.key)).status, 200);

  await row.getByRole('button', { name: 'Disable Worker' }).click();
  await row.locator('.badge', { hasText: 'Disabled' }).waitFor();
  const refused = await auth(keys.Worker.key);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.message, 'The API key is disabled.');
  assert.equal((await auth(keys['Production backend'].key)).status, 200, 'only that key');
  // The account's events show it, by the operator (not the customer, not an admin key).
  const shown = page.locator('#c-acct-events-body tr', { hasText: 'token.disabled' });
  await shown.first().waitFor();
  assert.match(await shown.first().textContent(), /Operator op_/);
  const [event] = await eventsOf(`type=token.disabled&account=${acmeId}`);
  assert.equal(event.actor.type, 'operator');
  assert.equal(event.data.object.id, keys.Worker.id);
  await assertAccessible(page, 'the console: an account with a disabled key and its events');

  await row.getByRole('button', { name: 'Enable Worker' }).click();
  await row.locator('.badge', { hasText: 'Active' }).waitFor();
  assert.equal((await auth(keys.Worker.key)).status, 200);
  await page.locator('#c-acct-events-body tr', { hasText: 'token.enabled' }).first().waitFor();

  // The operator's session never acts as a customer silently: an account's keys only when the
  // request names the account, and never a customer's own action.
  const answers = await page.evaluate(async () => {
    const r = await fetch('/v1/tokens', { credentials: 'same-origin' });
    const body = await r.json();
    const s = await (await fetch('/v1/session')).json();
    const approve = await fetch('/v1/agent-auth/approve', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: JSON.stringify({ token: 'a'.repeat(64), decision: 'approve', client_name: 'x' }),
    });
    return { tokens: [r.status, body.error.param], approve: approve.status };
  });
  assert.deepEqual(answers, { tokens: [400, 'Keyward-Account'], approve: 403 });
});

test('the account page: overrides and metadata, then disable and enable the account', async () => {
  const { page } = operator;
  await openAcme(page);
  const edit = page.getByRole('button', { name: 'Edit plan, limits and metadata' });
  await edit.click();
  const dialog = page.locator('#c-edit-dialog');
  await dialog.waitFor();
  await assertAccessible(page, 'the console: the edit-account dialog');
  // A bad limit is refused inside the dialog, which stays open; nothing changes.
  await dialog.getByLabel('Per-key limit').fill('lots');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.locator('#c-edit-error').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'c-edit-rate');
  assert.equal((await kw.call('GET', '/v1/accounts/' + acmeId, { headers: asAdmin() })).body.overrides.rate_limit, null);

  await dialog.getByLabel('Per-key limit').fill('1000/min');
  await dialog.getByLabel('Account limit').fill('5000/hour');
  await dialog.getByLabel('Metadata').fill('crm=42\nregion=eu');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#c-rate-limit', { hasText: '1000/min (override)' }).waitFor();
  let stored = (await kw.call('GET', '/v1/accounts/' + acmeId, { headers: asAdmin() })).body;
  assert.deepEqual(stored.overrides, { rate_limit: '1000/min', account_rate_limit: '5000/hour' });
  assert.deepEqual(stored.metadata, { crm: '42', region: 'eu' });
  await page.locator('#c-acct-events-body tr', { hasText: 'account.updated' }).first().waitFor();

  // Back to the plan's limits, one metadata key removed; Escape on a reopened dialog changes nothing.
  await edit.click();
  await dialog.getByLabel('Per-key limit').fill('');
  await dialog.getByLabel('Account limit').fill('');
  await dialog.getByLabel('Metadata').fill('crm=42');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.locator('#c-rate-limit', { hasText: "the plan's" }).waitFor();
  stored = (await kw.call('GET', '/v1/accounts/' + acmeId, { headers: asAdmin() })).body;
  assert.deepEqual(stored.overrides, { rate_limit: null, account_rate_limit: null });
  assert.deepEqual(stored.metadata, { crm: '42' });
  await edit.click();
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'c-edit');

  // Disable: every key of the account is refused; the accounts list shows it.
  await page.getByRole('button', { name: 'Disable account' }).click();
  await page.locator('#c-disable-dialog').waitFor();
  await assertAccessible(page, 'the console: the disable-account dialog');
  await page.locator('#c-disable-dialog').getByRole('button', { name: 'Disable account' }).click();
  await page.locator('#c-status-value .badge', { hasText: 'Disabled' }).waitFor();
  await eventually(async () => (await page.evaluate(() => document.activeElement.id)) === 'c-enable', 5000, 'focus on Enable account');
  const refused = await auth(keys['Production backend'].key);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.message, 'The account is disabled.');
  await page.getByRole('button', { name: '← All accounts' }).click();
  const rows = page.locator('#c-accounts-body tr', { hasText: acme.email });
  await eventually(async () => (await rows.count()) === 1 && /Disabled/.test(await rows.first().textContent()),
    10000, 'the account is listed as disabled');
  await assertAccessible(page, 'the console: accounts with a disabled one');

  await rows.first().getByRole('button', { name: 'Open ' + acme.email }).click();
  await page.getByRole('button', { name: 'Enable account' }).click();
  await page.locator('#c-status-value .badge', { hasText: 'Active' }).waitFor();
  assert.equal((await auth(keys['Production backend'].key)).status, 200);
  const types = (await eventsOf(`account=${acmeId}&type=account.*`)).map((e) => [e.type, e.actor.type]);
  assert.deepEqual(types.slice(0, 2), [['account.enabled', 'operator'], ['account.disabled', 'operator']]);
});

test('the usage charts: the whole service, and an account', async () => {
  const { page } = operator;
  // The range the chart asks for (web/charts.js): the last 24 whole hours up to the next hour.
  const to = Math.ceil(Date.now() / 1000 / 3600) * 3600;
  const usage = await kw.call('GET', `/v1/usage?granularity=hour&from=${to - 86400}&to=${to}`,
                              { headers: asAdmin() });
  await page.getByRole('button', { name: 'Service usage' }).click();
  const box = page.locator('#c-service-chart');
  if (usage.status === 404) {
    // Usage counting (API.md 12) is not in this build: the page says so instead of a chart.
    await box.getByText('Usage is not available on this server.').waitFor();
  } else {
    assert.equal(usage.status, 200);
    await box.locator('svg.chart').waitFor();
    assert.equal(await box.locator('tbody tr').count(), usage.body.data.length);
    const label = await box.locator('svg.chart').getAttribute('aria-label');
    assert.match(label, /Usage of the whole service/);
  }
  await assertAccessible(page, 'the console: service usage');
});

test('isolation: a customer session sees the dashboard, never console data', async () => {
  const { page } = customer;
  await page.goto(kw.base + '/dashboard/');
  await page.locator('#auth-view').waitFor();
  await assertAccessible(page, 'the sign-in page');
  await page.getByLabel('Email').fill(acme.email);
  await page.getByLabel('Password').fill(acme.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#app-view').waitFor();
  assert.ok(await page.locator('#console-view').isHidden());
  const answers = await page.evaluate(async () => {
    const out = {};
    for (const p of ['/v1/console/accounts', '/v1/accounts']) {
      const r = await fetch(p, { credentials: 'same-origin' });
      out[p] = [r.status, (await r.json()).error.code];
    }
    return out;
  });
  assert.deepEqual(answers, { '/v1/console/accounts': [403, 'FORBIDDEN'], '/v1/accounts': [403, 'FORBIDDEN'] });
});

test('axe-core: the customer dashboard with an expired key, its usage chart and its dialogs', async () => {
  const { page } = customer;
  await eventually(async () => {
    const t = await kw.call('GET', '/v1/tokens/' + keys['Old demo'].id, { headers: asAdmin(acmeId) });
    return t.body.status === 'expired';
  }, 15000, 'the short-lived key expires');
  await page.goto(kw.base + '/dashboard/');
  await page.locator('#keys-body tr', { hasText: 'Old demo' }).locator('.badge', { hasText: 'Expired' }).waitFor();
  await page.locator('#usage-chart > *').first().waitFor();
  assert.equal(await page.locator('#app-view h1').textContent(), 'Your API keys');
  await assertAccessible(page, 'the customer dashboard');

  // Usage per key: the selector lists the account's keys.
  const option = page.locator('#usage-scope option', { hasText: 'Production backend' });
  await page.locator('#usage-scope').selectOption(await option.getAttribute('value'));
  await page.locator('#usage-range').selectOption('30d');
  await page.locator('#usage-chart > *').first().waitFor();
  await assertAccessible(page, 'the customer dashboard: usage of one key');

  await page.getByRole('button', { name: 'Create key' }).click();
  await page.locator('#create-dialog').waitFor();
  await assertAccessible(page, 'the customer dashboard: the create dialog');
  await page.keyboard.press('Escape');
  await page.locator('#create-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-key', 'focus goes back');
});
