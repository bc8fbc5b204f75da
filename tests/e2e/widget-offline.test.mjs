// Offline: a ticket filed with the network down waits in the outbox, the widget itself opens
// offline from its service worker, and once the network is back the ticket reaches the relay
// exactly once, even with two widget pages holding the same outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, typeText, storedTickets, sleep, until, armReady, waitReady } from './harness.mjs';

test('a ticket filed offline is delivered exactly once after reconnecting', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    await t.page.goto(t.relay.url + '/');
    await armReady(t.page);
    await t.page.getByRole('row').filter({ hasText: 'c3b9e5d2' }).getByRole('button', { name: 'Report a problem' }).click();
    await waitReady(t);
    const w = t.page.frameLocator('iframe[title="Lantern support"]');
    const frameUrl = await t.page.getByTitle('Lantern support').getAttribute('src');
    // The service worker has the widget's files before the network goes.
    await until(() => t.page.frame({ url: /\/widget\/index\.html/ })?.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return !!(r && r.active);
    }).catch(() => false), 'the service worker to activate', 20000);

    await w.getByRole('heading', { level: 1, name: 'Withdrawal not received or stuck' }).waitFor();
    await typeText(t.page, w.getByRole('textbox', { name: 'Describe the problem' }),
                   'Withdrawal completed three hours ago but nothing arrived on the other exchange.');
    await t.context.setOffline(true);
    await w.getByRole('button', { name: 'Review request' }).click();
    // Leaving the page while the queued ticket is still being written to IndexedDB asks first:
    // a beforeunload dispatched right after the outbox put (same task, not yet committed).
    const wf = t.page.frame({ url: /\/widget\/index\.html/ });
    await wf.evaluate(() => {
      const put = IDBObjectStore.prototype.put;
      window.__leaveGuard = [];
      IDBObjectStore.prototype.put = function (v, k) {
        const r = put.call(this, v, k);
        if (String(k).startsWith('outbox/')) {
          const ev = new Event('beforeunload', { cancelable: true });
          window.dispatchEvent(ev);
          window.__leaveGuard.push(ev.defaultPrevented);
        }
        return r;
      };
    });
    await w.getByRole('button', { name: 'Submit request' }).click();
    await w.getByText(/You seem to be offline/).waitFor();
    await until(() => wf.evaluate(() => LanternBridge.stats().unsaved === 0), 'the outbox write to commit', 10000);
    const guard = await wf.evaluate(() => {
      const ev = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(ev);
      return { during: window.__leaveGuard, after: ev.defaultPrevented };
    });
    assert.ok(guard.during.length >= 1 && guard.during.every(Boolean), `leaving was not guarded while saving: ${JSON.stringify(guard)}`);
    assert.equal(guard.after, false, 'leaving stays guarded after the write committed');
    await sleep(1500); // retries while offline must not reach the relay
    assert.equal((await storedTickets(t)).length, 0);

    // A second page opens the widget straight from the service worker's cache, still offline,
    // and sees the same outbox.
    const second = await t.context.newPage();
    await second.goto(frameUrl);
    await second.getByText('1 ticket will be sent when you are back online.').waitFor({ timeout: 20000 });

    await t.context.setOffline(false);
    await until(async () => (await storedTickets(t)).length >= 1, 'the ticket to arrive', 30000);
    await w.getByText(/Your ticket number is T-/).waitFor({ timeout: 20000 });
    await sleep(3000); // both pages had it queued: a second delivery would show up by now
    const tickets = await storedTickets(t);
    assert.equal(tickets.length, 1, 'exactly one ticket');
    assert.match(tickets[0].ticket.fields.description, /nothing arrived on the other exchange/);
    await until(async () => (await second.getByText('1 ticket will be sent when you are back online.').count()) === 0,
                'the outbox line to go away', 20000);
  } finally {
    await t.done();
  }
});
