// One cold open of the widget under a Chrome trace (CDP Tracing), summarised: the main-thread
// events longer than 5 ms between the click and the page's 'ready', with their start after the
// click. For finding where the cold start's time goes; run.mjs gives the medians.
//
//   cd tests/e2e && npm ci && cd ../bench/widget && node trace.mjs [--out trace.json]
import fs from 'node:fs';

const { harness, arg } = await import('./setup.mjs');
const { makeSite, startRelay, launch, sleep } = harness;

// Per step between consecutive User Timing marks: wall time, and the CPU time of the renderer's
// main thread (trace events carry thread CPU time, "tdur"): on a loaded machine the wall time
// includes waiting for a core, the CPU time does not. Then CPU time per busy thread.
function summarise(events, ms) {
  const t0 = events.find((e) => e.name === 'bench:click').ts;
  const main = events.find((e) => e.name === 'FireAnimationFrame' || e.name === 'EventDispatch')?.tid;
  const marks = events.filter((e) => /^(lantern|lw|p):/.test(e.name) && e.ts >= t0).sort((a, b) => a.ts - b.ts);
  const top = (tid, pid) => {
    const arr = events.filter((e) => e.ph === 'X' && e.tid === tid && (pid === undefined || e.pid === pid)).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const out = [];
    let end = 0;
    for (const e of arr) if (e.ts >= end) { out.push(e); end = e.ts + e.dur; }
    return out;
  };
  const mainTop = top(main);
  const cpuIn = (list, a, b) => list.reduce((s, e) => {
    const x = Math.max(e.ts, a), y = Math.min(e.ts + e.dur, b);
    return y > x && e.dur > 0 ? s + (e.tdur || 0) * (y - x) / e.dur : s;
  }, 0);
  console.log(`click → ready ${ms.toFixed(0)} ms (the page's clock)\n`);
  console.log('| step | at ms | wall ms | main-thread CPU ms |\n|---|--:|--:|--:|');
  let prev = { name: 'click', ts: t0 };
  for (const m of marks) {
    console.log(`| ${prev.name} → ${m.name} | ${((m.ts - t0) / 1000).toFixed(0)} | ${((m.ts - prev.ts) / 1000).toFixed(0)} | ${(cpuIn(mainTop, prev.ts, m.ts) / 1000).toFixed(0)} |`);
    prev = m;
  }
  const endTs = marks.length ? marks[marks.length - 1].ts : t0 + ms * 1000;
  const names = {}, procs = {};
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names[e.pid + '/' + e.tid] = e.args.name;
    if (e.ph === 'M' && e.name === 'process_name') procs[e.pid] = e.args.name;
  }
  console.log('\n| process / thread | CPU ms, click → ready |\n|---|--:|');
  const seen = new Set(events.filter((e) => e.ph === 'X').map((e) => e.pid + '/' + e.tid));
  const rows = [...seen].map((k) => { const [pid, tid] = k.split('/').map(Number); return [k, cpuIn(top(tid, pid), t0, endTs)]; });
  for (const [k, cpu] of rows.sort((a, b) => b[1] - a[1])) {
    if (cpu < 10000) continue;
    console.log(`| ${procs[k.split('/')[0]] || '?'} / ${names[k] || k} | ${(cpu / 1000).toFixed(0)} |`);
  }
}

const site = makeSite();
const relay = await startRelay(site);
const b = await launch({ locale: 'en-US' });
try {
  await b.page.goto(relay.url + '/');
  await b.page.getByRole('button', { name: 'Help & support' }).waitFor();
  await sleep(500);
  const cdp = await b.context.newCDPSession(b.page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const finished = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,v8,v8.wasm,blink.user_timing,loading,disabled-by-default-devtools.timeline,disabled-by-default-v8.compile',
    transferMode: 'ReportEvents',
  });
  const ms = await b.page.evaluate(() => new Promise((res) => {
    performance.mark('bench:click');
    const t0 = performance.now();
    window.Lantern.on('ready', () => res(performance.now() - t0));
    document.querySelector('lantern-launcher').shadowRoot.querySelector('button').click();
  }));
  await sleep(300);
  await cdp.send('Tracing.end');
  await finished;
  if (arg('--out')) fs.writeFileSync(arg('--out'), JSON.stringify({ traceEvents: events }));
  summarise(events, ms);
} finally {
  await b.close();
  await relay.stop();
  fs.rmSync(site.work, { recursive: true, force: true });
}
