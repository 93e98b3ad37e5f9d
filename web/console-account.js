// The console's account page (API.md 16, 11.3): the account (credits, plan, overrides, metadata,
// status), its keys (disable/enable, revoke), credits top-up, plan/overrides/metadata edit, disable
// and enable the account, its usage chart and its events. An operator acts on the account's keys
// by naming it in Keyward-Account, and the page says so: every change is recorded with the
// operator as its actor. `ctx`: { fail(err) shows an error, back() returns to the list }.
'use strict';

function kwConsoleAccount(ctx) {
  const { api, $, showAlert, clearAlert, cell, statusBadge, badge, smallButton } = kw;
  const state = { account: null, keys: [], target: null };
  const typeLabel = { secret: 'Secret', publishable: 'Publishable', restricted: 'Restricted' };
  const credits = (c) => (c === null || c === undefined ? 'Unlimited' : c.toLocaleString());
  const as = () => ({ 'Keyward-Account': state.account.id });
  const path = (suffix) => `/v1/accounts/${encodeURIComponent(state.account.id)}${suffix || ''}`;

  const events = kwEvents.feed(
    { body: 'c-acct-events-body', table: 'c-acct-events-table', empty: 'c-acct-events-empty', more: 'c-acct-events-more' },
    () => {
      const q = new URLSearchParams({ account: state.account.id });
      const type = $('c-acct-events-type').value;
      if (type) q.set('type', type);
      return q;
    }, ctx.fail, true);

  async function open(id) {
    clearAlert();
    try {
      state.account = await api('GET', '/v1/accounts/' + encodeURIComponent(id));
    } catch (err) {
      ctx.fail(err);
      return;
    }
    render();
    events.clear();
    $('c-accounts').hidden = true;
    $('c-account').hidden = false;
    $('c-account-title').focus();
    await loadKeys();
    loadUsage();
    events.load(false);
  }

  function close() {
    state.account = null;
    state.keys = [];
    $('c-keys-body').replaceChildren();
    events.clear();
  }

  function render() {
    const a = state.account;
    $('c-account-title').textContent = a.email || a.name || a.id;
    $('c-account-id').textContent = a.id + (a.name ? ' · ' + a.name : '');
    $('c-credits').textContent = credits(a.credits);
    $('c-plan-name').textContent = a.plan;
    $('c-status-value').replaceChildren(statusBadge(a.status || 'active'));
    $('c-created').textContent = kw.formatTime(a.created);
    const o = a.overrides || {};
    $('c-rate-limit').textContent = o.rate_limit ? o.rate_limit + ' (override)' : "the plan's";
    $('c-account-rate-limit').textContent = o.account_rate_limit ? o.account_rate_limit + ' (override)' : "the plan's";
    $('c-metadata').textContent = kw.metadataText(a.metadata).replace(/\n/g, ', ') || '—';
    const disabled = a.status === 'disabled';
    $('c-disable').hidden = disabled;
    $('c-enable').hidden = !disabled;
  }

  async function loadKeys() {
    try {
      const page = await api('GET', '/v1/tokens?limit=100', undefined, as());
      state.keys = page.data;
      renderKeys();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function renderKeys() {
    const body = $('c-keys-body');
    body.replaceChildren();
    for (const k of state.keys) {
      const tr = document.createElement('tr');
      tr.dataset.id = k.id;
      cell(tr, k.name);
      cell(tr, k.key_prefix + '…' + k.last4, 'mono');
      cell(tr, typeLabel[k.type] || k.type);
      cell(tr, badge(k.livemode ? 'Live' : 'Test', k.livemode ? 'live' : 'test'));
      cell(tr, kw.relativeTime(k.last_used_at));
      cell(tr, statusBadge(k.status));
      const actions = cell(tr, '', 'k-actions');
      if (k.status === 'active') actions.append(smallButton('Disable', 'Disable ' + k.name, { toggle: 'disable' }));
      if (k.status === 'disabled') actions.append(smallButton('Enable', 'Enable ' + k.name, { toggle: 'enable' }));
      if (k.status !== 'revoked') {
        actions.append(smallButton('Revoke', 'Revoke ' + k.name, { revoke: k.id }, true));
      }
      body.append(tr);
    }
    $('c-keys-empty').hidden = state.keys.length > 0;
    $('c-keys-table').hidden = state.keys.length === 0;
  }

  function loadUsage() {
    const range = $('c-usage-range').value;
    const when = range === '30d' ? 'last 30 days, per day' : 'last 24 hours, per hour';
    const a = state.account;
    kwCharts.show($('c-usage-chart'), { account: a.id }, range, `Usage of ${a.email || a.id}, ${when}`);
  }

  // After a change: the account, its keys and its events as they are now.
  async function reload() {
    try {
      state.account = await api('GET', path());
      render();
    } catch (err) {
      ctx.fail(err);
    }
    await loadKeys();
    events.load(false);
  }

  // --- wiring ---

  $('c-back').addEventListener('click', ctx.back);
  $('c-usage-range').addEventListener('change', loadUsage);
  $('c-acct-events-type').addEventListener('change', () => events.load(false));

  $('c-topup').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const amount = Number($('c-amount').value);
    if (!Number.isInteger(amount) || amount === 0) {
      showAlert('Enter a whole number of credits (negative subtracts).', 'error');
      $('c-amount').focus();
      return;
    }
    $('c-topup-submit').disabled = true;
    try {
      state.account = await api('POST', path('/credits'), { amount });
      render();
      $('c-amount').value = '';
      showAlert(`Added ${amount.toLocaleString()} credits; the balance is ${credits(state.account.credits)}.`, 'ok');
      events.load(false);
    } catch (err) {
      ctx.fail(err);
    } finally {
      $('c-topup-submit').disabled = false;
    }
  });

  $('c-keys-body').addEventListener('click', async (ev) => {
    const toggle = ev.target.closest('[data-toggle]');
    if (toggle) {
      const k = state.keys.find((x) => x.id === toggle.closest('tr').dataset.id);
      const action = toggle.dataset.toggle;
      toggle.disabled = true;
      try {
        await api('POST', `/v1/tokens/${encodeURIComponent(k.id)}/${action}`, {}, as());
        showAlert(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${k.name}.`, 'ok');
        await reload();
        const again = $('c-keys-body').querySelector(`tr[data-id="${k.id}"] [data-toggle]`);
        (again || $('c-keys-title')).focus();  // the row was drawn again
      } catch (err) {
        toggle.disabled = false;
        ctx.fail(err);
      }
      return;
    }
    const b = ev.target.closest('[data-revoke]');
    if (!b) return;
    state.target = state.keys.find((k) => k.id === b.dataset.revoke);
    if (!state.target) return;
    $('c-revoke-name').textContent = `${state.target.name} (${state.target.key_prefix}…)`;
    kw.openDialog($('c-revoke-dialog'), $('c-revoke-dialog').querySelector('[data-close]'));
  });

  $('c-revoke-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const k = state.target;
    $('c-revoke-dialog').close();
    try {
      await api('POST', `/v1/tokens/${encodeURIComponent(k.id)}/revoke`, {}, as());
      showAlert(`Revoked ${k.name}.`, 'ok');
      await reload();
      $('c-keys-title').focus();  // the button that opened the dialog is gone
    } catch (err) {
      ctx.fail(err);
    }
  });

  // --- edit: plan, overrides, metadata (POST /v1/accounts/:id) ---

  $('c-edit').addEventListener('click', () => {
    const a = state.account;
    kw.dialogError($('c-edit-error'), '');
    $('c-edit-plan').value = a.plan;
    $('c-edit-rate').value = (a.overrides && a.overrides.rate_limit) || '';
    $('c-edit-account-rate').value = (a.overrides && a.overrides.account_rate_limit) || '';
    $('c-edit-metadata').value = kw.metadataText(a.metadata);
    kw.openDialog($('c-edit-dialog'), $('c-edit-plan'));
  });

  const editField = { plan: 'c-edit-plan',
    rate_limit: 'c-edit-rate', account_rate_limit: 'c-edit-account-rate', metadata: 'c-edit-metadata' };

  // Only what changed: a limit left empty goes back to the plan's (null).
  function editBody() {
    const a = state.account;
    const o = a.overrides || {};
    const body = {};
    const text = (id) => $(id).value.trim();
    if (text('c-edit-plan') !== a.plan) body.plan = text('c-edit-plan');
    const rate = text('c-edit-rate') || null;
    if (rate !== (o.rate_limit || null)) body.rate_limit = rate;
    const accountRate = text('c-edit-account-rate') || null;
    if (accountRate !== (o.account_rate_limit || null)) body.account_rate_limit = accountRate;
    const patch = kw.metadataPatch(a.metadata, kw.parseMetadata($('c-edit-metadata').value));
    if (patch) body.metadata = patch;
    return body;
  }

  $('c-edit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = editBody();
    } catch (err) {
      kw.dialogError($('c-edit-error'), err.message);
      $('c-edit-metadata').focus();
      return;
    }
    if (!$('c-edit-plan').value.trim()) {
      kw.dialogError($('c-edit-error'), 'Choose a plan.');
      $('c-edit-plan').focus();
      return;
    }
    if (Object.keys(body).length === 0) {
      $('c-edit-dialog').close();
      return;
    }
    $('c-edit-submit').disabled = true;
    try {
      state.account = await api('POST', path(), body);
      $('c-edit-dialog').close();
      render();
      showAlert(`Saved ${state.account.email || state.account.id}.`, 'ok');
      events.load(false);
    } catch (err) {
      kw.dialogError($('c-edit-error'), err.message);
      const field = editField[(err.param || '').split(/[.[]/)[0]];
      if (field) $(field).focus();
    } finally {
      $('c-edit-submit').disabled = false;
    }
  });

  // --- disable / enable the account ---

  $('c-disable').addEventListener('click', () => {
    $('c-disable-name').textContent = state.account.email || state.account.id;
    kw.openDialog($('c-disable-dialog'), $('c-disable-dialog').querySelector('[data-close]'));
  });

  async function setStatus(action) {
    try {
      state.account = await api('POST', path('/' + action), {});
      render();
      showAlert(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${state.account.email || state.account.id}.`, 'ok');
      $(action === 'disable' ? 'c-enable' : 'c-disable').focus();
      await loadKeys();
      events.load(false);
    } catch (err) {
      ctx.fail(err);
    }
  }

  $('c-disable-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    $('c-disable-dialog').close();
    setStatus('disable');
  });
  $('c-enable').addEventListener('click', () => setStatus('enable'));

  return { open, close };
}
