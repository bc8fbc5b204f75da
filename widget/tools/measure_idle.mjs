// Idle frames and frame time while typing, in headless Chromium against the real relay (uses the
// browser tests' harness). Run from the source tree after a build, with the e2e environment:
//   LANTERN_RELAY=build/native/relay/lantern-relay LANTERN_KB=build/native/kb-bundle/lantern-kb \
//   LANTERN_SRC=$PWD LANTERN_DIST=$PWD/dist/web node widget/tools/measure_idle.mjs
import { start, openWidget, sleep, typeText } from '../../tests/e2e/harness.mjs';
const t = await start({ locale: 'en-US' });
try {
  const t0 = Date.now();
  const w = await openWidget(t);
  const ready = Date.now() - t0;
  const frame = t.page.frames().find((f) => /widget\/index.html/.test(f.url()));
  const stats = () => frame.evaluate(() => window.LanternBridge.stats());
  await sleep(1500);
  const a = await stats();
  await sleep(5000);
  const b = await stats();
  console.log(`idle 5 s: ${b.frames - a.frames} frames drawn`);
  const search = w.getByRole('textbox', { name: 'Search help articles' });
  const c = await stats();
  await typeText(t.page, search, 'withdrawal not received', { delay: 60 });
  const d = await stats();
  console.log(`typing 23 chars: ${d.frames - c.frames} frames, ${((d.frameMs - c.frameMs) / (d.frames - c.frames)).toFixed(2)} ms per frame (lw_frame incl. WebGL on SwiftShader)`);
} finally { await t.done(); }
