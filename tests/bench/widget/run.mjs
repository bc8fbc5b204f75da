// Widget benchmark: what the launcher and the open widget cost a page, measured with the real relay
// and headless Chromium on loopback (the browser-test harness in tests/e2e).
//
//   cd tests/e2e && npm ci && cd ../bench/widget && node run.mjs [--runs 10] [--idle 10] [--json out.json]
//
// Needs make test's build (build/native, dist/web). Prints Markdown tables for docs/BENCHMARKS.md,
// with the cold start broken down into steps (medians). --startup: sizes and opens only (quicker);
// LANTERN_BENCH_VERBOSE=1 prints each open's steps. trace.mjs traces one open (CPU per step).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const { harness, arg } = await import('./setup.mjs');
const { makeSite, startRelay, launch, sleep } = harness;
const RUNS = Number(arg('--runs', 10));
const IDLE_S = Number(arg('--idle', 10));
// --startup: only the sizes and the cold/warm opens with their breakdown (quicker, for iterating).
const STARTUP_ONLY = process.argv.includes('--startup');

const br = (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const kb = (n) => (n / 1024).toFixed(1);
const kind = (p) => (/\.wasm$/.test(p) ? 'wasm' : /\.m?js$/.test(p) ? 'js' : /\.(ttf|otf|woff2?)$/.test(p) ? 'font'
  : /\.bundle$/.test(p) ? 'bundle' : /\.(pub|pem)$/.test(p) ? 'key' : /\.css$/.test(p) ? 'css' : /\.html?$|\/$/.test(p) ? 'html' : 'other');

// Times each requestAnimationFrame callback in the widget's frame: the cost of one ImGui frame on
// the main thread (layout, the accessibility mirror, WebGL command submission).
const FRAME_PROBE = () => {
  if (!/\/widget\//.test(location.pathname)) return;
  window.__frames = [];
  window.__timers = 0;
  const st = window.setTimeout.bind(window), si = window.setInterval.bind(window);
  window.setTimeout = (cb, ...a) => st(typeof cb === 'function' ? (...x) => { window.__timers++; return cb(...x); } : cb, ...a);
  window.setInterval = (cb, ...a) => si(typeof cb === 'function' ? (...x) => { window.__timers++; return cb(...x); } : cb, ...a);
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => {
    const t0 = performance.now();
    try { cb(ts); } finally { window.__frames.push([t0, performance.now() - t0]); }
  });
};

async function openOnce(site, relay, { probe = false, beforeClick } = {}) {
  const b = await launch({ locale: 'en-US' });
  if (probe) await b.context.addInitScript(FRAME_PROBE);
  await b.page.goto(relay.url + '/');
  await b.page.getByRole('button', { name: 'Help & support' }).waitFor();
  await sleep(300);
  if (beforeClick) await beforeClick(b);
  const before = b.requests.length;
  const { ms, clickAt } = await b.page.evaluate(() => new Promise((res) => {
    const t0 = performance.now();
    window.Lantern.on('ready', () => res({ ms: performance.now() - t0, clickAt: performance.timeOrigin + t0 }));
    document.querySelector('lantern-launcher').shadowRoot.querySelector('button').click();
  }));
  const steps = await startupSteps(b, clickAt);
  steps['ready event in the page'] = ms;
  if (process.env.LANTERN_BENCH_VERBOSE) console.error(JSON.stringify(steps));
  return { b, ms, before, steps };
}

// Where the cold start's time goes: the User Timing marks of lantern.js (parent page) and of the
// widget page (bridge.js "lw:*", main_web.cpp's atlas and bundle marks), and the Resource Timing of
// each file the widget fetched, as milliseconds after the click.
async function startupSteps(b, clickAt) {
  const grab = () => ({
    origin: performance.timeOrigin,
    marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
    res: performance.getEntriesByType('resource').map((r) => [r.name, r.startTime, r.responseEnd]),
  });
  const fr = b.page.frame({ url: /\/widget\// });
  // The whole font comes in just after ready (main_web.cpp): wait for it, to show when the main
  // thread is free again with every glyph.
  for (let i = 0; i < 40 && fr; ++i) {
    if (await fr.evaluate(() => performance.getEntriesByName('lw:atlas-full-end').length > 0).catch(() => true)) break;
    await sleep(50);
  }
  const parent = await b.page.evaluate(grab);
  const child = fr ? await fr.evaluate(grab) : { origin: 0, marks: [], res: [] };
  const steps = {};
  const at = (o, t) => o + t - clickAt;
  for (const [n, t] of parent.marks) if (n.startsWith('lantern:')) steps[n] = at(parent.origin, t);
  steps['iframe navigation start'] = at(child.origin, 0);
  // Repeated marks (one per frame until ready): the first start and the last end count.
  for (const [n, t] of child.marks) {
    if (!n.startsWith('lw:')) continue;
    if (n === 'lw:frame-start' && steps['lw:first-frame-start'] === undefined) steps['lw:first-frame-start'] = at(child.origin, t);
    if (n === 'lw:frame-end') steps['lw:last-frame-end'] = at(child.origin, t);
    if (steps[n] === undefined || /end$/.test(n)) steps[n] = at(child.origin, t);
  }
  for (const [u, s, e] of child.res) {
    const p = new URL(u).pathname.replace(/^.*\//, '');
    if (!/\.(js|wasm|ttf|bundle|css|pub|pem)$/.test(p)) continue;
    steps[`fetch ${p}`] = [at(child.origin, s), at(child.origin, e)];
  }
  return steps;
}

// Median of each step over the cold opens, in the order the steps happened.
function stepTable(all) {
  const names = new Set();
  for (const s of all) for (const k of Object.keys(s)) names.add(k);
  const rows = [];
  for (const n of names) {
    const v = all.map((s) => s[n]).filter((x) => x !== undefined);
    if (Array.isArray(v[0])) rows.push([n, median(v.map((x) => x[0])), median(v.map((x) => x[1]))]);
    else rows.push([n, median(v), null]);
  }
  rows.sort((a, b) => a[1] - b[1]);
  return rows;
}

async function main() {
  const site = makeSite();
  const relay = await startRelay(site);
  const out = { date: new Date().toISOString(), runs: RUNS };
  try {
    // 1. Transfer sizes.
    const launcher = fs.readFileSync(path.join(site.web, 'lantern.js'));
    out.launcher = { raw: launcher.length, gzip: gz(launcher), brotli: br(launcher) };

    const first = await openOnce(site, relay);
    await sleep(3000); // whatever the open widget loads after ready (fonts, lazy parts)
    const seen = new Map();
    for (const r of first.b.requests.slice(first.before)) {
      const u = new URL(r.url);
      if (u.origin !== relay.url || r.method !== 'GET' || u.pathname.startsWith('/v1/')) continue;
      seen.set(u.pathname, kind(u.pathname));
    }
    const files = [];
    for (const [p, k] of seen) {
      const f = path.join(site.web, decodeURIComponent(p === '/' ? '/index.html' : p));
      if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) continue;
      const bytes = fs.readFileSync(f);
      files.push({ path: p, kind: k, raw: bytes.length, gzip: gz(bytes), brotli: br(bytes) });
    }
    out.files = files;
    const sum = (pred, key) => files.filter(pred).reduce((a, f) => a + f[key], 0);
    const widget = (f) => f.kind !== 'bundle' && f.kind !== 'key' && f.path !== '/demo-user.json';
    out.widget = { raw: sum(widget, 'raw'), gzip: sum(widget, 'gzip'), brotli: sum(widget, 'brotli') };
    out.bundle = { raw: sum((f) => f.kind === 'bundle', 'raw'), gzip: sum((f) => f.kind === 'bundle', 'gzip'),
                   brotli: sum((f) => f.kind === 'bundle', 'brotli') };
    await first.b.close();

    // 2. Click to ready, cold (fresh profile: no HTTP cache, no service worker) and warm (the same
    //    profile reloaded: the service worker's cache).
    // A same-run reference for the machine's speed: a fresh profile loading a minimal page into an
    // iframe (no script, no WebAssembly), measured in the same browser just before each click.
    fs.writeFileSync(path.join(site.web, 'ref.html'), '<!doctype html><title>ref</title><p>reference</p>');
    const cold = [], warm = [], ref = [], coldSteps = [];
    const refFrame = async (b) => ref.push(await b.page.evaluate(() => new Promise((res) => {
      const t0 = performance.now(), f = document.createElement('iframe');
      f.onload = () => { res(performance.now() - t0); f.remove(); };
      f.src = '/ref.html?' + Math.random();
      document.body.appendChild(f);
    })));
    for (let i = 0; i < RUNS; ++i) {
      const o = await openOnce(site, relay, { beforeClick: refFrame });
      cold.push(o.ms);
      coldSteps.push(o.steps);
      await sleep(1500); // the service worker installs
      await o.b.page.reload();
      await o.b.page.getByRole('button', { name: 'Help & support' }).waitFor();
      await sleep(300);
      warm.push(await o.b.page.evaluate(() => new Promise((res) => {
        const t0 = performance.now();
        window.Lantern.on('ready', () => res(performance.now() - t0));
        document.querySelector('lantern-launcher').shadowRoot.querySelector('button').click();
      })));
      await o.b.close();
    }
    out.coldSteps = stepTable(coldSteps);
    out.refIframe = { median: median(ref), p90: pct(ref, 0.9), all: ref };
    out.clickToReady = { cold: { median: median(cold), p90: pct(cold, 0.9), all: cold }, warm: { median: median(warm), p90: pct(warm, 0.9), all: warm } };

    idle: {
      if (STARTUP_ONLY) break idle;
      // 3. Idle CPU of the open widget and of the page alone, and 4. frame time while typing.
      let cdp;
      const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
      const o = await openOnce(site, relay, {
        probe: true,
        beforeClick: async (b) => {
          cdp = await b.context.newCDPSession(b.page);
          await cdp.send('Performance.enable');
          await sleep(1000);
          const a = await task();
          await sleep(IDLE_S * 1000);
          const z = await task();
          out.idlePage = { mainThreadMs: (z - a) * 1000, cpuPercent: ((z - a) / IDLE_S) * 100 };
        },
      });
      const frameCount = () => o.b.page.frame({ url: /\/widget\// }).evaluate(() => window.__frames.length);
      const timerCount = () => o.b.page.frame({ url: /\/widget\// }).evaluate(() => window.__timers);
      await sleep(5000); // one-off work after ready (service worker install, font, GC) settles
      const t0 = await task(), f0 = await frameCount(), c0 = await timerCount(), w0 = Date.now();
      await sleep(IDLE_S * 1000);
      const t1 = await task(), f1 = await frameCount(), c1 = await timerCount(), w1 = Date.now();
      out.idleOpen = { seconds: (w1 - w0) / 1000, mainThreadMs: (t1 - t0) * 1000, cpuPercent: ((t1 - t0) / ((w1 - w0) / 1000)) * 100,
                       frames: f1 - f0, timers: c1 - c0 };

      const frame = o.b.page.frameLocator('iframe[title="Lantern support"]');
      await frame.getByRole('textbox', { name: 'Search help articles' }).click();
      await sleep(500);
      const fr = o.b.page.frame({ url: /\/widget\// });
      await fr.evaluate(() => { window.__frames.length = 0; });
      const text = 'withdrawal not received after three hours on tron';
      const ty0 = Date.now();
      await o.b.page.keyboard.type(text, { delay: 40 });
      await sleep(500);
      const typingMs = Date.now() - ty0;
      const frames = (await fr.evaluate(() => window.__frames)).map((f) => f[1]);
      out.typing = { chars: text.length, ms: typingMs, frames: frames.length, p50: pct(frames, 0.5), p95: pct(frames, 0.95), max: Math.max(...frames) };
      // Idle again, open, with the caret in the search box (results shown), once typing's garbage
      // has been collected.
      await sleep(5000);
      const q0 = await task(), g0 = await frameCount();
      await sleep(IDLE_S * 1000);
      const q1 = await task(), g1 = await frameCount();
      out.idleFocused = { mainThreadMs: (q1 - q0) * 1000, cpuPercent: ((q1 - q0) / IDLE_S) * 100, frames: g1 - g0 };
      await o.b.page.evaluate(() => window.Lantern.close());
      await sleep(1000);
      const p0 = await task(), h0 = await frameCount();
      await sleep(IDLE_S * 1000);
      const p1 = await task(), h1 = await frameCount();
      out.idleClosed = { mainThreadMs: (p1 - p0) * 1000, cpuPercent: ((p1 - p0) / IDLE_S) * 100, frames: h1 - h0 };
      await o.b.close();
    }
  } finally {
    await relay.stop();
    fs.rmSync(site.work, { recursive: true, force: true });
  }

  await report(out);
}

function report(out) {
  const jsonOut = arg('--json');
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(out, null, 2));
  const r = (x) => x.toLocaleString('en-US');
  console.log(`Run of ${out.date} (${RUNS} opens; idle windows of ${IDLE_S} s)\n`);
  console.log('| what | raw bytes | gzip -9 | brotli -11 |\n|---|--:|--:|--:|');
  console.log(`| launcher \`lantern.js\` (before any click) | ${r(out.launcher.raw)} | ${r(out.launcher.gzip)} | **${r(out.launcher.brotli)}** |`);
  for (const f of out.files) console.log(`| ${f.path} (${f.kind}) | ${r(f.raw)} | ${r(f.gzip)} | ${r(f.brotli)} |`);
  console.log(`| **open widget without the bundle** | ${r(out.widget.raw)} | ${r(out.widget.gzip)} | **${r(out.widget.brotli)}** |`);
  console.log(`| bundle (88 articles, forms, strings) | ${r(out.bundle.raw)} | ${r(out.bundle.gzip)} | ${r(out.bundle.brotli)} |`);
  console.log('\n| measure | value |\n|---|--:|');
  console.log(`| click → ready, cold (fresh profile), median / p90 | ${out.clickToReady.cold.median.toFixed(0)} / ${out.clickToReady.cold.p90.toFixed(0)} ms |`);
  console.log(`| same run, reference: a minimal page into a new iframe, median / p90 | ${out.refIframe.median.toFixed(0)} / ${out.refIframe.p90.toFixed(0)} ms |`);
  console.log(`| click → ready, warm (service worker cache), median / p90 | ${out.clickToReady.warm.median.toFixed(0)} / ${out.clickToReady.warm.p90.toFixed(0)} ms |`);
  if (out.idlePage) {
    console.log(`| the demo page with the launcher, never opened, over ${IDLE_S} s | ${out.idlePage.mainThreadMs.toFixed(1)} ms (${out.idlePage.cpuPercent.toFixed(2)} % of one core) |`);
    console.log(`| idle open widget: main-thread task time over ${out.idleOpen.seconds.toFixed(1)} s | ${out.idleOpen.mainThreadMs.toFixed(1)} ms (${out.idleOpen.cpuPercent.toFixed(2)} % of one core), ${out.idleOpen.frames} frames, ${out.idleOpen.timers} timer wake-ups |`);
    console.log(`| idle open widget after typing, caret in the search box, over ${IDLE_S} s | ${out.idleFocused.mainThreadMs.toFixed(1)} ms (${out.idleFocused.cpuPercent.toFixed(2)} %), ${out.idleFocused.frames} frames |`);
    console.log(`| then closed (panel hidden, widget kept), over ${IDLE_S} s | ${out.idleClosed.mainThreadMs.toFixed(1)} ms (${out.idleClosed.cpuPercent.toFixed(2)} %), ${out.idleClosed.frames} frames |`);
    console.log(`| typing ${out.typing.chars} chars at 40 ms: frames, frame time p50 / p95 / max | ${out.typing.frames} frames, ${out.typing.p50.toFixed(2)} / ${out.typing.p95.toFixed(2)} / ${out.typing.max.toFixed(2)} ms |`);
  }
  console.log('\nCold start, median ms after the click (fetches: start → end):\n\n| step | ms |\n|---|--:|');
  for (const [n, a, e] of out.coldSteps) console.log(`| ${n} | ${e === null ? a.toFixed(0) : a.toFixed(0) + ' → ' + e.toFixed(0)} |`);
}

await main();
