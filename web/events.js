// Event lists (API.md 13) as tables, shared by the customer's Activity card, the console's event
// log and an account's events in the console: when / what / object / by / from (and, for
// operators, the account and the event's data), newest first, paged with "Load more". Everything
// the API returns is shown as text, never as markup. A newer load supersedes an older one still
// in flight, so a fast change of filter never shows stale rows.
'use strict';

const kwEvents = (() => {
  const { api, $, cell } = kw;
  const actorLabel = { admin_key: 'Operator', token: 'API key', session: 'Dashboard',
    operator: 'Operator', agent: 'Agent', cli: 'Operator (CLI)', system: 'keyward' };

  function subject(e) {
    const o = (e.data && e.data.object) || {};
    if (o.object === 'token') return o.name + ' (' + o.key_prefix + '…)';
    if (o.object === 'account') return o.email || o.id;
    if (o.object === 'webhook_endpoint') return o.url;
    if (o.object === 'plan') return o.name;
    if (o.email) return o.email;
    return o.id || '';
  }

  // Customers see an admin key as "Operator"; operators see which admin key it was.
  function actor(e, operator) {
    const label = operator && e.actor.type === 'admin_key' ? 'Admin key'
      : actorLabel[e.actor.type] || e.actor.type;
    return label + (e.actor.id && e.actor.type !== 'token' ? ' ' + e.actor.id : '');
  }

  // Local midnight of an <input type=date> value (YYYY-MM-DD) in Unix seconds, or null; `after`
  // gives the next midnight (an inclusive "until" day).
  function dayStart(value, after) {
    if (!value) return null;
    const d = new Date(value + 'T00:00:00');
    if (after) d.setDate(d.getDate() + 1);
    return Math.floor(d.getTime() / 1000);
  }

  // Binds a paged list to the elements with ids `ids.body`, `ids.table`, `ids.empty`, `ids.more`.
  // `params()` returns the filter (URLSearchParams); errors go to `onError`. `operator` adds the
  // account column and the event's data.
  function feed(ids, params, onError, operator) {
    const st = { items: [], hasMore: false, seq: 0 };

    function render() {
      const body = $(ids.body);
      body.replaceChildren();
      for (const e of st.items) {
        const row = document.createElement('tr');
        row.dataset.id = e.id;
        cell(row, new Date(e.created * 1000).toLocaleString());
        cell(row, e.type, 'mono');
        if (operator) cell(row, e.account || '—', 'mono');
        cell(row, subject(e));
        cell(row, actor(e, operator));
        cell(row, e.actor.ip || '—');
        if (operator) {
          const details = document.createElement('details');
          const summary = document.createElement('summary');
          summary.textContent = 'Data';
          summary.setAttribute('aria-label', 'Data of ' + e.id);
          const pre = document.createElement('pre');
          pre.className = 'event-data';
          pre.textContent = JSON.stringify({ id: e.id, request_id: e.request_id, data: e.data }, null, 2);
          details.append(summary, pre);
          cell(row, details);
        }
        body.append(row);
      }
      $(ids.table).hidden = st.items.length === 0;
      $(ids.empty).hidden = st.items.length !== 0;
      $(ids.more).hidden = !st.hasMore;
    }

    async function load(more) {
      const q = params();
      q.set('limit', '20');
      if (more && st.items.length) q.set('starting_after', st.items[st.items.length - 1].id);
      const seq = ++st.seq;
      try {
        const page = await api('GET', '/v1/events?' + q.toString());
        if (seq !== st.seq) return;
        st.items = more ? st.items.concat(page.data) : page.data;
        st.hasMore = page.has_more;
        render();
      } catch (err) {
        if (seq === st.seq) onError(err);
      }
    }

    function clear() {
      st.seq++;
      st.items = [];
      st.hasMore = false;
      $(ids.body).replaceChildren();
    }

    $(ids.more).addEventListener('click', () => load(true));
    return { load, clear };
  }

  return { feed, dayStart, subject };
})();
