// The console's event log (API.md 13, 16): every account's events, newest first, filtered by type
// (exact or `prefix.*`), account and days, paged with "Load more". The filter is read when the form
// is submitted; bad input (an unknown account id, say) comes back from the API as its error.
'use strict';

function kwConsoleLog(ctx) {
  const { $ } = kw;

  const feed = kwEvents.feed(
    { body: 'c-events-body', table: 'c-events-table', empty: 'c-events-empty', more: 'c-events-more' },
    () => {
      const q = new URLSearchParams();
      const type = $('c-ev-type').value.trim();
      const account = $('c-ev-account').value.trim();
      const from = kwEvents.dayStart($('c-ev-from').value, false);
      const until = kwEvents.dayStart($('c-ev-until').value, true);
      if (type) q.set('type', type);
      if (account) q.set('account', account);
      if (from !== null) q.set('created[gte]', String(from));
      if (until !== null) q.set('created[lt]', String(until));
      return q;
    }, ctx.fail, true);

  $('c-events-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    kw.clearAlert();
    feed.load(false);
  });

  return { show: () => feed.load(false), clear: feed.clear };
}
