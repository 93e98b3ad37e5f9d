// The customer dashboard's "Edit key" dialog (API.md 11.1): a key's metadata and IP allowlist, saved with one POST /v1/tokens/:id that sends only what changed. A refusal (e.g. a
// CIDR with host bits set) is shown inside the dialog, which stays open with what was typed.
'use strict';

const kwKeyEdit = (() => {
  const { api, $ } = kw;
  let target = null;
  let done = null;

  function open(key, onSaved) {
    target = key;
    done = onSaved;
    $('edit-form').reset();
    kw.dialogError($('edit-error'), '');
    $('edit-title').textContent = 'Edit ' + key.name;
    $('edit-prefix').textContent = key.key_prefix + '…' + key.last4;
    $('edit-metadata').value = kw.metadataText(key.metadata);
    $('edit-allowlist').value = (key.ip_allowlist || []).join('\n');
    kw.openDialog($('edit-dialog'), $('edit-metadata'));
  }

  // The update body: only the fields that differ from the key as listed.
  function changes() {
    const body = {};
    let metadata;
    try {
      metadata = kw.parseMetadata($('edit-metadata').value);
    } catch (err) {
      throw Object.assign(err, { field: 'edit-metadata' });
    }
    const patch = kw.metadataPatch(target.metadata, metadata);
    if (patch) body.metadata = patch;
    const allowlist = kw.parseList($('edit-allowlist').value);
    if (allowlist.join(',') !== (target.ip_allowlist || []).join(',')) body.ip_allowlist = allowlist;
    return body;
  }

  const fieldOf = { metadata: 'edit-metadata', ip_allowlist: 'edit-allowlist' };

  $('edit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = changes();
    } catch (err) {
      kw.dialogError($('edit-error'), err.message);
      $(err.field).focus();
      return;
    }
    if (Object.keys(body).length === 0) {
      $('edit-dialog').close();
      return;
    }
    $('edit-submit').disabled = true;
    try {
      const updated = await api('POST', `/v1/tokens/${encodeURIComponent(target.id)}`, body);
      $('edit-dialog').close();
      await done(updated);
    } catch (err) {
      if (err.status === 401) {
        $('edit-dialog').close();
        await done(null, err);
        return;
      }
      kw.dialogError($('edit-error'), err.message);
      const field = fieldOf[(err.param || '').split(/[.[]/)[0]];
      if (field) $(field).focus();
    } finally {
      $('edit-submit').disabled = false;
    }
  });

  return { open };
})();
