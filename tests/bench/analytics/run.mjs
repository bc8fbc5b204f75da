// Does an analytics flood slow ticket submission? Measured, not asserted (docs/BENCHMARKS.md).
// Starts the real relay on loopback, then for DURATION seconds each:
//   A. CLIENTS keep-alive clients POST tickets (durable 201s) alone;
//   B. the same, while FLOODERS clients POST 100-event analytics batches as fast as they can, with
//      the per-IP analytics limit lifted (as if they came from many addresses): the relay-wide
//      analytics limit (analytics_rate_total, 200 batches/s) is what holds;
//   C. the same flood against a second relay with the default analytics limit (1 batch/s per IP,
//      burst 30): the flood from one address is answered 429.
//   E. the worst case: every analytics limit lifted.
//   D. the peer: the same flood clients POST the same bodies to an endpoint that does nothing
//      (404 before reading the body), so B and C can be read against the cost of the traffic alone.
// Prints tickets/s and p50/p99 ticket latency per phase, their ratio to A, and the analytics
// events accepted and dropped per second.
// Run: node tests/bench/analytics/run.mjs build/native/relay/lantern-relay build/native/kb-bundle/lantern-kb [seconds per phase]
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [relayBin, kbTool, seconds = '5'] = process.argv.slice(2);
const DURATION = Number(seconds) * 1000, CLIENTS = 16, FLOODERS = 8;
const src = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-bench-analytics-'));
const bundle = path.join(work, 'kb.bundle');
execFileSync(kbTool, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'), '--out', bundle], { stdio: 'ignore' });
async function startRelay(name, extra) {
  fs.writeFileSync(path.join(work, name + '.json'), JSON.stringify({
    ticket_rate_per_ip: 1e6, ticket_burst_per_ip: 1e6, request_rate_per_ip: 1e6, request_burst_per_ip: 1e6, threads: 64, ...extra }));
  const proc = spawn(relayBin, ['--listen', '127.0.0.1:0', '--data', path.join(work, name), '--bundle', bundle,
                                '--config', path.join(work, name + '.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = /port (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
  });
  return { proc, port };
}
const unlimited = await startRelay('unlimited', { analytics_rate_per_ip: 1e6, analytics_burst_per_ip: 1e6 });
const limited = await startRelay('limited', {});
const open = await startRelay('open', { analytics_rate_per_ip: 1e6, analytics_burst_per_ip: 1e6, analytics_rate_total: 1e6, analytics_burst_total: 1e6 });
let port = unlimited.port;
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + FLOODERS });

function post(p, body, headers) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, agent,
                               headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, data, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const iso = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');
function ticketBody(k) {
  return JSON.stringify({ schema: 'lantern.ticket/1', idempotency_key: k, created_at: iso(new Date()), language: 'en', category: 'fees',
                          form_version: 1, fields: { fee_type: 'withdrawal', problem: 'too_high', description: 'The withdrawal fee was higher than shown.' },
                          attachments: [], client: { name: 'bench', version: '0', bundle: 'x' } });
}
const batch = JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => (
  { kind: 'search', query: `flood query ${i % 10}`, lang: 'en', results: i % 3, opened: null })) });

async function phase(flood, floodPath = '/v1/analytics/events') {
  const end = Date.now() + DURATION;
  const lat = [];
  let fails = 0, accepted = 0, dropped = 0, limitedBatches = 0, floodRequests = 0;
  const ticketClient = async () => {
    while (Date.now() < end) {
      const k = crypto.randomBytes(16).toString('hex');
      const r = await post('/v1/tickets', ticketBody(k), { 'Idempotency-Key': k });
      if (r.status === 201) lat.push(r.ms); else fails++;
    }
  };
  const floodClient = async () => {
    while (Date.now() < end) {
      const r = await post(floodPath, batch, {});
      floodRequests++;
      if (r.status === 202) { const j = JSON.parse(r.data); accepted += j.accepted; dropped += j.dropped; }
      else if (r.status === 429) limitedBatches++;
    }
  };
  const started = Date.now();
  await Promise.all([...Array.from({ length: CLIENTS }, ticketClient), ...(flood ? Array.from({ length: FLOODERS }, floodClient) : [])]);
  const secs = (Date.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { tickets_per_s: lat.length / secs, p50_ms: q(0.5), p99_ms: q(0.99), non_201: fails,
           analytics_accepted_per_s: accepted / secs, analytics_dropped_per_s: dropped / secs, batches_429_per_s: limitedBatches / secs,
           flood_requests_per_s: floodRequests / secs };
}

// Interleaved rounds, medians reported: the machine is shared, so one phase at a time would measure
// whoever else was busy then.
const ROUNDS = 3;
const runs = { A: [], B: [], C: [], D: [], E: [] };
for (let i = 0; i < ROUNDS; ++i) {
  port = unlimited.port;
  runs.A.push(await phase(false));
  runs.B.push(await phase(true));
  runs.D.push(await phase(true, '/v1/no-such-endpoint'));
  port = limited.port;
  runs.C.push(await phase(true));
  port = open.port;
  runs.E.push(await phase(true));
}
const median = (list, key) => list.map((x) => x[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
const med = (list) => Object.fromEntries(Object.keys(list[0]).map((k) => [k, median(list, k)]));
const alone = med(runs.A);
const r = (x) => Math.round(x * 10) / 10;
const line = (name, p) => console.log(`${name.padEnd(40)} ${r(p.tickets_per_s)} tickets/s (${r(p.tickets_per_s / alone.tickets_per_s * 100)} %)  ` +
  `p50 ${r(p.p50_ms)} ms  p99 ${r(p.p99_ms)} ms  non-201 ${p.non_201}  analytics: ${Math.round(p.analytics_accepted_per_s)} events/s accepted, ` +
  `${Math.round(p.analytics_dropped_per_s)} events/s dropped, ${Math.round(p.batches_429_per_s)} batches/s answered 429, ` +
  `${Math.round(p.flood_requests_per_s)} flood requests/s`);
console.log(`medians of ${ROUNDS} interleaved rounds of ${DURATION / 1000} s, ${CLIENTS} ticket clients, ${FLOODERS} flood clients`);
line('A tickets alone', alone);
line('B tickets + flood, relay-wide limit', med(runs.B));
line('C tickets + flood, default analytics limit', med(runs.C));
line('D tickets + same flood to a no-op 404', med(runs.D));
line('E tickets + flood, no analytics limit', med(runs.E));
unlimited.proc.kill('SIGTERM');
limited.proc.kill('SIGTERM');
open.proc.kill('SIGTERM');
agent.destroy();
fs.rmSync(work, { recursive: true, force: true });
