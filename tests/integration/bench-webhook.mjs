// Webhook forwarding and agent polling, measured (not a test: ctest does not run it).
//   node tests/integration/bench-webhook.mjs [tickets]      (env as for the tests: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC;
//                                                            CONCURRENCY sets webhook_concurrency, default 4)
// 1. Forwarding: a relay restarted on a backlog of N ticket.created events drains it to a Node
//    receiver; beside it, in the same run, peers posting the very same bodies to the same receiver
//    with Node's own HTTP client, a new connection per POST as the forwarder does: one at a time,
//    and CONCURRENCY at a time.
// 2. Intake: tickets/s through POST /v1/tickets (16 concurrent clients) with no webhook, with a
//    receiver that never answers (the forwarder stuck), and with one that answers at once (the
//    forwarder busy beside intake).
// 3. Polling: events/s read through GET /v1/agent/events in pages of 1000.
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { startRelay as start, stopAll, request, postTicket, ticket, key, agentKey, work } from './harness.mjs';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.env.CONCURRENCY ?? 4);
const secret = 'whsec_' + crypto.randomBytes(32).toString('base64');
const agent = agentKey('bench');

async function receiver(hang = false) {
  const got = [];
  let done = null;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (hang) return;
      got.push(Buffer.concat(chunks));
      res.writeHead(204);
      res.end();
      if (done && got.length >= done.n) done.resolve();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { got, url: `http://127.0.0.1:${server.address().port}/hook`, port: server.address().port,
           waitFor: (n) => new Promise((resolve) => { done = { n, resolve }; if (got.length >= n) resolve(); }),
           close: () => { server.closeAllConnections(); server.close(); } };
}

async function intake(port, n) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      const k = key();
      const r = await postTicket(port, k, ticket(k));
      if (r.status !== 201) throw new Error(`ticket refused: ${r.status} ${r.text}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return n / ((performance.now() - t0) / 1000);
}

function post(port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/hook', agent: false,
                               headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
                             (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

async function peer(port, bodies, concurrency) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < bodies.length) await post(port, bodies[next++]); }));
  return bodies.length / ((performance.now() - t0) / 1000);
}

const startRelay = (config, data) => start({ config, data });
const stop = (relay) => relay.stop({ graceMs: 30000 });
const base = { agent_keys: [agent.entry], webhook_poll_ms: 50,
               webhook_backoff_initial_ms: 100, webhook_backoff_max_ms: 1000, webhook_concurrency: C };
const withHook = (url, extra = {}) => ({ ...base, webhook_url: url, webhook_secrets: [secret], ...extra });
const rows = [];

// A backlog made without a webhook, then drained by a relay restarted with one.
const dir = path.join(work, 'bench-backlog');
let relay = await startRelay(base, dir);
rows.push(['intake, no webhook', await intake(relay.port, N)]);
await stop(relay);
const rx = await receiver();
const t0 = performance.now();
relay = await startRelay(withHook(rx.url), dir);
await rx.waitFor(N);
rows.push([`forwarder: backlog drained, concurrency ${C} (deliveries/s, from the restart)`, N / ((performance.now() - t0) / 1000)]);
const bodies = rx.got.slice(0, N);
rows.push(['peer: Node http client, same bodies, one at a time', await peer(rx.port, bodies, 1)]);
rows.push([`peer: Node http client, same bodies, ${C} at a time`, await peer(rx.port, bodies, C)]);
const q0 = performance.now();
let cursor = 0, events = 0;
for (;;) {
  const r = await request(relay.port, 'GET', `/v1/agent/events?after=${cursor}&limit=1000`, { headers: agent.auth });
  events += r.json.events.length;
  cursor = r.json.next_cursor;
  if (!r.json.has_more) break;
}
rows.push([`agent events polled (${events} events, pages of 1000)`, events / ((performance.now() - q0) / 1000)]);
await stop(relay);
rx.close();

// Intake while the receiver hangs, and while it answers.
const hung = await receiver(true);
relay = await startRelay(withHook(hung.url, { webhook_timeout_ms: 60000 }));
rows.push(['intake, receiver hanging (forwarder stuck)', await intake(relay.port, N)]);
await relay.kill();
hung.close();
const live = await receiver();
relay = await startRelay(withHook(live.url));
rows.push(['intake, receiver answering (forwarder busy beside it)', await intake(relay.port, N)]);
await live.waitFor(N);
await stop(relay);
live.close();

console.log(`| ${N} tickets | per second |\n|---|--:|`);
for (const [what, v] of rows) console.log(`| ${what} | ${Math.round(v).toLocaleString('en')} |`);
await stopAll();
process.exit(0);
