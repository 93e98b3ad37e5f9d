// The console's plans (API.md 11.2, 16): every plan with its limits, refill and low-credits
// threshold; plans managed by the API are created and edited here (POST /v1/plans, POST
// /v1/plans/:name), plans written in the config file are shown read-only (the API refuses to change
// them). A server without the plans API (404 on GET /v1/plans) gets a sentence instead of a table.
'use strict';

function kwConsolePlans(ctx) {
  const { api, $, showAlert, clearAlert, cell, badge, smallButton } = kw;
  const state = { items: [], editing: null };

  const refillText = (r) => (r ? `${r.mode === 'add' ? 'add' : 'set to'} ${r.amount.toLocaleString()} every ${r.interval}` : '—');

  async function load() {
    try {
      const page = await api('GET', '/v1/plans?limit=100');
      state.items = page.data;
      $('c-plans-missing').hidden = true;
      render();
    } catch (err) {
      if (err.status === 404 && err.code === 'NOT_FOUND') {
        state.items = [];
        render();
        $('c-plans-empty').hidden = true;
        $('c-plans-missing').hidden = false;
        return;
      }
      ctx.fail(err);
    }
  }

  // The plan names, for the account dialog's suggestions ([] when the server has no plans API).
  async function names() {
    try {
      return (await api('GET', '/v1/plans?limit=100')).data.map((p) => p.name);
    } catch (err) {
      return [];
    }
  }

  function render() {
    const body = $('c-plans-body');
    body.replaceChildren();
    for (const p of state.items) {
      const tr = document.createElement('tr');
      tr.dataset.name = p.name;
      cell(tr, p.name, 'mono');
      cell(tr, p.rate_limit);
      cell(tr, p.account_rate_limit || '—');
      cell(tr, refillText(p.refill));
      cell(tr, p.low_credits_threshold === null || p.low_credits_threshold === undefined
        ? '—' : p.low_credits_threshold.toLocaleString());
      cell(tr, badge(p.managed_by === 'config' ? 'Config file' : 'API', p.managed_by === 'config' ? 'expired' : 'live'));
      const actions = cell(tr, '', 'k-actions');
      if (p.managed_by === 'config') {
        const note = document.createElement('span');
        note.className = 'muted small';
        note.textContent = 'Read-only';
        actions.append(note);
      } else {
        actions.append(smallButton('Edit', 'Edit plan ' + p.name, { edit: p.name }));
      }
      body.append(tr);
    }
    $('c-plans-empty').hidden = state.items.length > 0;
    $('c-plans-table').hidden = state.items.length === 0;
  }

  function openDialog(plan) {
    state.editing = plan;
    clearAlert();
    $('c-plan-form').reset();
    kw.dialogError($('c-plan-error'), '');
    $('c-plan-title').textContent = plan ? 'Edit plan ' + plan.name : 'New plan';
    $('c-plan-id').value = plan ? plan.name : '';
    $('c-plan-id').disabled = !!plan;
    $('c-plan-submit').textContent = plan ? 'Save' : 'Create plan';
    if (plan) {
      $('c-plan-rate').value = plan.rate_limit || '';
      $('c-plan-account-rate').value = plan.account_rate_limit || '';
      $('c-plan-refill-interval').value = plan.refill ? plan.refill.interval : '';
      $('c-plan-refill-amount').value = plan.refill ? String(plan.refill.amount) : '';
      $('c-plan-refill-mode').value = plan.refill ? plan.refill.mode : 'set';
      $('c-plan-low').value = plan.low_credits_threshold === null || plan.low_credits_threshold === undefined
        ? '' : String(plan.low_credits_threshold);
    }
    kw.openDialog($('c-plan-dialog'), plan ? $('c-plan-rate') : $('c-plan-id'));
  }

  // The request body; throws an Error with `field` for what the page can tell is wrong.
  function planBody() {
    const wrong = (message, field) => Object.assign(new Error(message), { field });
    const body = {};
    if (!state.editing) body.name = $('c-plan-id').value.trim();
    body.rate_limit = $('c-plan-rate').value.trim();
    if (!body.rate_limit) throw wrong('A plan needs a per-key limit, e.g. 100/min.', 'c-plan-rate');
    body.account_rate_limit = $('c-plan-account-rate').value.trim() || null;
    const interval = $('c-plan-refill-interval').value;
    if (interval) {
      const amount = Number($('c-plan-refill-amount').value);
      if (!Number.isInteger(amount) || amount < 0 || $('c-plan-refill-amount').value === '') {
        throw wrong('Enter the refill amount as a whole number of credits.', 'c-plan-refill-amount');
      }
      body.refill = { amount, interval, mode: $('c-plan-refill-mode').value };
    } else {
      body.refill = null;
    }
    const low = $('c-plan-low').value.trim();
    if (low === '') {
      body.low_credits_threshold = null;
    } else {
      const n = Number(low);
      if (!Number.isInteger(n) || n < 0) throw wrong('The threshold is a whole number of credits.', 'c-plan-low');
      body.low_credits_threshold = n;
    }
    return body;
  }

  const planField = { name: 'c-plan-id', rate_limit: 'c-plan-rate', account_rate_limit: 'c-plan-account-rate',
    refill: 'c-plan-refill-amount', low_credits_threshold: 'c-plan-low' };

  $('c-plan-new').addEventListener('click', () => openDialog(null));
  $('c-plans-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-edit]');
    if (!b) return;
    const plan = state.items.find((p) => p.name === b.dataset.edit);
    if (plan) openDialog(plan);
  });

  $('c-plan-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = planBody();
    } catch (err) {
      kw.dialogError($('c-plan-error'), err.message);
      $(err.field).focus();
      return;
    }
    const editing = state.editing;
    $('c-plan-submit').disabled = true;
    try {
      const path = editing ? '/v1/plans/' + encodeURIComponent(editing.name) : '/v1/plans';
      const saved = await api('POST', path, body);
      $('c-plan-dialog').close();
      showAlert(`${editing ? 'Saved' : 'Created'} plan ${saved.name}.`, 'ok');
      await load();
    } catch (err) {
      kw.dialogError($('c-plan-error'), err.message);
      const field = planField[(err.param || '').split(/[.[]/)[0]];
      if (field) $(field).focus();
    } finally {
      $('c-plan-submit').disabled = false;
    }
  });

  function clear() {
    state.items = [];
    $('c-plans-body').replaceChildren();
  }

  return { show: load, clear, names };
}
