// The operator console (API.md 16): its tabs, and the accounts list (search by email, filter by
// plan; status, keys count, credits, last used). The account page (console-account.js), the
// event log (console-log.js) and the webhooks (console-webhooks.js) are composed here. It calls the
// same endpoints an admin key does; the session is an operator's, and it acts on an account only
// by naming it in Keyward-Account.
'use strict';

const kwConsole = (() => {
  const { api, $, showAlert, clearAlert } = kw;
  const { cell, statusBadge } = kw;
  const state = { accounts: [], hasMore: false, handle: null };
  const credits = (c) => (c === null || c === undefined ? 'Unlimited' : c.toLocaleString());

  function fail(err) {
    if (state.handle) state.handle(err); else showAlert(err.message, 'error');
  }

  const account = kwConsoleAccount({ fail, back });
  const log = kwConsoleLog({ fail });
  const webhooks = kwConsoleWebhooks({ fail });

  // --- navigation ---

  function tab(name) {
    for (const b of document.querySelectorAll('#console-view [data-tab]')) {
      if (b.dataset.tab === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    $('c-accounts').hidden = name !== 'accounts';
    $('c-account').hidden = true;
    account.close();
    $('c-events').hidden = name !== 'events';
    $('c-webhooks').hidden = name !== 'webhooks';
    $('c-service').hidden = name !== 'service';
    if (name === 'accounts') loadAccounts(false);
    if (name === 'events') log.show();
    if (name === 'webhooks') webhooks.show();
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
      cell(tr, statusBadge(a.status || 'active'));
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

  const openAccount = (id) => account.open(id);

  function back() {
    $('c-account').hidden = true;
    account.close();
    $('c-accounts').hidden = false;
    loadAccounts(false);
    $('c-email').focus();
  }

  for (const b of document.querySelectorAll('#console-view [data-tab]')) {
    b.addEventListener('click', () => { clearAlert(); tab(b.dataset.tab); });
  }
  $('c-search').addEventListener('submit', (ev) => { ev.preventDefault(); loadAccounts(false); });
  $('c-accounts-more').addEventListener('click', () => loadAccounts(true));
  $('c-accounts-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-open]');
    if (b) openAccount(b.dataset.open);
  });

  function enter(session, handle) {
    state.handle = handle;
    tab('accounts');
  }

  function leave() {
    state.accounts = [];
    $('c-accounts-body').replaceChildren();
    account.close();
    log.clear();
    webhooks.clear();
  }

  return { enter, leave };
})();
