// The operator console (API.md 16): accounts (search by email, filter by plan; keys count,
// credits, last used), an account's page (its keys with revoke, credits top-up, its usage chart)
// and the whole service's usage. It calls the same endpoints an admin key does; the session is an
// operator's, and it acts on an account only by naming it in Keyward-Account.
'use strict';

const kwConsole = (() => {
  const { api, $, showAlert, clearAlert } = kw;
  const state = { accounts: [], hasMore: false, account: null, keys: [], target: null, handle: null };
  const typeLabel = { secret: 'Secret', publishable: 'Publishable', restricted: 'Restricted' };
  const credits = (c) => (c === null || c === undefined ? 'Unlimited' : c.toLocaleString());
  const as = (account) => ({ 'Keyward-Account': account });

  function fail(err) {
    if (state.handle) state.handle(err); else showAlert(err.message, 'error');
  }

  function badge(text, kind) {
    const b = document.createElement('span');
    b.className = 'badge badge-' + kind;
    b.textContent = text;
    return b;
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (text instanceof Node) td.append(text); else td.textContent = text;
    row.append(td);
    return td;
  }

  // --- navigation ---

  function tab(name) {
    for (const b of document.querySelectorAll('#console-view [data-tab]')) {
      if (b.dataset.tab === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    $('c-accounts').hidden = name !== 'accounts';
    $('c-account').hidden = true;
    $('c-service').hidden = name !== 'service';
    if (name === 'service') {
      kwCharts.show($('c-service-chart'), {}, '24h', 'Usage of the whole service, last 24 hours, per hour');
    }
  }

  // --- accounts ---

  async function loadAccounts(more) {
    const params = new URLSearchParams({ limit: '50' });
    const email = $('c-email').value.trim();
    const plan = $('c-plan').value.trim();
    if (email) params.set('email', email);
    if (plan) params.set('plan', plan);
    if (more && state.accounts.length) {
      params.set('starting_after', state.accounts[state.accounts.length - 1].account.id);
    }
    try {
      const page = await api('GET', '/v1/console/accounts?' + params.toString());
      state.accounts = more ? state.accounts.concat(page.data) : page.data;
      state.hasMore = page.has_more;
      renderAccounts();
    } catch (err) {
      fail(err);
    }
  }

  function renderAccounts() {
    const body = $('c-accounts-body');
    body.replaceChildren();
    for (const s of state.accounts) {
      const a = s.account;
      const tr = document.createElement('tr');
      tr.dataset.id = a.id;
      cell(tr, a.email || '—');
      cell(tr, a.name || '—');
      cell(tr, a.plan);
      cell(tr, credits(a.credits));
      cell(tr, String(s.keys));
      cell(tr, kw.relativeTime(s.last_used_at));
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'btn btn-small';
      open.dataset.open = a.id;
      open.textContent = 'Open';
      open.setAttribute('aria-label', 'Open ' + (a.email || a.id));
      cell(tr, open, 'k-actions');
      body.append(tr);
    }
    $('c-accounts-empty').hidden = state.accounts.length > 0;
    $('c-accounts-table').hidden = state.accounts.length === 0;
    $('c-accounts-more').hidden = !state.hasMore;
  }

  // --- one account ---

  async function openAccount(id) {
    clearAlert();
    try {
      state.account = await api('GET', '/v1/accounts/' + encodeURIComponent(id));
    } catch (err) {
      fail(err);
      return;
    }
    $('c-accounts').hidden = true;
    $('c-account').hidden = false;
    renderAccount();
    $('c-account-title').focus();
    await loadKeys();
    loadUsage();
  }

  function renderAccount() {
    const a = state.account;
    $('c-account-title').textContent = a.email || a.name || a.id;
    $('c-account-id').textContent = a.id + (a.name ? ' · ' + a.name : '');
    $('c-credits').textContent = credits(a.credits);
    $('c-plan-name').textContent = a.plan;
    $('c-created').textContent = kw.formatTime(a.created);
  }

  async function loadKeys() {
    try {
      const page = await api('GET', '/v1/tokens?limit=100', undefined, as(state.account.id));
      state.keys = page.data;
      renderKeys();
    } catch (err) {
      fail(err);
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
      cell(tr, badge(k.status[0].toUpperCase() + k.status.slice(1), k.status));
      const actions = cell(tr, '', 'k-actions');
      if (k.status !== 'revoked') {
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'btn btn-small btn-danger-ghost';
        revoke.dataset.revoke = k.id;
        revoke.textContent = 'Revoke';
        revoke.setAttribute('aria-label', 'Revoke ' + k.name);
        actions.append(revoke);
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

  // --- events ---

  for (const b of document.querySelectorAll('#console-view [data-tab]')) {
    b.addEventListener('click', () => { clearAlert(); tab(b.dataset.tab); });
  }
  $('c-search').addEventListener('submit', (ev) => { ev.preventDefault(); loadAccounts(false); });
  $('c-accounts-more').addEventListener('click', () => loadAccounts(true));
  $('c-accounts-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-open]');
    if (b) openAccount(b.dataset.open);
  });
  $('c-back').addEventListener('click', () => {
    $('c-account').hidden = true;
    $('c-accounts').hidden = false;
    loadAccounts(false);
    $('c-email').focus();
  });
  $('c-usage-range').addEventListener('change', loadUsage);

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
      const a = state.account;
      state.account = await api('POST', `/v1/accounts/${encodeURIComponent(a.id)}/credits`, { amount });
      renderAccount();
      $('c-amount').value = '';
      showAlert(`Added ${amount.toLocaleString()} credits; the balance is ${credits(state.account.credits)}.`, 'ok');
    } catch (err) {
      fail(err);
    } finally {
      $('c-topup-submit').disabled = false;
    }
  });

  $('c-keys-body').addEventListener('click', (ev) => {
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
      await api('POST', `/v1/tokens/${encodeURIComponent(k.id)}/revoke`, {}, as(state.account.id));
      showAlert(`Revoked ${k.name}.`, 'ok');
      await loadKeys();
      $('c-keys-title').focus();  // the button that opened the dialog is gone
    } catch (err) {
      fail(err);
    }
  });

  function enter(session, handle) {
    state.handle = handle;
    tab('accounts');
    loadAccounts(false);
  }

  function leave() {
    state.accounts = [];
    state.keys = [];
    state.account = null;
    $('c-accounts-body').replaceChildren();
    $('c-keys-body').replaceChildren();
  }

  return { enter, leave };
})();
