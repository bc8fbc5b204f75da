// The real relay on loopback, driven over real HTTP. Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { startRelay, stopAll, request, key, ticket, postTicket, src, work } from './harness.mjs';

fs.mkdirSync(path.join(work, 'web/sub'), { recursive: true });
fs.writeFileSync(path.join(work, 'web/index.html'), '<h1>demo</h1>');
fs.writeFileSync(path.join(work, 'secret.txt'), 'outside the web folder');

// Every relay here also serves `work/web` as static files.
const start = (data, config = {}) => startRelay({ data, config, args: ['--web', path.join(work, 'web')] });
const post = (port, k, body, extra = {}) => postTicket(port, k, body, { headers: extra });

let relay;
before(async () => { relay = await start(path.join(work, 'data')); });
after(stopAll);  // also waits for the relays the tests stop without waiting (civetweb takes about 2 s)

test('healthz and metrics answer', async () => {
  const h = await request(relay.port, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  const m = await request(relay.port, 'GET', '/metrics');
  assert.match(m.text, /lantern_requests_total \d+/);
  assert.match(m.headers['content-type'], /text\/plain/);
});

test('a valid ticket is acknowledged with 201 only once stored; the same key gives the same answer', async () => {
  const k = key(), body = ticket(k);
  const a = await post(relay.port, k, body);
  assert.equal(a.status, 201, a.text);
  assert.match(a.json.id, /^T-/);
  assert.equal(a.json.status, 'open');
  assert.ok(a.json.access_token.length >= 40);
  const b = await post(relay.port, k, body);
  assert.equal(b.status, 201);
  assert.deepEqual(b.json, a.json);
  const c = await post(relay.port, k, ticket(k, { amount: '99' }));
  assert.equal(c.status, 409);
  assert.equal(c.json.error.code, 'idempotency_conflict');
});

test('the user reads their ticket and adds a message; nobody else can', async () => {
  const k = key();
  const a = await post(relay.port, k, ticket(k));
  const auth = { Authorization: `Bearer ${a.json.access_token}` };
  const g = await request(relay.port, 'GET', `/v1/tickets/${a.json.id}`, { headers: auth });
  assert.equal(g.status, 200);
  assert.equal(g.json.ticket.fields.amount, '1250.5');
  const m = await request(relay.port, 'POST', `/v1/tickets/${a.json.id}/messages`,
                          { body: JSON.stringify({ body: '对方平台说还是没收到' }), headers: { ...auth, 'Content-Type': 'application/json' } });
  assert.equal(m.status, 201, m.text);
  const g2 = await request(relay.port, 'GET', `/v1/tickets/${a.json.id}`, { headers: auth });
  assert.equal(g2.json.messages.at(-1).body, '对方平台说还是没收到');
  const other = await post(relay.port, key(), ticket(key()));
  for (const h of [{}, { Authorization: 'Bearer nope' }, { Authorization: `Bearer ${other.json?.access_token}` }]) {
    const r = await request(relay.port, 'GET', `/v1/tickets/${a.json.id}`, { headers: h });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'unauthorized');
  }
});

test('bad tickets get 4xx with a JSON error naming what was wrong', async () => {
  const k = key();
  let r = await post(relay.port, k, ticket(k, { txid: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' }));
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'invalid_fields');
  assert.ok(r.json.error.fields.some((f) => f.field === 'txid' && f.code === 'txid.looks_like_address'));
  r = await post(relay.port, k, '{"schema": "lantern.ticket/1", ');
  assert.equal(r.status, 400);
  r = await post(relay.port, k, ticket(k), { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 415);
  r = await request(relay.port, 'POST', '/v1/tickets', { body: ticket(k), headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'idempotency_key');
  r = await post(relay.port, k, ticket(k, { description: 'x'.repeat(10 * 1024 * 1024) }));
  assert.equal(r.status, 413);
  r = await post(relay.port, k, ticket(k, { description: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' }));
  assert.equal(r.status, 422);
  assert.ok(r.json.error.fields.some((f) => f.code === 'secret.mnemonic'));
  r = await post(relay.port, k, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  assert.equal(r.status, 400);
  r = await request(relay.port, 'GET', '/v1/nothing-here');
  assert.equal(r.status, 404);
});

test('screenshots are re-encoded without metadata; other bytes are refused', async () => {
  const png = fs.readFileSync(path.join(src, 'tests/fuzz/corpus/image/exif_orient6_text.png'));
  const up = (body, type) => request(relay.port, 'POST', '/v1/attachments', { body, headers: { 'Content-Type': type } });
  const a = await up(png, 'image/png');
  assert.equal(a.status, 201, a.text);
  assert.match(a.json.id, /^A-/);
  assert.match(a.json.sha256, /^[0-9a-f]{64}$/);
  assert.equal(a.json.type, 'image/webp');
  const again = await up(png, 'image/png');
  assert.equal(again.json.id, a.json.id, 'the same image is stored once');
  const gif = await up(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), 'image/png');
  assert.equal(gif.status, 415);
  assert.match(gif.json.error.message, /GIF/);
  const broken = await up(png.subarray(0, png.length - 40), 'image/png');
  assert.equal(broken.status, 422);
  assert.match(broken.json.error.message, /truncated/);
  assert.equal((await up(png, 'text/plain')).status, 415);
  const stored = fs.readdirSync(path.join(work, 'data', 'attachments'));
  assert.deepEqual(stored, [`${a.json.sha256}.webp`]);
  const bytes = fs.readFileSync(path.join(work, 'data', 'attachments', stored[0]));
  assert.ok(!bytes.includes('Exif') && !bytes.includes('tEXt'), 'metadata survived');
});

test('static files are served from --web and nothing outside it', async () => {
  const ok = await request(relay.port, 'GET', '/index.html');
  assert.equal(ok.status, 200);
  assert.match(ok.text, /demo/);
  for (const p of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/sub/%2e%2e/%2e%2e/secret.txt']) {
    const r = await request(relay.port, 'GET', p);
    assert.ok(!r.text.includes('outside the web folder'), p);
  }
});

test('rate limits answer 429 with Retry-After', async () => {
  const limited = await start(path.join(work, 'data-limited'), { ticket_rate_per_ip: 0.01, ticket_burst_per_ip: 2 });
  try {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await post(limited.port, key(), ticket(key()))).status);
    assert.deepEqual(codes.slice(0, 2).map((c) => c === 201 || c === 422), [true, true]);
    const r = await post(limited.port, key(), ticket(key()));
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal(r.json.error.code, 'rate_limited');
  } finally { limited.stop(); }
});

test('a few slow clients do not starve the server', async () => {
  const slow = await start(path.join(work, 'data-slow'), { threads: 8, request_timeout_ms: 1500 });
  const sockets = [];
  let closed = 0;
  try {
    // Six connections that send half a request line and then nothing (slowloris).
    for (let i = 0; i < 6; i++) {
      const s = net.connect(slow.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => { closed++; });
      s.resume();
      s.write('POST /v1/tickets HTTP/1.1\r\nHost: x\r\n');
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const h = await request(slow.port, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.ok(Date.now() - t0 < 1000, 'a normal request waited for the slow ones');
    // Past the timeout the slow connections are closed.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(closed, sockets.length, 'slow connections are dropped after request_timeout_ms');
  } finally {
    sockets.forEach((s) => s.destroy());
    slow.stop();
  }
});

test('SIGKILL mid-stream loses no acknowledged ticket and duplicates none', async () => {
  const dir = path.join(work, 'data-crash');
  const first = await start(dir);
  const acked = new Map();
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const k = key(), body = ticket(k);
      try {
        const r = await post(first.port, k, body);
        if (r.status === 201) acked.set(k, { ans: r.json, body });
      } catch { /* the relay died under us */ }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await new Promise((r) => setTimeout(r, 1500));
  first.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await first.exited;  // its lock on the data folder is gone
  assert.ok(acked.size > 20, `only ${acked.size} tickets were acknowledged before the kill`);
  const second = await start(dir);
  try {
    for (const [k, { ans, body }] of acked) {
      const g = await request(second.port, 'GET', `/v1/tickets/${ans.id}`, { headers: { Authorization: `Bearer ${ans.access_token}` } });
      assert.equal(g.status, 200, `acknowledged ticket ${ans.id} is missing after the crash`);
      const again = await post(second.port, k, body);
      assert.equal(again.json?.id, ans.id, 'a retry after the crash made a second ticket');
    }
  } finally { second.stop(); }
});
