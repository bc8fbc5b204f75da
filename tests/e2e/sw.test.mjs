// web/widget/sw.js, as scripts/assemble-web.sh stamps it, in front of a stand-in widget folder
// written by this test: precache and offline start, stale-while-revalidate for the bundle, no API
// call or POST ever cached, and a new build replacing the old cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { start, srcDir, sleep, until } from './harness.mjs';

// Registers ./sw.js like the real widget, then loads its parts and the bundle named in ?bundle=.
const PAGE = `<!doctype html><meta charset="utf-8"><title>stand-in widget</title><p id="out">starting</p>
<script src="app.js"></script>
<script>
const q = new URLSearchParams(location.search);
window.loaded = (async () => {
  await navigator.serviceWorker.register('sw.js');
  await navigator.serviceWorker.ready;
  const wasm = await (await fetch('app.wasm')).arrayBuffer();
  const bundle = await (await fetch(q.get('bundle'))).arrayBuffer();
  const font = await (await fetch('ui.ttf')).arrayBuffer();
  const r = { app: window.APP_VERSION, wasm: wasm.byteLength, bundle: bundle.byteLength, font: font.byteLength,
              controlled: !!navigator.serviceWorker.controller };
  document.getElementById('out').textContent = JSON.stringify(r);
  return r;
})();
</script>`;

function stamp(web) {
  execFileSync(path.join(srcDir(), 'scripts/assemble-web.sh'), [web], { stdio: 'ignore' });
}

test('the widget starts offline from its cache; the bundle is stale-while-revalidate; API calls are never cached', { timeout: 240000 }, async () => {
  const t = await start({ widget: { 'index.html': PAGE, 'app.js': 'window.APP_VERSION = 1;', 'app.wasm': 'W'.repeat(1000), 'ui.ttf': 'F'.repeat(500) } });
  try {
    stamp(t.site.web);
    const sw = fs.readFileSync(path.join(t.site.web, 'widget/sw.js'), 'utf8');
    const build1 = /const BUILD = '([0-9a-f]{12})'/.exec(sw)[1];
    assert.match(sw, /const ASSETS = \['\.\/', '\.\/app\.js', '\.\/app\.wasm', '\.\/index\.html', '\.\/ui\.ttf'\];/);

    const url = `${t.relay.url}/widget/index.html?relay=${encodeURIComponent(t.relay.url + '/')}&bundle=${encodeURIComponent(t.relay.url + '/kb.bundle')}`;
    const bundleSize = fs.statSync(path.join(t.site.web, 'kb.bundle')).size;
    await t.page.goto(url);
    const first = await t.page.evaluate(() => window.loaded);
    assert.deepEqual({ ...first, controlled: undefined }, { app: 1, wasm: 1000, bundle: bundleSize, font: 500, controlled: undefined });
    await until(() => t.page.evaluate(() => !!navigator.serviceWorker.controller), 'the worker to control the page');

    // API calls and POSTs go past the cache.
    const api = await t.page.evaluate(async (base) => {
      const post = await fetch(base + '/v1/tickets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const health = await fetch(base + '/healthz');
      const names = await caches.keys();
      const urls = [];
      for (const n of names) for (const k of await (await caches.open(n)).keys()) urls.push(k.url);
      return { post: post.status, health: health.status, names, urls };
    }, t.relay.url);
    assert.equal(api.post, 400);
    assert.equal(api.health, 200);
    assert.deepEqual(api.names.sort(), ['lantern-data-v1', `lantern-widget-${build1}`]);
    assert.ok(!api.urls.some((u) => /\/v1\/|healthz/.test(u)), api.urls.join(' '));
    for (const f of ['app.js', 'app.wasm', 'index.html', 'ui.ttf']) assert.ok(api.urls.includes(`${t.relay.url}/widget/${f}`), f);
    assert.ok(api.urls.includes(`${t.relay.url}/kb.bundle`));

    // Offline: the same page, with its query, starts from the cache.
    await t.context.setOffline(true);
    await t.page.reload();
    const offline = await t.page.evaluate(() => window.loaded);
    assert.deepEqual(offline, { app: 1, wasm: 1000, bundle: bundleSize, font: 500, controlled: true });
    await t.context.setOffline(false);

    // A new bundle on the server: the next load still gets the cached one at once, and the one
    // after that the new one (stale-while-revalidate).
    fs.appendFileSync(path.join(t.site.web, 'kb.bundle'), Buffer.alloc(100));
    await t.page.reload();
    assert.equal((await t.page.evaluate(() => window.loaded)).bundle, bundleSize);
    await sleep(500);
    await t.page.reload();
    assert.equal((await t.page.evaluate(() => window.loaded)).bundle, bundleSize + 100);

    // A new build: a new sw.js, a new cache; the old one is deleted when it activates.
    fs.writeFileSync(path.join(t.site.web, 'widget/app.js'), 'window.APP_VERSION = 2;');
    stamp(t.site.web);
    const build2 = /const BUILD = '([0-9a-f]{12})'/.exec(fs.readFileSync(path.join(t.site.web, 'widget/sw.js'), 'utf8'))[1];
    assert.notEqual(build2, build1);
    await t.page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await until(() => t.page.evaluate(async (b) => (await caches.keys()).includes(`lantern-widget-${b}`), build2), 'the new cache');
    await until(async () => !(await t.page.evaluate(async (b) => (await caches.keys()).includes(`lantern-widget-${b}`), build1)),
                'the old cache to be deleted');
    await t.page.reload();
    assert.equal((await t.page.evaluate(() => window.loaded)).app, 2);
  } finally {
    await t.done();
  }
});
