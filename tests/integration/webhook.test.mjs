// Webhook forwarding of the real relay to Node receivers on loopback. Every delivery is checked
// by the npm `standardwebhooks` package (the spec's own reference library), an independent peer
// of the relay's C++ signing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startRelay, stopAll, refusedRelay, request, createTicket, agentKey, waitFor, metrics, sleep, work } from './harness.mjs';

const oldSecret = 'whsec_' + crypto.randomBytes(32).toString('base64');
const newSecret = 'whsec_' + crypto.randomBytes(24).toString('base64');
const agent = agentKey('alice');
const asAgent = { ...agent.auth, 'Content-Type': 'application/json' };
const fast = { webhook_backoff_initial_ms: 100, webhook_backoff_max_ms: 400, webhook_poll_ms: 100, webhook_timeout_ms: 3000 };

const cleanups = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
  await stopAll();
});

// A receiver on 127.0.0.1: `answer(delivery)` gives the status (or null: never answer).
// Every request is checked with both rotated secrets and recorded.
async function receiver(answer, tls = null) {
  const deliveries = [], hanging = [];
  const olds = new Webhook(oldSecret), news = new Webhook(newSecret), stranger = new Webhook('whsec_' + crypto.randomBytes(32).toString('base64'));
  const server = (tls ? https : http).createServer(tls ?? {}, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const d = { at: Date.now(), path: req.url, headers: req.headers, body, verified: [] };
      for (const [name, wh] of [['old', olds], ['new', news]]) {
        try { wh.verify(body, req.headers); d.verified.push(name); } catch (e) { d.error = String(e); }
      }
      try { stranger.verify(body, req.headers); d.verified.push('stranger'); } catch {}
      deliveries.push(d);
      const a = answer(d, deliveries);
      if (a === null) { hanging.push(res); return; }
      const [status, headers = {}] = Array.isArray(a) ? a : [a];
      res.writeHead(status, headers);
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () => { hanging.forEach((r) => r.destroy()); server.closeAllConnections?.(); server.close(); };
  cleanups.push(close);
  const port = server.address().port;
  return { deliveries, hanging, port, url: `http://127.0.0.1:${port}/hooks/lantern?src=relay`, close };
}

async function relayFor(url, extra = {}) {
  const relay = await startRelay({ config: { agent_keys: [agent.entry], webhook_url: url, webhook_secrets: [newSecret, oldSecret],
                                             ...fast, ...extra } });
  cleanups.push(() => relay.kill());
  return relay;
}

test('deliveries are signed for both rotated secrets, retried after 500s with the same id, and delivered once', async () => {
  // Each event is refused twice, then accepted; the receiver drops repeats of an id it already took.
  const processed = new Map();
  const rx = await receiver((d, all) => {
    const id = d.headers['webhook-id'];
    if (all.filter((x) => x.headers['webhook-id'] === id).length <= 2) return 500;
    if (!processed.has(id)) processed.set(id, JSON.parse(d.body));
    return 204;
  });
  const relay = await relayFor(rx.url);
  const t = await createTicket(relay.port, { amount: '42' });
  const reply = await request(relay.port, 'POST', `/v1/agent/tickets/${t.id}/messages`, { body: JSON.stringify({ body: 'on it' }), headers: asAgent });
  assert.equal(reply.status, 201);
  await request(relay.port, 'POST', `/v1/agent/tickets/${t.id}/status`, { body: JSON.stringify({ status: 'solved' }), headers: asAgent });
  await waitFor(() => processed.size === 3, 'three events delivered');

  for (const d of rx.deliveries) {
    assert.deepEqual(d.verified, ['old', 'new'], `not verified by both secrets: ${d.error}`);
    assert.equal(d.path, '/hooks/lantern?src=relay');
    assert.match(d.headers['content-type'], /^application\/json/);
    assert.match(d.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=* v1,[A-Za-z0-9+/]+=*$/);
    assert.ok(Math.abs(Number(d.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
  }
  const byId = new Map();
  for (const d of rx.deliveries) byId.set(d.headers['webhook-id'], [...(byId.get(d.headers['webhook-id']) ?? []), d]);
  assert.equal(byId.size, 3);
  for (const [id, tries] of byId) {
    assert.equal(tries.length, 3, `event ${id} was tried ${tries.length} times`);
    assert.equal(new Set(tries.map((d) => d.body)).size, 1, 'a retry changed the body');
    assert.equal(JSON.parse(tries[0].body).id, id);
  }
  const events = [...processed.values()].sort((a, b) => a.seq - b.seq);
  assert.deepEqual(events.map((e) => e.type), ['ticket.created', 'message.created', 'ticket.status_changed']);
  assert.equal(events[0].data.ticket_id, t.id);
  assert.equal(events[0].data.ticket.fields.amount, '42');
  assert.match(events[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.equal(events[1].data.author, 'agent:alice');
  assert.equal(events[1].data.body, 'on it');
  assert.deepEqual([events[2].data.from, events[2].data.to], ['open', 'solved']);
  // The same events, with the same ids, are what a polling help desk reads.
  const polled = await request(relay.port, 'GET', '/v1/agent/events?after=0', { headers: asAgent });
  assert.deepEqual(polled.json.events.map((e) => e.id), events.map((e) => e.id));

  const m = await waitFor(async () => { const s = await metrics(relay.port); return s.lantern_webhook_pending_deliveries === 0 && s; },
                          'the queue gauge to reach 0');
  assert.equal(m.lantern_webhook_attempts_total, 9);
  assert.equal(m.lantern_webhook_delivered_total, 3);
  assert.equal(m.lantern_webhook_failed_attempts_total, 6);
  assert.equal(m.lantern_webhook_dead_lettered_total, 0);
  assert.equal(m.lantern_webhook_oldest_pending_age_seconds, 0);
});

test('Retry-After from the receiver is respected', async () => {
  const rx = await receiver((d, all) => (all.length === 1 ? [503, { 'Retry-After': '2' }] : 200));
  const relay = await relayFor(rx.url);
  await createTicket(relay.port);
  await waitFor(() => rx.deliveries.length === 2, 'the retry');
  const gap = rx.deliveries[1].at - rx.deliveries[0].at;
  assert.ok(gap >= 1900, `retried after ${gap} ms although the receiver asked for 2 s`);
});

test('a receiver that always fails: the event is dead-lettered after webhook_max_attempts and shows in /metrics', async () => {
  const rx = await receiver(() => 503);
  const relay = await relayFor(rx.url, { webhook_max_attempts: 4 });
  await createTicket(relay.port);
  const m = await waitFor(async () => { const s = await metrics(relay.port); return s.lantern_webhook_dead_deliveries === 1 && s; },
                          'the dead-letter gauge');
  assert.equal(rx.deliveries.length, 4);
  assert.equal(new Set(rx.deliveries.map((d) => d.headers['webhook-id'])).size, 1);
  assert.equal(m.lantern_webhook_dead_lettered_total, 1);
  assert.equal(m.lantern_webhook_failed_attempts_total, 4);
  assert.equal(m.lantern_webhook_delivered_total, 0);
  assert.equal(m.lantern_webhook_pending_deliveries, 0);
  await sleep(600);
  assert.equal(rx.deliveries.length, 4, 'a dead-lettered event was tried again');
  assert.match(relay.output(), /dead-lettered after 4 attempts: HTTP 503/);
});

test('ticket intake goes on while the receiver hangs or is gone; everything arrives once it is back', async () => {
  let up = false;
  const rx = await receiver(() => (up ? 200 : null));  // holds every request open until `up`
  const relay = await relayFor(rx.url, { webhook_timeout_ms: 10000 });
  const first = await createTicket(relay.port);
  await waitFor(() => rx.hanging.length === 1, 'the first delivery to hang');
  // While the forwarder waits on the hung request, tickets are still acknowledged.
  const tickets = [];
  for (let i = 0; i < 20; i++) tickets.push(await createTicket(relay.port));
  assert.equal(rx.deliveries.length, 1, 'the forwarder was not stuck in the first delivery');
  assert.ok(rx.hanging.length >= 1);
  const during = await metrics(relay.port);
  assert.equal(during.lantern_tickets_created_total, 21);
  // Back up: the hung request gets its 503 at last, and everything goes through.
  up = true;
  for (const res of rx.hanging.splice(0)) { res.writeHead(503); res.end(); }
  const want = new Set([first, ...tickets].map((t) => t.id));
  await waitFor(() => {
    const got = new Set(rx.deliveries.map((d) => JSON.parse(d.body).data.ticket_id));
    return [...want].every((id) => got.has(id));
  }, 'every ticket delivered after the receiver came back');
  const m = await waitFor(async () => { const s = await metrics(relay.port); return s.lantern_webhook_delivered_total === 21 && s; },
                          '21 deliveries');
  assert.equal(m.lantern_webhook_failed_attempts_total, 1, 'the hung request, answered 503, is one failed attempt');
});

test('a receiver that is not listening: tickets are acknowledged, deliveries wait and go through once it listens', async () => {
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const relay = await relayFor(`http://127.0.0.1:${port}/hook`);
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await createTicket(relay.port));
  await waitFor(async () => (await metrics(relay.port)).lantern_webhook_failed_attempts_total >= 5, 'refused connections');
  assert.equal((await metrics(relay.port)).lantern_webhook_delivered_total, 0);
  // The receiver starts on that port: everything arrives, verified.
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { got.push(new Webhook(oldSecret).verify(body, req.headers)); res.writeHead(200); res.end(); });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  cleanups.push(() => server.close());
  await waitFor(() => made.every((t) => got.some((e) => e.data.ticket_id === t.id)), 'the five tickets after the receiver came up');
  const m = await metrics(relay.port);
  assert.equal(m.lantern_webhook_delivered_total, 5);
});

// A certificate for "localhost" from a throw-away CA made here: the relay trusts it only through webhook_ca_file.
function makeCert() {
  const dir = fs.mkdtempSync(path.join(work, 'tls-'));
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-days', '2', '-subj', '/CN=Lantern test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
      '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2',
      '-extfile', 'san.ext');
  return { ca: path.join(dir, 'ca.pem'), key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')) };
}

test('https:// receivers: delivered when the certificate verifies, refused when it does not', async () => {
  const cert = makeCert();
  const rx = await receiver(() => 200, { key: cert.key, cert: cert.cert });
  const good = await relayFor(`https://localhost:${rx.port}/hooks/lantern`, { webhook_ca_file: cert.ca });
  const t = await createTicket(good.port);
  await waitFor(() => rx.deliveries.length === 1, 'the https delivery');
  const d = rx.deliveries[0];
  assert.deepEqual(d.verified, ['old', 'new'], d.error);
  assert.equal(JSON.parse(d.body).data.ticket_id, t.id);
  assert.equal(d.path, '/hooks/lantern');
  // The system store does not know the test CA; and the certificate does not name 127.0.0.1.
  for (const [url, extra, says] of [[`https://localhost:${rx.port}/hooks/lantern`, {}, /not trusted/],
                                    [`https://127.0.0.1:${rx.port}/hooks/lantern`, { webhook_ca_file: cert.ca }, /does not match/]]) {
    const bad = await relayFor(url, { webhook_max_attempts: 2, ...extra });
    await createTicket(bad.port);
    const m = await waitFor(async () => { const s = await metrics(bad.port); return s.lantern_webhook_dead_lettered_total === 1 && s; },
                            `the untrusted delivery to ${url} dead-lettered`);
    assert.equal(m.lantern_webhook_delivered_total, 0);
    // The relay logs the refusal before it counts the dead letter, but its stderr reaches us
    // asynchronously: wait for the line rather than race the metrics answer.
    await waitFor(() => says.test(bad.output()), `the relay's log naming the refusal (${says}): ${bad.output()}`, 5000);
    bad.stop();  // not waited for (civetweb takes about 2 s to stop); the cleanup kills what is left
  }
  assert.equal(rx.deliveries.length, 1, 'a request got through a TLS handshake that should have failed');
});

test('the outbox survives SIGKILL: after a restart the same event goes out again with the same webhook-id', async () => {
  let up = false;
  const rx = await receiver(() => (up ? 200 : null));
  const dir = path.join(work, `data-crash-${crypto.randomUUID()}`);
  const first = await startRelay({ config: { webhook_url: rx.url, webhook_secrets: [newSecret, oldSecret], ...fast, webhook_timeout_ms: 30000 },
                                  data: dir });
  const t = await createTicket(first.port);
  await waitFor(() => rx.hanging.length === 1, 'the delivery in flight');
  await first.kill();
  const lostId = rx.deliveries[0].headers['webhook-id'];
  up = true;
  const second = await startRelay({ config: { webhook_url: rx.url, webhook_secrets: [newSecret, oldSecret], ...fast }, data: dir });
  cleanups.push(() => second.kill());
  await waitFor(() => rx.deliveries.length === 2, 'the delivery again after the restart');
  const again = rx.deliveries[1];
  assert.equal(again.headers['webhook-id'], lostId);
  assert.equal(again.body, rx.deliveries[0].body);
  assert.deepEqual(again.verified, ['old', 'new']);
  assert.equal(JSON.parse(again.body).data.ticket_id, t.id);
  await sleep(500);
  assert.equal(rx.deliveries.length, 2, 'delivered once the receiver answered, and not again');
});

test('the relay stops cleanly on SIGTERM while a delivery hangs', async () => {
  const rx = await receiver(() => null);
  const relay = await relayFor(rx.url, { webhook_timeout_ms: 2000 });
  await createTicket(relay.port);
  await waitFor(() => rx.hanging.length === 1, 'a hung delivery');
  relay.proc.kill('SIGTERM');
  const { code, signal } = await relay.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
});

test('webhook settings are checked at start', async () => {
  for (const [config, says] of [
    [{ webhook_url: 'https://helpdesk.example.com/hook', webhook_secrets: [oldSecret], webhook_ca_file: '/nonexistent.pem' }, /webhook_ca_file/],
    [{ webhook_url: 'http://127.0.0.1:9/hook', webhook_secrets: [oldSecret], webhook_ca_file: '/etc/ssl/certs/ca-certificates.crt' }, /not https/],
    [{ webhook_url: 'http://127.0.0.1:9/hook' }, /webhook_secrets/],
    [{ webhook_url: 'http://127.0.0.1:9/hook', webhook_secrets: ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }, /whsec_/],
    [{ webhook_url: 'http://127.0.0.1:9/hook', webhook_secrets: ['whsec_c2hvcnQ='] }, /24 to 64 bytes/],
    [{ webhook_url: 'ftp://127.0.0.1/hook', webhook_secrets: [oldSecret] }, /https:\/\/ or http:\/\//],
    [{ webhook_secrets: [oldSecret] }, /webhook_url is not/],
    [{ webhook_url: 'http://127.0.0.1:9/', webhook_secrets: [oldSecret], webhook_max_attempts: 0 }, /webhook_max_attempts/],
    [{ webhook_retries: 3 }, /unknown option 'webhook_retries'/],
  ]) {
    const r = await refusedRelay({ config });
    assert.notEqual(r.code, 0, JSON.stringify(config));
    assert.match(r.output, says);
    assert.ok(!r.output.includes(oldSecret.slice(6)), 'a secret was echoed');
  }
});
