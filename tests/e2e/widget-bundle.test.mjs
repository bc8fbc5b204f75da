// The signed bundle in the browser: a good one is verified by WebCrypto while the WebAssembly
// compiles (the core only opens it); one altered on the way or signed by another key is refused
// by the core's verifier with the reason on the widget's error screen, nothing of it shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { start, launch, openWidget } from './harness.mjs';

const kbTool = () => process.env.LANTERN_KB || path.join(process.env.LANTERN_SRC || '.', 'build/native/kb-bundle/lantern-kb');
const widgetFrame = (t) => t.page.frames().find((f) => /\/widget\/index\.html/.test(f.url()));
const marks = (t) => widgetFrame(t).evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
const widgetText = (t) => widgetFrame(t).evaluate(() => document.body.innerText);

test('good, altered and wrongly signed bundles in the widget', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    const good = fs.readFileSync(t.site.bundle);
    execFileSync(kbTool(), ['keygen', '--out', path.join(t.site.work, 'other')], { stdio: 'ignore' });
    const otherKey = fs.readFileSync(path.join(t.site.work, 'other.pub'), 'utf8');

    // 1. Altered in transit: one byte of an article's text flipped.
    const altered = Buffer.from(good);
    altered[Math.floor(altered.length / 2)] ^= 0x20;
    await t.context.route('**/kb.bundle', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: altered }));
    await openWidget(t);
    assert.match(await widgetText(t), /bundle was altered/);
    assert.ok((await marks(t)).includes('lw:bundle-checked-core'), 'a failed WebCrypto check must go to the core verifier');

    // 2. A pinned key that did not sign it. Each case in a fresh browser profile: the first one's
    // service worker would otherwise answer from its cache, past the routes.
    const b2 = await launch();
    try {
      const t2 = { ...t, ...b2 };
      await b2.context.route('**/demo.pub', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: otherKey }));
      await openWidget(t2);
      assert.match(await widgetText(t2), /signed with a different key/);
    } finally {
      await b2.close();
    }
  } finally {
    await t.done();
  }
});

test('the real bundle and key: verified by WebCrypto, the help centre opens', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    await openWidget(t);
    const w = t.page.frameLocator('iframe[title="Lantern support"]');
    await w.getByRole('textbox', { name: /Search/ }).waitFor();
    const m = await marks(t);
    assert.ok(m.includes('lw:bundle-checked-webcrypto'), `marks: ${m.join(', ')}`);
    assert.doesNotMatch(await widgetText(t), /altered|different key/);
  } finally {
    await t.done();
  }
});
