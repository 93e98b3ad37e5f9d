// The dashboard: keys (list, create, roll, disable/enable, revoke; metadata and IP allowlist
// shown and edited in key-edit.js), usage charts, access tokens, credits and the
// account's activity (its events, API.md 13), all through the same JSON API as everyone else,
// authenticated by the session cookie. An operator's session (API.md 16) sees the console instead
// (console.js).
'use strict';

(() => {
  const { api, $, showAlert, clearAlert } = kw;
  const state = { keys: [], hasMore: false, target: null };

  function show(view) {
    for (const id of ['loading', 'auth-view', 'app-view', 'console-view']) $(id).hidden = id !== view;
  }

  async function start() {
    let session;
    try {
      session = await kw.currentSession();
    } catch (err) {
      show('loading');
      showAlert(err.message, 'error');
      return;
    }
    if (session) enter(session); else leave();
  }

  function leave() {
    $('account-area').hidden = true;
    show('auth-view');
    $('auth-email').focus();
  }

  function enter(session) {
    clearAlert();
    $('account-email').textContent = session.email;
    $('account-area').hidden = false;
    if (session.kind === 'operator') {
      $('account-email').textContent = session.email + ' (operator)';
      show('console-view');
      kwConsole.enter(session, handle);
      return;
    }
    show('app-view');
    refresh();
  }

  async function refresh() {
    await Promise.all([loadKeys(false), loadCredits(), loadEvents(false)]);
    loadUsage();
  }

  // --- usage (API.md 12): the account's, or one key's ---

  function loadUsage() {
    const token = $('usage-scope').value;
    const range = $('usage-range').value;
    const key = state.keys.find((k) => k.id === token);
    const what = key ? `Usage of ${key.name}` : 'Usage of the account';
    const when = range === '30d' ? 'last 30 days, per day' : 'last 24 hours, per hour';
    kwCharts.show($('usage-chart'), token ? { token } : {}, range, `${what}, ${when}`);
  }

  function renderUsageScopes() {
    const select = $('usage-scope');
    const current = select.value;
    select.replaceChildren();
    const all = document.createElement('option');
    all.value = '';
    all.textContent = 'Whole account';
    select.append(all);
    for (const k of state.keys) {
      const o = document.createElement('option');
      o.value = k.id;
      o.textContent = `${k.name} (${k.key_prefix}…)`;
      select.append(o);
    }
    if (state.keys.some((k) => k.id === current)) select.value = current;
  }

  $('usage-scope').addEventListener('change', loadUsage);
  $('usage-range').addEventListener('change', loadUsage);

  // --- keys ---

  async function loadKeys(more) {
    try {
      let path = '/v1/tokens?limit=100';
      if (more && state.keys.length) path += '&starting_after=' + encodeURIComponent(state.keys[state.keys.length - 1].id);
      const page = await api('GET', path);
      state.keys = more ? state.keys.concat(page.data) : page.data;
      state.hasMore = page.has_more;
      renderKeys();
    } catch (err) {
      handle(err);
    }
  }

  const typeLabel = { secret: 'Secret', publishable: 'Publishable', restricted: 'Restricted' };

  function renderKeys() {
    const body = $('keys-body');
    body.replaceChildren();
    const template = $('key-row');
    for (const key of state.keys) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.id = key.id;
      const name = row.querySelector('.k-name');
      name.textContent = key.name;
      if (key.type === 'restricted' && key.permissions.length) {
        const perms = document.createElement('div');
        perms.className = 'perms';
        perms.textContent = key.permissions.join(', ');
        name.append(perms);
      }
      // Metadata and IP allowlist (API.md 11.1), as text: never markup from the API.
      const meta = Object.entries(key.metadata || {});
      if (meta.length) {
        const m = document.createElement('div');
        m.className = 'perms k-metadata';
        m.textContent = meta.map(([k, v]) => `${k}=${v}`).join(', ');
        m.title = 'Metadata';
        name.append(m);
      }
      if (key.ip_allowlist && key.ip_allowlist.length) {
        const a = document.createElement('div');
        a.className = 'perms k-allowlist';
        a.textContent = 'Allowed from ' + key.ip_allowlist.join(', ');
        name.append(a);
      }
      row.querySelector('.k-prefix').textContent = key.key_prefix + '…' + key.last4;
      row.querySelector('.k-type').textContent = typeLabel[key.type] || key.type;
      const mode = document.createElement('span');
      mode.className = 'badge ' + (key.livemode ? 'badge-live' : 'badge-test');
      mode.textContent = key.livemode ? 'Live' : 'Test';
      row.querySelector('.k-mode').append(mode);
      row.querySelector('.k-created').textContent = kw.formatTime(key.created);
      row.querySelector('.k-used').textContent = kw.relativeTime(key.last_used_at);
      const status = document.createElement('span');
      status.className = 'badge badge-' + key.status;
      status.textContent = key.status[0].toUpperCase() + key.status.slice(1);
      if (key.status === 'active' && key.expires_at) status.title = 'Expires ' + kw.formatTime(key.expires_at);
      row.querySelector('.k-status').append(status);
      if (key.status === 'disabled') {
        // A disabled key can only be enabled again (or revoked).
        const toggle = row.querySelector('[data-action="disable"]');
        toggle.dataset.action = 'enable';
        toggle.textContent = 'Enable';
        row.querySelector('[data-action="roll"]').remove();
      } else if (key.status !== 'active') {
        row.querySelector('.k-actions').replaceChildren();
      }
      for (const b of row.querySelectorAll('[data-action]')) {
        b.setAttribute('aria-label', b.textContent + ' ' + key.name);
      }
      body.append(row);
    }
    const empty = state.keys.length === 0;
    $('keys-empty').hidden = !empty;
    $('keys-table').hidden = empty;
    $('keys-more').hidden = !state.hasMore;
    renderParents();
    renderUsageScopes();
  }

  function renderParents() {
    const select = $('at-parent');
    const current = select.value;
    select.replaceChildren();
    const parents = state.keys.filter((k) => k.status === 'active' &&
      (k.type === 'secret' || (k.type === 'restricted' && k.permissions.some((p) => p === '*' || p === 'tokens:*' || p === 'tokens:write'))));
    for (const k of parents) {
      const o = document.createElement('option');
      o.value = k.id;
      o.textContent = `${k.name} (${k.key_prefix}…)`;
      select.append(o);
    }
    if (parents.some((k) => k.id === current)) select.value = current;
    const none = parents.length === 0;
    $('at-none').hidden = !none;
    $('at-form').hidden = none;
  }

  function openCreate() {
    clearAlert();
    $('create-form').reset();
    $('perm-field').hidden = true;
    kw.openDialog($('create-dialog'), $('key-name'));
  }

  function reveal(key) {
    $('reveal-key').value = key;
    kw.openDialog($('reveal-dialog'), $('reveal-key'));
    $('reveal-key').select();
  }

  $('new-key').addEventListener('click', openCreate);
  $('new-key-empty').addEventListener('click', openCreate);
  $('keys-more').addEventListener('click', () => loadKeys(true));
  $('key-type').addEventListener('change', () => {
    $('perm-field').hidden = $('key-type').value !== 'restricted';
  });

  $('create-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { name: $('key-name').value.trim(), type: $('key-type').value, livemode: $('key-mode').value === 'live' };
    if (!body.name) {
      showAlert('Give the key a name.', 'error');
      $('key-name').focus();
      return;
    }
    if (body.type === 'restricted') {
      body.permissions = $('key-permissions').value.split(/[\s,]+/).filter(Boolean);
    }
    const expiry = $('key-expiry').value;
    if (expiry) body.expires_at = Math.floor(new Date(expiry + 'T23:59:59').getTime() / 1000);
    $('create-submit').disabled = true;
    try {
      const created = await api('POST', '/v1/tokens', body);
      $('create-dialog').close();
      clearAlert();
      reveal(created.key);
      await loadKeys(false);
    } catch (err) {
      handle(err);
    } finally {
      $('create-submit').disabled = false;
    }
  });

  $('keys-body').addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-action]');
    if (!button) return;
    const key = state.keys.find((k) => k.id === button.closest('tr').dataset.id);
    if (!key) return;
    state.target = key;
    clearAlert();
    if (button.dataset.action === 'disable' || button.dataset.action === 'enable') {
      const action = button.dataset.action;
      button.disabled = true;
      api('POST', `/v1/tokens/${encodeURIComponent(key.id)}/${action}`, {})
        .then(() => {
          showAlert(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${key.name}.`, 'ok');
          return loadKeys(false);
        })
        .catch(handle)
        .finally(() => { button.disabled = false; });
    } else if (button.dataset.action === 'edit') {
      kwKeyEdit.open(key, (updated, err) => {
        if (err) return handle(err);
        showAlert(`Saved ${updated.name}.`, 'ok');
        return loadKeys(false);
      });
    } else if (button.dataset.action === 'revoke') {
      $('revoke-name').textContent = key.name;
      $('revoke-prefix').textContent = key.key_prefix;
      kw.openDialog($('revoke-dialog'), $('revoke-dialog').querySelector('[data-close]'));
    } else {
      $('roll-name').textContent = key.name;
      kw.openDialog($('roll-dialog'), $('roll-grace'));
    }
  });

  $('revoke-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = state.target;
    try {
      await api('POST', `/v1/tokens/${encodeURIComponent(key.id)}/revoke`, {});
      $('revoke-dialog').close();
      showAlert(`Revoked ${key.name}.`, 'ok');
      await loadKeys(false);
    } catch (err) {
      $('revoke-dialog').close();
      handle(err);
    }
  });

  $('roll-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = state.target;
    try {
      const rolled = await api('POST', `/v1/tokens/${encodeURIComponent(key.id)}/roll`,
        { expires_in_seconds: Number($('roll-grace').value) });
      $('roll-dialog').close();
      reveal(rolled.key);
      await loadKeys(false);
    } catch (err) {
      $('roll-dialog').close();
      handle(err);
    }
  });

  $('reveal-dialog').addEventListener('close', () => { $('reveal-key').value = ''; });

  // --- access tokens ---

  $('at-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const minted = await api('POST', '/v1/token', { parent: $('at-parent').value, expiry_minutes: Number($('at-minutes').value) });
      $('at-value').value = minted.access_token;
      $('at-expires').textContent = '— expires ' + kw.formatTime(Date.parse(minted.expires_at) / 1000);
      $('at-result').hidden = false;
      clearAlert();
    } catch (err) {
      handle(err);
    }
  });

  // --- credits ---

  async function loadCredits() {
    try {
      const c = await api('GET', '/v1/credits');
      $('credits-balance').textContent = c.balance === null ? 'Unlimited' : c.balance.toLocaleString();
      $('credits-used').textContent = c.used.toLocaleString();
    } catch (err) {
      handle(err);
    }
  }

  // --- activity (events, API.md 13): the account's own ---

  const events = kwEvents.feed({ body: 'events-body', table: 'events-table', empty: 'events-empty', more: 'events-more' },
    () => {
      const q = new URLSearchParams();
      const type = $('events-type').value;
      if (type) q.set('type', type);
      const from = kwEvents.dayStart($('events-from').value, false);
      const until = kwEvents.dayStart($('events-until').value, true);
      if (from !== null) q.set('created[gte]', String(from));
      if (until !== null) q.set('created[lt]', String(until));
      return q;
    }, (err) => handle(err), false);
  const loadEvents = (more) => events.load(more);

  $('events-filter').addEventListener('change', () => loadEvents(false));
  $('events-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadEvents(false); });

  // --- session ---

  function handle(err) {
    if (err.status === 401) {
      showAlert('Your session has ended. Sign in again.', 'error');
      leave();
      return;
    }
    showAlert(err.message, 'error');
  }

  $('sign-out').addEventListener('click', async () => {
    try {
      await kw.signOut();
    } catch (err) {
      if (err.status !== 401) { showAlert(err.message, 'error'); return; }
    }
    state.keys = [];
    renderKeys();
    kwConsole.leave();
    $('at-result').hidden = true;
    clearAlert();
    leave();
  });

  kw.setupAuthForm(enter);
  start();
})();
