// The console's webhooks (API.md 14, 16): the operator's endpoints (events of every account, or of
// one), add one (its signing secret is shown once, in a dialog, never in a URL or a log), disable
// and enable, roll the secret (shown once again), and the deliveries log of one endpoint (one row
// per attempt, newest first). The page never stores a secret: the dialog's field is emptied when
// it closes.
'use strict';

function kwConsoleWebhooks(ctx) {
  const { api, $, showAlert, clearAlert, cell, badge, smallButton } = kw;
  const state = { items: [], hasMore: false, target: null, selected: null, deliveries: [], moreDeliveries: false };
  const deliveryKind = { succeeded: 'active', failed: 'revoked', pending: 'disabled' };

  async function load(more) {
    const q = new URLSearchParams({ limit: '50' });
    if (more && state.items.length) q.set('starting_after', state.items[state.items.length - 1].id);
    try {
      const page = await api('GET', '/v1/webhook_endpoints?' + q.toString());
      state.items = more ? state.items.concat(page.data) : page.data;
      state.hasMore = page.has_more;
      render();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function render() {
    const body = $('c-wh-body');
    body.replaceChildren();
    for (const w of state.items) {
      const tr = document.createElement('tr');
      tr.dataset.id = w.id;
      const url = cell(tr, w.url, 'mono');
      if (w.description) {
        const d = document.createElement('div');
        d.className = 'perms';
        d.textContent = w.description;
        url.append(d);
      }
      cell(tr, w.enabled_events.join(', '), 'mono');
      cell(tr, w.account || 'Every account', w.account ? 'mono' : '');
      cell(tr, badge(w.status === 'enabled' ? 'Enabled' : 'Disabled', w.status === 'enabled' ? 'active' : 'disabled'));
      cell(tr, kw.formatTime(w.created));
      const actions = cell(tr, '', 'k-actions');
      actions.append(smallButton('Deliveries', 'Deliveries to ' + w.url, { act: 'deliveries' }));
      const toggle = w.status === 'enabled' ? 'disable' : 'enable';
      actions.append(smallButton(toggle === 'disable' ? 'Disable' : 'Enable',
        (toggle === 'disable' ? 'Disable ' : 'Enable ') + w.url, { act: toggle }));
      actions.append(smallButton('Roll secret', 'Roll secret of ' + w.url, { act: 'roll' }, true));
      body.append(tr);
    }
    $('c-wh-empty').hidden = state.items.length > 0;
    $('c-wh-table').hidden = state.items.length === 0;
    $('c-wh-more').hidden = !state.hasMore;
  }

  // --- deliveries of one endpoint ---

  async function loadDeliveries(more) {
    const w = state.selected;
    const q = new URLSearchParams({ limit: '20' });
    if (more && state.deliveries.length) q.set('starting_after', state.deliveries[state.deliveries.length - 1].id);
    try {
      const page = await api('GET', `/v1/webhook_endpoints/${encodeURIComponent(w.id)}/deliveries?` + q.toString());
      if (state.selected !== w) return;
      state.deliveries = more ? state.deliveries.concat(page.data) : page.data;
      state.moreDeliveries = page.has_more;
      renderDeliveries();
    } catch (err) {
      ctx.fail(err);
    }
  }

  function renderDeliveries() {
    const body = $('c-deliveries-body');
    body.replaceChildren();
    for (const d of state.deliveries) {
      const tr = document.createElement('tr');
      tr.dataset.id = d.id;
      cell(tr, kw.formatTime(d.created));
      cell(tr, d.event, 'mono');
      cell(tr, String(d.attempt));
      cell(tr, badge(d.status[0].toUpperCase() + d.status.slice(1), deliveryKind[d.status] || 'expired'));
      cell(tr, d.response_status === null ? '—' : String(d.response_status));
      cell(tr, d.duration_ms === null ? '—' : d.duration_ms + ' ms');
      cell(tr, d.next_attempt_at === null ? '—' : kw.formatTime(d.next_attempt_at));
      body.append(tr);
    }
    $('c-deliveries-empty').hidden = state.deliveries.length > 0;
    $('c-deliveries-table').hidden = state.deliveries.length === 0;
    $('c-deliveries-more').hidden = !state.moreDeliveries;
  }

  function showDeliveries(w) {
    state.selected = w;
    state.deliveries = [];
    $('c-deliveries-title').textContent = 'Deliveries to ' + w.url;
    $('c-deliveries').hidden = false;
    renderDeliveries();
    $('c-deliveries-title').focus();
    loadDeliveries(false);
  }

  // --- the secret, shown once ---

  function reveal(secret) {
    $('c-secret-value').value = secret;
    kw.openDialog($('c-secret-dialog'), $('c-secret-value'));
    $('c-secret-value').select();
  }
  $('c-secret-dialog').addEventListener('close', () => { $('c-secret-value').value = ''; });

  // --- wiring ---

  $('c-wh-more').addEventListener('click', () => load(true));
  $('c-deliveries-more').addEventListener('click', () => loadDeliveries(true));
  $('c-deliveries-refresh').addEventListener('click', () => loadDeliveries(false));

  $('c-wh-body').addEventListener('click', async (ev) => {
    const b = ev.target.closest('[data-act]');
    if (!b) return;
    const w = state.items.find((x) => x.id === b.closest('tr').dataset.id);
    if (!w) return;
    clearAlert();
    const act = b.dataset.act;
    if (act === 'deliveries') {
      showDeliveries(w);
    } else if (act === 'roll') {
      state.target = w;
      $('c-roll-url').textContent = w.url;
      kw.openDialog($('c-roll-dialog'), $('c-roll-dialog').querySelector('[data-close]'));
    } else {
      b.disabled = true;
      try {
        await api('POST', `/v1/webhook_endpoints/${encodeURIComponent(w.id)}`,
          { status: act === 'disable' ? 'disabled' : 'enabled' });
        showAlert(`${act === 'disable' ? 'Disabled' : 'Enabled'} ${w.url}.`, 'ok');
        await load(false);
        const again = $('c-wh-body').querySelector(`tr[data-id="${w.id}"] [data-act="${act === 'disable' ? 'enable' : 'disable'}"]`);
        if (again) again.focus();
      } catch (err) {
        b.disabled = false;
        ctx.fail(err);
      }
    }
  });

  $('c-roll-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const w = state.target;
    $('c-roll-dialog').close();
    try {
      const rolled = await api('POST', `/v1/webhook_endpoints/${encodeURIComponent(w.id)}/roll_secret`, {});
      showAlert(`Rolled the secret of ${w.url}.`, 'ok');
      reveal(rolled.secret);
    } catch (err) {
      ctx.fail(err);
    }
  });

  $('c-wh-new').addEventListener('click', () => {
    clearAlert();
    $('c-wh-form').reset();
    kw.dialogError($('c-wh-error'), '');
    kw.openDialog($('c-wh-dialog'), $('c-wh-url'));
  });

  const whField = { url: 'c-wh-url', enabled_events: 'c-wh-events', account: 'c-wh-account', description: 'c-wh-description' };

  $('c-wh-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { url: $('c-wh-url').value.trim(), enabled_events: kw.parseList($('c-wh-events').value) };
    const account = $('c-wh-account').value.trim();
    const description = $('c-wh-description').value.trim();
    if (account) body.account = account;
    if (description) body.description = description;
    if (!body.url) {
      kw.dialogError($('c-wh-error'), 'Enter the URL to deliver to.');
      $('c-wh-url').focus();
      return;
    }
    $('c-wh-submit').disabled = true;
    try {
      const created = await api('POST', '/v1/webhook_endpoints', body);
      $('c-wh-dialog').close();
      showAlert(`Added ${created.url}.`, 'ok');
      await load(false);
      reveal(created.secret);
    } catch (err) {
      kw.dialogError($('c-wh-error'), err.message);
      const field = whField[(err.param || '').split(/[.[]/)[0]];
      if (field) $(field).focus();
    } finally {
      $('c-wh-submit').disabled = false;
    }
  });

  function clear() {
    state.items = [];
    state.selected = null;
    state.deliveries = [];
    $('c-wh-body').replaceChildren();
    $('c-deliveries-body').replaceChildren();
    $('c-deliveries').hidden = true;
  }

  return { show: () => load(false), clear };
}
