// Usage charts (API.md 12, 16), drawn by the page itself as inline SVG: one bar per bucket,
// stacked by outcome, the numbers on hover (an SVG <title> per bar, and the same sentence under the
// chart) and in an accessible table below it (keyboard and screen-reader users read the table; the
// picture itself is one image with a summary). No library, no fetch beyond GET /v1/usage.
'use strict';

const kwCharts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  // Outcome, label and a colour with at least 3:1 contrast against white (WCAG 1.4.11).
  const SERIES = [
    ['valid', 'Valid', '#047857'],
    ['rate_limited', 'Rate limited', '#b45309'],
    ['quota_exceeded', 'Quota exceeded', '#7c3aed'],
    ['forbidden', 'Forbidden', '#be123c'],
    ['unauthorized', 'Unauthorized', '#475569'],
  ];
  // 24 h by hour, or 30 days by day.
  const RANGES = {
    '24h': { granularity: 'hour', seconds: 86400, step: 3600 },
    '30d': { granularity: 'day', seconds: 30 * 86400, step: 86400 },
  };

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bucketLabel(start, granularity) {
    const d = new Date(start * 1000);
    if (granularity === 'day') {
      return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
    }
    return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) + ' ' +
      d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }

  function total(row) {
    return SERIES.reduce((sum, [k]) => sum + (row[k] || 0), 0);
  }

  function describe(row, granularity) {
    const parts = SERIES.map(([k, label]) => `${label} ${(row[k] || 0).toLocaleString()}`);
    return `${bucketLabel(row.start, granularity)}: ${total(row).toLocaleString()} requests (` +
      parts.join(', ') + `), ${(row.credits || 0).toLocaleString()} credits`;
  }

  // Fetches usage for `filter` ({account, token}) over `range` ('24h' | '30d').
  async function load(filter, range, headers) {
    const r = RANGES[range] || RANGES['24h'];
    const to = Math.ceil(Date.now() / 1000 / r.step) * r.step;
    const params = new URLSearchParams({ granularity: r.granularity, from: String(to - r.seconds), to: String(to) });
    if (filter && filter.account) params.set('account', filter.account);
    if (filter && filter.token) params.set('token', filter.token);
    return kw.api('GET', '/v1/usage?' + params.toString(), undefined, headers);
  }

  // Draws `usage` (the /v1/usage object) into `container`: legend, SVG, hover line, table.
  function render(container, usage, caption) {
    container.replaceChildren();
    const rows = usage.data || [];
    const granularity = usage.granularity;
    const max = Math.max(1, ...rows.map(total));
    const W = 720, H = 200, left = 44, bottom = 22, top = 8;
    const plotW = W - left - 8, plotH = H - bottom - top;
    const bw = rows.length ? plotW / rows.length : plotW;

    const legend = document.createElement('ul');
    legend.className = 'chart-legend';
    for (const [, label, colour] of SERIES) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.setAttribute('aria-hidden', 'true');
      sw.style.background = colour;
      li.append(sw, document.createTextNode(label));
      legend.append(li);
    }

    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
      'aria-label': `${caption}: ${rows.reduce((s, r) => s + total(r), 0).toLocaleString()} requests; the table below has the numbers.` });
    for (const f of [0, 0.5, 1]) {
      const y = top + plotH - f * plotH;
      svg.append(el('line', { x1: left, x2: W - 8, y1: y, y2: y, stroke: '#e5e7eb' }));
      svg.append(el('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4b5563' },
        Math.round(f * max).toLocaleString()));
    }
    const hover = document.createElement('p');
    hover.className = 'chart-hover small';
    hover.setAttribute('aria-live', 'polite');
    hover.textContent = rows.length ? 'Point at a bar for its numbers.' : 'No data.';

    rows.forEach((row, i) => {
      const g = el('g', { class: 'bar', 'data-start': row.start });
      g.append(el('title', {}, describe(row, granularity)));
      let y = top + plotH;
      for (const [k, , colour] of SERIES) {
        const v = row[k] || 0;
        if (!v) continue;
        const h = (v / max) * plotH;
        y -= h;
        g.append(el('rect', { x: left + i * bw + 1, y, width: Math.max(1, bw - 2), height: h, fill: colour }));
      }
      // A transparent hit area over the whole column, so empty buckets can be hovered too.
      g.append(el('rect', { x: left + i * bw, y: top, width: bw, height: plotH, fill: 'transparent' }));
      const say = () => { hover.textContent = describe(row, granularity); };
      g.addEventListener('mouseenter', say);
      svg.append(g);
    });
    const step = Math.max(1, Math.ceil(rows.length / 6));
    rows.forEach((row, i) => {
      if (i % step) return;
      svg.append(el('text', { x: left + i * bw + bw / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#4b5563', 'aria-hidden': 'true' },
        bucketLabel(row.start, granularity)));
    });

    const details = document.createElement('details');
    details.className = 'chart-table';
    const summary = document.createElement('summary');
    summary.textContent = 'Show the numbers as a table';
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    const table = document.createElement('table');
    table.className = 'keys';
    const cap = document.createElement('caption');
    cap.className = 'sr-only';
    cap.textContent = caption;
    const head = document.createElement('tr');
    for (const h of ['Start', ...SERIES.map((s) => s[1]), 'Credits']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (const row of rows) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = bucketLabel(row.start, granularity);
      tr.append(th);
      for (const k of [...SERIES.map((s) => s[0]), 'credits']) {
        const td = document.createElement('td');
        td.textContent = (row[k] || 0).toLocaleString();
        tr.append(td);
      }
      tbody.append(tr);
    }
    table.append(cap, thead, tbody);
    wrap.append(table);
    details.append(summary, wrap);
    container.append(legend, svg, hover, details);
  }

  // Loads and draws; says so in `container` when usage is not available.
  async function show(container, filter, range, caption, headers) {
    container.setAttribute('aria-busy', 'true');
    try {
      render(container, await load(filter, range, headers), caption);
    } catch (err) {
      const p = document.createElement('p');
      p.className = 'muted';
      // A server without usage counting (API.md 12) has no such path.
      p.textContent = err.status === 404 && err.message === 'No such path.'
        ? 'Usage is not available on this server.'
        : 'Usage could not be loaded: ' + err.message;
      container.replaceChildren(p);
    } finally {
      container.removeAttribute('aria-busy');
    }
  }

  return { show, render, SERIES, RANGES };
})();
