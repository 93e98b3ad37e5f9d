// The operator's set-up page (API.md 16): the one-time token travels in the URL's fragment
// (#token=…), which the browser never sends to a server; the page posts it with the chosen
// password to POST /v1/operators/setup, which signs the operator in, and goes to the console.
'use strict';

(() => {
  const { api, $, showAlert, clearAlert } = kw;
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  // Out of the address bar and the history, now that the page has it.
  history.replaceState(null, '', location.pathname);
  if (!token) {
    showAlert('This set-up link is incomplete. Ask for a new one (keyward operators create).', 'error');
    $('setup-submit').disabled = true;
  }

  $('setup-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearAlert();
    const password = $('setup-password').value;
    if (password.length < 8) {
      showAlert('The password needs at least 8 characters.', 'error');
      $('setup-password').focus();
      return;
    }
    if (password !== $('setup-confirm').value) {
      showAlert('The two passwords differ.', 'error');
      $('setup-confirm').focus();
      return;
    }
    $('setup-submit').disabled = true;
    try {
      await api('POST', '/v1/operators/setup', { token, password });
      location.assign('/dashboard/');
    } catch (err) {
      showAlert(err.message, 'error');
      $('setup-submit').disabled = false;
    }
  });
})();
