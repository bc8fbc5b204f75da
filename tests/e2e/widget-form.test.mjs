// The guided form in the real widget: a history row's deep link prefills it, a TxID error is shown
// (aria-invalid + message) and goes away once fixed, and a seed phrase cannot be sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openWidget, typeText, clearField, valueOf, sleep, until, armReady, waitReady } from './harness.mjs';

const TXID = 'c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70';
const ADDRESS = 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8';

async function deepLinkFirstRow(t) {
  await t.page.goto(t.relay.url + '/');
  await t.page.getByRole('button', { name: 'Help & support' }).waitFor();
  await armReady(t.page);
  await t.page.getByRole('row').filter({ hasText: 'c3b9e5d2' }).getByRole('button', { name: 'Report a problem' }).click();
  await waitReady(t);
  return t.page.frameLocator('iframe[title="Lantern support"]');
}

test("deep link: 'Report a problem' on a withdrawal opens its form with the row's data", { timeout: 240000 }, async () => {
  const t = await start();
  try {
    const w = await deepLinkFirstRow(t);
    await w.getByRole('heading', { level: 1, name: 'Withdrawal not received or stuck' }).waitFor();
    const txid = w.getByRole('textbox', { name: 'Transaction ID (TxID)' });
    await until(async () => (await valueOf(txid)) === TXID, 'the TxID to be prefilled');
    assert.equal(await valueOf(w.getByRole('textbox', { name: 'Receiving address' })), ADDRESS);
    assert.equal(await valueOf(w.getByRole('textbox', { name: 'Amount' })), '1250.5');
    assert.equal(await valueOf(w.getByRole('textbox', { name: 'Coin' })), 'USDT');
    assert.match(await valueOf(w.getByRole('textbox', { name: 'When you withdrew' })), /^\d{4}-\d\d-\d\d \d\d:\d\d/);
    // Prefilled and valid: nothing is marked invalid.
    assert.notEqual(await txid.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});

test('a TxID error is shown (aria-invalid and the message) and goes away once the TxID is fixed', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    const w = await deepLinkFirstRow(t);
    const txid = w.getByRole('textbox', { name: 'Transaction ID (TxID)' });
    await until(async () => (await valueOf(txid)) === TXID, 'the TxID to be prefilled');
    // The classic mistake: the address pasted where the TxID goes.
    await clearField(t.page, txid);
    await typeText(t.page, txid, ADDRESS);
    await until(async () => (await txid.getAttribute('aria-invalid')) === 'true', 'aria-invalid on the TxID');
    const described = await txid.evaluate((e) => (e.getAttribute('aria-describedby') || '').split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent || '').join(' '));
    assert.match(described, /looks like an address, not a transaction ID/);
    await w.getByText(/looks like an address, not a transaction ID/).first().waitFor();

    await clearField(t.page, txid);
    await typeText(t.page, txid, TXID);
    await until(async () => (await txid.getAttribute('aria-invalid')) !== 'true', 'the error to clear');
    assert.equal(await w.getByText(/looks like an address, not a transaction ID/).count(), 0);
    assert.equal(await valueOf(txid), TXID);
  } finally {
    await t.done();
  }
});

test('a seed phrase in the description is blocked before anything can be sent', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    const w = await openWidget(t);
    await w.getByRole('button', { name: 'Contact support' }).click();
    const words = w.getByRole('textbox', { name: 'Describe what happened, in your own words' });
    // A valid BIP-39 phrase (checksum included), the way a scammed user pastes it.
    await typeText(t.page, words, 'My wallet words are legal winner thank year wave sausage worth useful legal winner thank yellow, please check');
    await w.getByRole('alert').filter({ hasText: 'For your safety this cannot be sent' }).waitFor();
    assert.equal(await words.getAttribute('aria-invalid'), 'true');
    const next = w.getByRole('button', { name: 'Continue' });
    assert.equal(await next.isDisabled() || (await next.getAttribute('aria-disabled')) === 'true', true);
    await next.click({ force: true }).catch(() => {});
    await sleep(300);
    // Still on the same step, nothing reached the relay.
    await w.getByRole('alert').filter({ hasText: 'For your safety this cannot be sent' }).waitFor();
    assert.ok(!t.requests.some((r) => r.method === 'POST' && /\/v1\/tickets/.test(r.url)));
  } finally {
    await t.done();
  }
});
