// Browser tests of what a customer controls on the dashboard (API.md 11.1, 13, 16): a key's
// metadata and IP allowlist, disable and enable, and the account's own events; the real keyward
// binary and Debian's Chromium driven by playwright-core. Every view and dialog is checked with
// axe-core, and the dialog by keyboard.
//
//   KEYWARD_BINARY=build/release/keyward node --test tests/e2e/customer_control.test.mjs
//
// ctest runs this file (label e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { assertAccessible } from './a11y.mjs';
import { Keyward, launchBrowser, eventually, signInCustomer } from './harness.mjs';

let kw;
let admin;
let browser;
const tag = randomBytes(4).toString('hex');
const acme = { email: `acme-${tag}@example.com`, password: 'customer-pass-1' };
let acmeId;
let key;  // {id, key}

const auth = (k) => fetch(kw.base + '/v1/auth', { headers: { 'x-api-key': k } });
const asAdmin = (account) => ({ 'x-api-key': admin, ...(account ? { 'Keyward-Account': account } : {}) });
const stored = async () => (await kw.call('GET', '/v1/tokens/' + key.id, { headers: asAdmin(acmeId) })).body;

before(async () => {
  kw = await Keyward.start();
  admin = (await kw.cli(['admin-key', 'create'])).stdout.trim();
  const a = await kw.call('POST', '/v1/accounts',
    { headers: asAdmin(), body: { email: acme.email, password: acme.password } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  acmeId = a.body.id;
  const t = await kw.call('POST', '/v1/tokens', { headers: asAdmin(acmeId), body: { name: 'Search backend' } });
  assert.equal(t.status, 200);
  key = { id: t.body.id, key: t.body.key };
  browser = await launchBrowser(path.join(kw.tmp, 'profile'));
  await signInCustomer(kw, browser.page, acme.email, acme.password);
});

after(async () => {
  if (browser) await browser.context.close();
  if (kw) await kw.stop();
});

test('edit a key: metadata and an IP allowlist that is enforced, errors inside the dialog', async () => {
  const { page } = browser;
  const row = page.locator('#keys-body tr', { hasText: 'Search backend' });
  await row.getByRole('button', { name: 'Edit Search backend' }).click();
  const dialog = page.locator('#edit-dialog');
  await dialog.waitFor();
  await assertAccessible(page, 'the dashboard: the edit-key dialog');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-metadata', 'focus in the dialog');

  // A CIDR with host bits set is refused; the dialog keeps what was typed and says why.
  await dialog.getByLabel('Metadata').fill('team=search\nplan=gold');
  await dialog.getByLabel('Allowed client addresses').fill('10.1.2.3/8');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.locator('#edit-error').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-allowlist');
  assert.deepEqual((await stored()).metadata, {}, 'nothing changed');

  await dialog.getByLabel('Allowed client addresses').fill('10.0.0.0/8, 192.0.2.7');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await row.locator('.k-allowlist', { hasText: 'Allowed from 10.0.0.0/8, 192.0.2.7/32' }).waitFor();
  assert.match(await row.locator('.k-metadata').textContent(), /plan=gold, team=search/);
  const t = await stored();
  assert.deepEqual(t.metadata, { team: 'search', plan: 'gold' });
  assert.deepEqual(t.ip_allowlist, ['10.0.0.0/8', '192.0.2.7/32']);
  // This test runs from 127.0.0.1: outside the allowlist.
  const refused = await auth(key.key);
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error.message, 'The client address is not allowed for this key.');

  // Keyboard: Escape closes without saving, focus returns to the Edit button.
  const edit = row.getByRole('button', { name: 'Edit Search backend' });
  await edit.focus();
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
    assert.ok(await page.evaluate(() => document.activeElement.closest('#edit-dialog') !== null), 'focus stays in the dialog');
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Edit Search backend');

  // Remove one metadata key and the allowlist: the key works again from anywhere.
  await edit.click();
  await dialog.getByLabel('Metadata').fill('team=search');
  await dialog.getByLabel('Allowed client addresses').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await eventually(async () => (await row.locator('.k-allowlist').count()) === 0, 10000, 'the allowlist is gone');
  const after = await stored();
  assert.deepEqual(after.metadata, { team: 'search' });
  assert.deepEqual(after.ip_allowlist, []);
  await eventually(async () => (await auth(key.key)).status === 200, 5000, 'the key works again');
});

test('disable and enable a key from the dashboard', async () => {
  const { page } = browser;
  const row = page.locator('#keys-body tr', { hasText: 'Search backend' });
  await row.getByRole('button', { name: 'Disable Search backend' }).click();
  await row.locator('.badge', { hasText: 'Disabled' }).waitFor();
  const refused = await auth(key.key);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.message, 'The API key is disabled.');
  await assertAccessible(page, 'the dashboard with a disabled key');
  await row.getByRole('button', { name: 'Enable Search backend' }).click();
  await row.locator('.badge', { hasText: 'Active' }).waitFor();
  assert.equal((await auth(key.key)).status, 200);
});

test("the account's own events: what was done, by whom, filtered by kind and day", async () => {
  const { page } = browser;
  await page.goto(kw.base + '/dashboard/');
  const rows = page.locator('#events-body tr');
  await rows.first().waitFor();
  const text = await page.locator('#events-body').textContent();
  for (const type of ['token.updated', 'token.disabled', 'token.enabled', 'token.created', 'session.created']) {
    assert.ok(text.includes(type), `${type} listed`);
  }
  const disabled = page.locator('#events-body tr', { hasText: 'token.disabled' }).first();
  assert.match(await disabled.textContent(), /Dashboard/);
  assert.match(await disabled.textContent(), /Search backend/);
  await assertAccessible(page, 'the dashboard: activity');

  const card = page.locator('#events-filter');
  await card.getByLabel('Show').selectOption('token.*');
  await eventually(async () => {
    const types = await page.locator('#events-body tr td:nth-child(2)').allTextContents();
    return types.length > 0 && types.every((t) => t.startsWith('token.'));
  }, 10000, 'only key events');
  const tomorrow = new Date(Date.now() + 86400000);
  const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  await card.getByLabel('From').fill(day);
  await page.locator('#events-empty').waitFor();
  await card.getByLabel('From').fill('');
  await card.getByLabel('Until').fill(day);
  await rows.first().waitFor();
});
