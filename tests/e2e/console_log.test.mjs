// Browser tests of the console's event log and webhooks (API.md 13, 14, 16): the real keyward
// binary (webhooks may call 127.0.0.1 over http), a webhook receiver in this process that checks
// signatures, and Debian's Chromium driven by playwright-core. Customers never reach either.
//
//   KEYWARD_BINARY=build/release/keyward node --test tests/e2e/console_log.test.mjs
//
// ctest runs this file (label e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';

import { assertAccessible } from './a11y.mjs';
import { Keyward, launchBrowser, eventually, setUpOperator, signInCustomer } from './harness.mjs';

let kw;
let admin;
let operator;
let customer;
let receiver;
let hookUrl;
const received = [];  // {headers, body} of every delivery, in arrival order
const tag = randomBytes(4).toString('hex');
const acme = { email: `acme-${tag}@example.com`, password: 'customer-pass-1' };
let acmeId;
let otherId;
let tokenId;

const asAdmin = (account) => ({ 'x-api-key': admin, ...(account ? { 'Keyward-Account': account } : {}) });

// Does `delivery` carry a valid Keyward-Signature for `secret` (API.md 14)?
function signedWith(delivery, secret) {
  const parts = Object.fromEntries(delivery.headers['keyward-signature'].split(',').map((p) => p.split('=')));
  const mac = createHmac('sha256', secret).update(`${parts.t}.${delivery.body}`).digest('hex');
  return mac === parts.v1;
}

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/keyward`;
  kw = await Keyward.start({
    config: '[webhooks]\nallow_http = ["127.0.0.1"]\nallow_private = ["127.0.0.1/32"]\n',
  });
  admin = (await kw.cli(['admin-key', 'create'])).stdout.trim();
  const a = await kw.call('POST', '/v1/accounts',
    { headers: asAdmin(), body: { email: acme.email, name: 'Acme', password: acme.password } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  acmeId = a.body.id;
  const other = await kw.call('POST', '/v1/accounts', { headers: asAdmin(), body: { email: `other-${tag}@example.com` } });
  otherId = other.body.id;
  const t = await kw.call('POST', '/v1/tokens', { headers: asAdmin(acmeId), body: { name: 'Backend' } });
  assert.equal(t.status, 200);
  tokenId = t.body.id;
  // 22 updates: more than one page (20) of token.updated events.
  for (let i = 0; i < 22; i++) {
    const u = await kw.call('POST', '/v1/tokens/' + tokenId, { headers: asAdmin(acmeId), body: { metadata: { n: String(i) } } });
    assert.equal(u.status, 200, JSON.stringify(u.body));
  }
  operator = await launchBrowser(path.join(kw.tmp, 'operator-profile'));
  customer = await launchBrowser(path.join(kw.tmp, 'customer-profile'));
  await setUpOperator(kw, operator.page, `ops-${tag}@example.com`, 'operator-pass-1');
});

after(async () => {
  if (operator) await operator.context.close();
  if (customer) await customer.context.close();
  if (receiver) await new Promise((r) => receiver.close(r));
  if (kw) await kw.stop();
});

test('the event log: every account, filtered by type prefix, account and day, paged', async () => {
  const { page } = operator;
  await page.getByRole('button', { name: 'Events', exact: true }).click();
  const rows = page.locator('#c-events-body tr');
  await rows.first().waitFor();
  // The newest 20 of every account's events, as an admin key sees them.
  const everything = await kw.call('GET', '/v1/events?limit=20', { headers: asAdmin() });
  await eventually(async () => (await rows.count()) === 20, 10000, 'a first page of 20');
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.id)),
    everything.body.data.map((e) => e.id));
  await assertAccessible(page, 'the console: the event log');
  const filter = page.locator('#c-events-filter');
  const field = (label) => filter.getByLabel(label, { exact: true });

  // Another account's events, by its id.
  await field('Account').fill(otherId);
  await filter.getByRole('button', { name: 'Filter' }).click();
  await eventually(async () => (await rows.count()) === 1, 10000, "the other account's one event");
  assert.match(await rows.first().textContent(), /account\.created/);

  await field('Which events').fill('token.*');
  await field('Account').fill(acmeId);
  await filter.getByRole('button', { name: 'Filter' }).click();
  await eventually(async () => (await rows.count()) === 20, 10000, 'a first page of 20');
  const types = await page.locator('#c-events-body tr td:nth-child(2)').allTextContents();
  assert.ok(types.every((t) => t.startsWith('token.')), types.join());
  assert.ok((await page.locator('#c-events-body tr td:nth-child(3)').allTextContents()).every((a) => a === acmeId));
  await page.locator('#c-events-more').click();
  await eventually(async () => (await rows.count()) === 23, 10000, 'the second page: 22 updates and the create');
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.id));
  const api = await kw.call('GET', `/v1/events?type=token.*&account=${acmeId}&limit=100`, { headers: asAdmin() });
  assert.deepEqual(ids, api.body.data.map((e) => e.id), 'the same events, newest first, no duplicates');
  assert.ok(await page.locator('#c-events-more').isHidden());

  // The event's data, on demand.
  const first = rows.first();
  await first.locator('summary').click();
  assert.match(await first.locator('pre').textContent(), /"object": "token"/);

  // An exact type; a day with no events; an account id that is not one.
  await field('Which events').fill('token.created');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await eventually(async () => (await rows.count()) === 1, 10000, 'one token.created');
  const tomorrow = new Date(Date.now() + 86400000);
  const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  await field('From').fill(day);
  await filter.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#c-events-empty').waitFor();
  assert.ok(await page.locator('#c-events-table').isHidden());
  await field('From').fill('');
  await field('Account').fill('acct_nope');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#alert', { hasText: 'account' }).waitFor();
});

test('webhooks: add one (secret shown once), deliveries, disable and enable, roll the secret', async () => {
  const { page } = operator;
  await page.getByRole('button', { name: 'Webhooks' }).click();
  await page.locator('#c-wh-empty').waitFor();
  await assertAccessible(page, 'the console: webhooks, none yet');

  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const dialog = page.locator('#c-wh-dialog');
  await dialog.waitFor();
  await assertAccessible(page, 'the console: the add-endpoint dialog');
  // Refused inside the dialog: an unknown event type.
  await dialog.getByLabel('URL').fill(hookUrl);
  await dialog.getByLabel('Events').fill('token.nonsense');
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  await dialog.locator('#c-wh-error').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'c-wh-events');
  assert.equal((await kw.call('GET', '/v1/webhook_endpoints', { headers: asAdmin() })).body.data.length, 0);

  await dialog.getByLabel('Events').fill('token.*, credits.*');
  await dialog.getByLabel('Description').fill('Billing sync');
  await dialog.getByRole('button', { name: 'Add endpoint' }).click();
  const secretDialog = page.locator('#c-secret-dialog');
  await secretDialog.waitFor();
  const secret = await page.locator('#c-secret-value').inputValue();
  assert.match(secret, /^whsec_/);
  assert.ok(!page.url().includes(secret), 'no secret in the URL');
  await assertAccessible(page, 'the console: the secret dialog');
  await page.keyboard.press('Escape');
  await secretDialog.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#c-secret-value').inputValue(), '', 'the page forgets the secret');
  const row = page.locator('#c-wh-body tr', { hasText: hookUrl });
  await row.waitFor();
  assert.match(await row.textContent(), /token\.\*, credits\.\*/);
  assert.match(await row.textContent(), /Every account/);

  // An event reaches the receiver, signed with that secret; the deliveries log shows it.
  const revoked = await kw.call('POST', `/v1/tokens/${tokenId}/revoke`, { headers: asAdmin(acmeId) });
  assert.equal(revoked.status, 200);
  await eventually(async () => received.some((d) => d.headers['keyward-event-type'] === 'token.revoked'), 15000,
    'token.revoked delivered');
  const delivery = received.find((d) => d.headers['keyward-event-type'] === 'token.revoked');
  assert.ok(signedWith(delivery, secret));
  await row.getByRole('button', { name: 'Deliveries to ' + hookUrl }).click();
  const deliveries = page.locator('#c-deliveries-body tr');
  await eventually(async () => {
    if ((await deliveries.count()) === 0) await page.getByRole('button', { name: 'Refresh' }).click();
    return /Succeeded/.test(await page.locator('#c-deliveries-body').textContent());
  }, 15000, 'a succeeded delivery listed');
  assert.match(await deliveries.first().textContent(), new RegExp(delivery.headers['keyward-event-id']));
  assert.match(await deliveries.first().textContent(), /200/);
  await assertAccessible(page, 'the console: deliveries');

  await row.getByRole('button', { name: 'Disable ' + hookUrl }).click();
  await row.locator('.badge', { hasText: 'Disabled' }).waitFor();
  const id = await row.getAttribute('data-id');
  assert.equal((await kw.call('GET', '/v1/webhook_endpoints/' + id, { headers: asAdmin() })).body.status, 'disabled');
  await row.getByRole('button', { name: 'Enable ' + hookUrl }).click();
  await row.locator('.badge', { hasText: 'Enabled' }).waitFor();

  // Roll: Escape first (nothing happens, focus returns), then confirm; the new secret signs.
  const roll = row.getByRole('button', { name: 'Roll secret of ' + hookUrl });
  await roll.focus();
  await page.keyboard.press('Enter');
  await page.locator('#c-roll-dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('#c-roll-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Roll secret of ' + hookUrl);
  await roll.click();
  await page.locator('#c-roll-dialog').getByRole('button', { name: 'Roll secret' }).click();
  await secretDialog.waitFor();
  const rolled = await page.locator('#c-secret-value').inputValue();
  assert.match(rolled, /^whsec_/);
  assert.notEqual(rolled, secret);
  await secretDialog.getByRole('button', { name: "I've saved it" }).click();
  const topUp = await kw.call('POST', `/v1/accounts/${acmeId}/credits`, { headers: asAdmin(), body: { amount: 5 } });
  assert.equal(topUp.status, 200);
  await eventually(async () => received.some((d) => d.headers['keyward-event-type'] === 'credits.topped_up'), 15000,
    'credits.topped_up delivered');
  const after = received.find((d) => d.headers['keyward-event-type'] === 'credits.topped_up');
  assert.ok(signedWith(after, rolled) && !signedWith(after, secret), 'signed with the new secret only');
});

test('isolation: a customer session reaches neither the event log of others nor the webhooks', async () => {
  const { page } = customer;
  await signInCustomer(kw, page, acme.email, acme.password);
  await page.locator('#events-body tr').first().waitFor();
  const answers = await page.evaluate(async (other) => {
    const out = {};
    for (const p of ['/v1/webhook_endpoints', `/v1/events?account=${other}`]) {
      const r = await fetch(p, { credentials: 'same-origin' });
      out[p] = [r.status, (await r.json()).error.code];
    }
    return out;
  }, otherId);
  assert.deepEqual(answers, {
    '/v1/webhook_endpoints': [403, 'FORBIDDEN'],
    [`/v1/events?account=${otherId}`]: [404, 'NOT_FOUND'],
  });
  // The customer's own activity lists only its account's events.
  const listed = await page.evaluate(async () => (await (await fetch('/v1/events?limit=100')).json()).data.map((e) => e.account));
  assert.ok(listed.length > 0 && listed.every((a) => a === acmeId));
});
