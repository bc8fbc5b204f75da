// web/lantern.js on the demo page, against a stand-in widget written by this test (the launcher's
// contract only: lazy iframe, queued commands, events, origins, theme, analytics). The real widget
// is driven in widget.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { start, sleep, until } from './harness.mjs';

// The stand-in answers like the real widget: 'ready' a little after load, then records what the
// parent sent (only from the origin named in ?origin=), and has two buttons to speak back.
const STAND_IN = `<!doctype html><meta charset="utf-8"><title>stand-in widget</title>
<button id="t">File</button><button id="c">Close</button><pre id="log"></pre>
<script>
const q = new URLSearchParams(location.search), parentOrigin = q.get('origin');
window.received = [];
addEventListener('message', (e) => {
  if (e.source !== parent || e.origin !== parentOrigin) return;
  received.push(e.data);
  document.getElementById('log').textContent = JSON.stringify(received);
});
setTimeout(() => parent.postMessage({ lantern: 1, type: 'ready' }, parentOrigin), 400);
document.getElementById('t').onclick = () =>
  parent.postMessage({ lantern: 1, type: 'ticket', id: 'T-STUB1', status: 'open', category: 'deposit-not-credited' }, parentOrigin);
document.getElementById('c').onclick = () => parent.postMessage({ lantern: 1, type: 'close' }, parentOrigin);
</script>`;

const launcherName = /Help & support/;
const widgetFrame = (page) => page.frames().find((f) => /\/widget\/index\.html/.test(f.url()));
async function received(page) {
  for (let i = 0; i < 100; ++i) {
    const f = widgetFrame(page);
    if (f) {
      const r = await f.evaluate(() => window.received).catch(() => null);
      if (r) return r;
    }
    await sleep(50);
  }
  throw new Error('the widget frame never loaded');
}

test('nothing of the widget loads before the click; the click creates the titled iframe', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN, 'app.wasm': 'x' } });
  try {
    await t.page.goto(t.relay.url + '/');
    const launcher = t.page.getByRole('button', { name: launcherName });
    await launcher.waitFor();
    await sleep(1000); // idle time in which a careless loader would prefetch
    const early = t.requests.map((r) => new URL(r.url).pathname);
    assert.ok(early.includes('/lantern.js'), early.join(' '));
    for (const p of early) assert.doesNotMatch(p, /\/widget\/|\.wasm$|\.bundle$|\.pub$|\.(ttf|otf|woff2?)$/, `${p} was loaded before the click`);
    assert.equal(await t.page.locator('iframe').count(), 0);
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');

    await launcher.click();
    const frame = t.page.getByTitle('Lantern support');
    await frame.waitFor();
    // The launcher now closes the panel, and says so.
    assert.equal(await t.page.getByRole('button', { name: 'Close support' }).getAttribute('aria-expanded'), 'true');
    const src = new URL(await frame.getAttribute('src'));
    assert.equal(src.pathname, '/widget/index.html');
    assert.equal(src.searchParams.get('relay'), t.relay.url + '/');
    assert.equal(src.searchParams.get('bundle'), t.relay.url + '/kb.bundle');
    assert.equal(src.searchParams.get('key'), t.relay.url + '/demo.pub');
    assert.equal(src.searchParams.get('lang'), 'en');
    assert.equal(src.searchParams.get('origin'), t.relay.url);
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});

test('the host page is not restyled: same computed styles and stylesheets with and without the launcher', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN } });
  try {
    const snapshot = () => t.page.evaluate(() => {
      const pick = (sel) => {
        const cs = getComputedStyle(document.querySelector(sel));
        return ['font-family', 'font-size', 'color', 'background-color', 'margin', 'padding', 'line-height', 'display', 'border']
          .map((k) => cs.getPropertyValue(k)).join('|');
      };
      return { body: pick('body'), h1: pick('h1'), th: pick('th'), td: pick('td'), button: pick('button.report'), header: pick('header'),
               sheets: document.styleSheets.length, bodyKids: [...document.body.children].map((e) => e.tagName) };
    });
    await t.context.route('**/lantern.js', (r) => r.abort());
    await t.page.goto(t.relay.url + '/');
    const without = await snapshot();
    await t.context.unroute('**/lantern.js');
    await t.page.goto(t.relay.url + '/');
    await t.page.getByRole('button', { name: launcherName }).waitFor();
    const withIt = await snapshot();
    assert.deepEqual({ ...withIt, bodyKids: undefined }, { ...without, bodyKids: undefined });
    // The only addition to the document: one host element whose styles live in its shadow root.
    assert.deepEqual(withIt.bodyKids, [...without.bodyKids, 'LANTERN-LAUNCHER']);
    // The page stays usable under and around the launcher.
    await t.page.getByRole('link', { name: 'Markets' }).click({ trial: true });
  } finally {
    await t.done();
  }
});

test('a deep link and the identity made before the widget is ready arrive after its ready, in order', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN } });
  try {
    await t.page.goto(t.relay.url + '/');
    const readyAt = t.page.evaluate(() => new Promise((res) => window.Lantern.on('ready', () => res(performance.now()))));
    await t.page.getByRole('row').filter({ hasText: 'c3b9e5d2' }).getByRole('button', { name: 'Report a problem' }).click();
    await readyAt;
    const msgs = await until(async () => { const r = await received(t.page); return r.length >= 2 && r; }, 'two messages');
    const identify = msgs.find((m) => m.type === 'identify');
    const hash = crypto.createHmac('sha256', 'e2e-identity-secret').update('u_e2e_42').digest('hex');
    assert.deepEqual(identify, { lantern: 1, type: 'identify', userId: 'u_e2e_42', userHash: hash });
    const open = msgs.find((m) => m.type === 'open');
    assert.equal(open.category, 'withdrawal-not-received');
    assert.equal(open.fields.txid, 'c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70');
    assert.equal(open.fields.address, 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8');
    assert.equal(open.fields.coin, 'USDT');
    assert.equal(open.fields.chain, 'TRC20');
    assert.equal(open.fields.amount, '1250.5');
    assert.equal(open.fields.status, 'completed');
    assert.match(open.fields.time, /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    // A deposit row opens the deposit form, without a status field. (The open panel covers the
    // right of the page, as it would for a user: close it first with the launcher.)
    await t.page.getByRole('button', { name: 'Close support' }).click();
    await t.page.getByRole('row').filter({ hasText: '9f2c4e7a' }).getByRole('button', { name: 'Report a problem' }).click();
    const dep = (await until(async () => { const r = await received(t.page); return r.length >= 3 && r; }, 'the deposit link'))[2];
    assert.equal(dep.category, 'deposit-not-credited');
    assert.equal(dep.fields.chain, 'BTC');
    assert.equal(dep.fields.address, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq');
    assert.equal(dep.fields.status, undefined);
  } finally {
    await t.done();
  }
});

test("the widget's ticket and close reach the page; focus returns to where it was", { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN } });
  try {
    await t.page.goto(t.relay.url + '/');
    const tickets = t.page.evaluate(() => new Promise((res) => window.Lantern.on('ticket', res)));
    const launcher = t.page.getByRole('button', { name: launcherName });
    await launcher.click();
    const frame = t.page.frameLocator('iframe[title="Lantern support"]');
    await received(t.page);
    await frame.getByRole('button', { name: 'File' }).click();
    assert.deepEqual(await tickets, { id: 'T-STUB1', status: 'open', category: 'deposit-not-credited' });
    await t.page.getByText('Support ticket T-STUB1 created (deposit-not-credited)').waitFor();
    await frame.getByRole('button', { name: 'Close' }).click();
    await until(() => t.page.getByTitle('Lantern support').isHidden(), 'the panel to hide');
    const reopened = t.page.getByRole('button', { name: launcherName });
    assert.equal(await reopened.getAttribute('aria-expanded'), 'false');
    assert.ok(await reopened.evaluate((b) => b.getRootNode().activeElement === b), 'focus is back on the launcher');
    // Reopening keeps the same widget (its state survives a close).
    await reopened.click();
    assert.equal(await t.page.locator('iframe').count(), 1);
    assert.equal((await received(t.page)).length >= 0, true);
  } finally {
    await t.done();
  }
});

test('messages from any other frame or origin are ignored', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN } });
  try {
    // Another origin (localhost is not 127.0.0.1) in a frame on the same page, posting as if it were the widget.
    fs.writeFileSync(path.join(t.site.web, 'evil.html'),
      `<script>for (const type of ['ready','ticket','close']) parent.postMessage({lantern:1,type,id:'T-FAKE',status:'open',category:'x'}, '*');</script>`);
    await t.page.goto(t.relay.url + '/');
    await t.page.evaluate(() => {
      window.seen = [];
      for (const k of ['ticket', 'ready', 'close']) window.Lantern.on(k, () => window.seen.push(k));
    });
    await t.page.getByRole('button', { name: launcherName }).click();
    await received(t.page);
    await t.page.evaluate((u) => {
      for (const src of [u.replace('127.0.0.1', 'localhost') + '/evil.html', u + '/evil.html']) {
        const f = document.createElement('iframe');
        f.src = src;
        document.body.appendChild(f);
      }
    }, t.relay.url);
    await sleep(1500);
    assert.deepEqual(await t.page.evaluate(() => window.seen), ['ready']);
    assert.equal(await t.page.getByText('T-FAKE').count(), 0);
  } finally {
    await t.done();
  }
});

test('init: accent, dark theme, left position, language; analytics off by option and by Do Not Track', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': STAND_IN } });
  try {
    await t.page.goto(t.relay.url + '/');
    await t.page.evaluate(() => window.Lantern.init({ position: 'bottom-left', lang: 'zh-CN', analytics: false }));
    const launcher = t.page.getByRole('button', { name: '帮助与支持' });
    const box = await launcher.boundingBox();
    assert.ok(box.x < 100, `launcher at x=${box.x}, expected the left side`);
    await launcher.click();
    const src = new URL(await t.page.getByTitle('Lantern support').getAttribute('src'));
    assert.equal(src.searchParams.get('lang'), 'zh-CN');
    await received(t.page);
    await t.page.evaluate(() => window.Lantern.init({ accent: '#e8590c', theme: 'dark' }));
    const msgs = await until(async () => { const r = await received(t.page); return r.some((m) => m.type === 'theme') && r; }, 'theme');
    assert.deepEqual(msgs.find((m) => m.type === 'analytics'), { lantern: 1, type: 'analytics', enabled: false });
    assert.deepEqual(msgs.find((m) => m.type === 'theme'), { lantern: 1, type: 'theme', accent: '#e8590c', mode: 'dark' });
    assert.equal(await t.page.getByRole('button', { name: '关闭帮助' }).evaluate((b) => getComputedStyle(b).backgroundColor),
                 'rgb(232, 89, 12)');
  } finally {
    await t.done();
  }
  const dnt = await start({ widget: { 'index.html': STAND_IN } });
  try {
    await dnt.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }));
    await dnt.page.goto(dnt.relay.url + '/');
    await dnt.page.getByRole('button', { name: launcherName }).click();
    const msgs = await until(async () => { const r = await received(dnt.page); return r.some((m) => m.type === 'analytics') && r; }, 'analytics');
    assert.deepEqual(msgs.find((m) => m.type === 'analytics'), { lantern: 1, type: 'analytics', enabled: false });
  } finally {
    await dnt.done();
  }
});
