// The agent sign-in page (/agent-auth?token=…&client_name=…): sign in if needed, then approve or
// deny the agent's request. The token never leaves this origin (Referrer-Policy: no-referrer).
'use strict';

(() => {
  const { api, $, showAlert, clearAlert } = kw;
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || '';
  const clientName = (params.get('client_name') || 'Agent').slice(0, 64);

  function show(view) {
    for (const id of ['loading', 'auth-view', 'decide-view', 'done-view', 'invalid-view']) $(id).hidden = id !== view;
  }

  function ask(session) {
    clearAlert();
    $('account-email').textContent = session.email;
    $('account-area').hidden = false;
    $('client-name').textContent = clientName;
    $('key-name').textContent = clientName + ' (agent)';
    $('decide-email').textContent = session.email;
    $('request-code').textContent = token.slice(0, 8).toLowerCase();
    show('decide-view');
    $('approve').focus();
  }

  async function decide(decision) {
    clearAlert();
    for (const id of ['approve', 'deny']) $(id).disabled = true;
    try {
      await api('POST', '/v1/agent-auth/approve', { token, decision, client_name: clientName });
      $('done-title').textContent = decision === 'approve' ? 'Approved' : 'Denied';
      $('done-text').textContent = decision === 'approve'
        ? `${clientName} will receive its key on its next poll. You can close this tab.`
        : `${clientName} was refused. No key was created.`;
      show('done-view');
    } catch (err) {
      if (err.status === 401) { show('auth-view'); }
      showAlert(err.message, 'error');
    } finally {
      for (const id of ['approve', 'deny']) $(id).disabled = false;
    }
  }

  $('approve').addEventListener('click', () => decide('approve'));
  $('deny').addEventListener('click', () => decide('deny'));

  async function start() {
    if (!/^[0-9a-fA-F]{32,128}$/.test(token)) { show('invalid-view'); return; }
    kw.setupAuthForm(ask);
    try {
      const session = await kw.currentSession();
      if (session) ask(session); else { show('auth-view'); $('auth-email').focus(); }
    } catch (err) {
      showAlert(err.message, 'error');
    }
  }
  start();
})();
