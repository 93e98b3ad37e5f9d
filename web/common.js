// Shared by the dashboard and the agent sign-in page: JSON calls to keyward's API with the
// session cookie and the CSRF token, error display, and the sign-in / sign-up form.
'use strict';

const kw = (() => {
  let csrf = '';

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || `The server answered ${status}.`);
      this.status = status;
      this.code = e.code || '';
      this.param = e.param || '';
    }
  }

  // `extra`: more request headers (the console's Keyward-Account when it acts on an account).
  async function api(method, path, body, extra) {
    const headers = Object.assign({ 'Accept': 'application/json' }, extra || {});
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
      res = await fetch(path, {
        method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, { error: { message: 'The server cannot be reached. Check your connection.' } });
    }
    let data = null;
    try { data = await res.json(); } catch (err) { data = null; }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  const $ = (id) => document.getElementById(id);

  function showAlert(message, kind) {
    const box = $('alert');
    if (!box) return;
    box.textContent = message;
    box.className = 'alert' + (kind ? ' alert-' + kind : '');
    box.hidden = !message;
    if (message && kind !== 'ok') box.scrollIntoView({ block: 'nearest' });
  }
  const clearAlert = () => showAlert('');

  // Returns the session ({csrf_token, email, account}) or null when signed out.
  async function currentSession() {
    try {
      const s = await api('GET', '/v1/session');
      csrf = s.csrf_token;
      return s;
    } catch (err) {
      if (err.status === 401) return null;
      throw err;
    }
  }

  async function signOut() {
    await api('DELETE', '/v1/session');
    csrf = '';
  }

  // Wires the #auth-form sign-in / sign-up form; calls onSignedIn(session) on success.
  function setupAuthForm(onSignedIn) {
    let mode = 'signin';
    const render = () => {
      const up = mode === 'signup';
      $('auth-title').textContent = up ? 'Create your keyward account' : 'Sign in to keyward';
      $('auth-submit').textContent = up ? 'Create account' : 'Sign in';
      $('auth-switch-text').textContent = up ? 'Already have an account?' : 'New here?';
      $('auth-switch').textContent = up ? 'Sign in' : 'Create an account';
      $('auth-password').autocomplete = up ? 'new-password' : 'current-password';
      $('password-hint').hidden = !up;
    };
    $('auth-switch').addEventListener('click', () => {
      mode = mode === 'signin' ? 'signup' : 'signin';
      clearAlert();
      render();
      $('auth-email').focus();
    });
    $('auth-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearAlert();
      const email = $('auth-email').value.trim();
      const password = $('auth-password').value;
      if (!email || !password) {
        showAlert('Enter your email and password.', 'error');
        return;
      }
      const button = $('auth-submit');
      button.disabled = true;
      try {
        const s = await api('POST', mode === 'signup' ? '/v1/signup' : '/v1/session', { email, password });
        csrf = s.csrf_token;
        $('auth-password').value = '';
        onSignedIn(s);
      } catch (err) {
        showAlert(err.message, 'error');
      } finally {
        button.disabled = false;
      }
    });
    render();
  }

  function formatTime(unix) {
    if (unix === null || unix === undefined) return '—';
    const d = new Date(unix * 1000);
    return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) +
      ' ' + d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }

  function relativeTime(unix) {
    if (unix === null || unix === undefined) return 'Never';
    const s = Math.round(Date.now() / 1000 - unix);
    if (s < 60) return 'Just now';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return formatTime(unix);
  }

  async function copyFrom(input, button) {
    const text = input.value;
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {
      input.select();
      document.execCommand('copy');
    }
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  }

  // Opens a modal dialog that works by keyboard: the browser closes it on Escape; Tab and
  // Shift+Tab cycle through its controls (never out of it); when it closes, focus goes back to
  // what opened it.
  const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), ' +
    'textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';
  function trapTab(ev) {
    if (ev.key !== 'Tab') return;
    const items = [...ev.currentTarget.querySelectorAll(FOCUSABLE)].filter((e) => e.offsetParent !== null);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (ev.shiftKey && (document.activeElement === first || !ev.currentTarget.contains(document.activeElement))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  }
  function openDialog(dialog, focus) {
    const opener = document.activeElement;
    dialog.addEventListener('keydown', trapTab);
    dialog.addEventListener('close', () => {
      dialog.removeEventListener('keydown', trapTab);
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    }, { once: true });
    dialog.showModal();
    if (focus) focus.focus();
  }

  // Metadata (API.md 11.1) as editable text: one `key=value` a line.
  function metadataText(metadata) {
    return Object.entries(metadata || {}).map(([k, v]) => `${k}=${v}`).join('\n');
  }

  // The `key=value` lines of `text` as an object; throws an Error naming a line without `=`.
  function parseMetadata(text) {
    const out = {};
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`Write metadata as key=value, one a line ("${line.slice(0, 40)}" has no key).`);
      out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return out;
  }

  // What to send so that the stored metadata `before` becomes `after` (API.md 11.1 merges: a key
  // set to "" is removed), or null when nothing changes.
  function metadataPatch(before, after) {
    const patch = {};
    for (const k of Object.keys(before || {})) if (!(k in after)) patch[k] = '';
    for (const [k, v] of Object.entries(after)) if ((before || {})[k] !== v) patch[k] = v;
    return Object.keys(patch).length ? patch : null;
  }

  // Words separated by commas, spaces or new lines (permissions, CIDRs, event types).
  const parseList = (text) => text.split(/[\s,]+/).filter(Boolean);

  // A table cell with text (never markup from the API) or a node; a status badge; a small button.
  function cell(row, content, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (content instanceof Node) td.append(content); else td.textContent = content;
    row.append(td);
    return td;
  }
  function badge(text, kind) {
    const b = document.createElement('span');
    b.className = 'badge badge-' + kind;
    b.textContent = text;
    return b;
  }
  const statusBadge = (status) => badge(status[0].toUpperCase() + status.slice(1), status);
  function smallButton(text, label, data, danger) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn btn-small' + (danger ? ' btn-danger-ghost' : '');
    b.textContent = text;
    b.setAttribute('aria-label', label);
    Object.assign(b.dataset, data);
    return b;
  }

  // A dialog's own error line (the page's alert sits behind a modal dialog): `message` or clear.
  function dialogError(el, message) {
    el.textContent = message || '';
    el.hidden = !message;
  }

  // Every [data-copy=ID] button copies the input with that id.
  document.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-copy]');
    if (button) copyFrom($(button.dataset.copy), button);
    const close = ev.target.closest('[data-close]');
    if (close) close.closest('dialog').close();
  });

  return { api, ApiError, $, showAlert, clearAlert, currentSession, signOut, setupAuthForm,
           formatTime, relativeTime, openDialog, metadataText, parseMetadata, metadataPatch,
           parseList, cell, badge, statusBadge, smallButton, dialogError };
})();
