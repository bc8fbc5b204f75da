// Slow clients against the relay's thread-per-connection server (civetweb), beyond the slow-head
// check of relay.test.mjs: bodies dribbled a byte at a time (civetweb's timeout is per read, so
// only the relay's own body deadline cuts them), unread bodies after an early answer, and more
// slow clients than worker threads. The relay runs with 8 threads and request_timeout_ms 1500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startRelay, stopAll, postTicket, ticket, key, sleep, deadline, work } from './harness.mjs';

let relay;
before(async () => { relay = await startRelay({ data: path.join(work, 'data'), config: { threads: 8, request_timeout_ms: 1500 } }); });
after(stopAll);

// A raw connection that sends `head`, then one byte of `drip` every 200 ms until the server closes.
function dribbler(head, drip = 'x') {
  const t0 = Date.now();
  const s = net.connect(relay.port, '127.0.0.1');
  let data = '', timer;
  s.on('error', () => {});
  s.on('data', (d) => { data += d; });
  s.on('connect', () => {
    s.write(head);
    timer = setInterval(() => { if (!s.destroyed) s.write(drip); }, 200);
  });
  const closed = new Promise((resolve) => s.on('close', () => { clearInterval(timer); resolve({ after: Date.now() - t0, data }); }));
  return { socket: s, closed };
}
const ticketHead = (len) => `POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                            `Idempotency-Key: ${key()}\r\nContent-Length: ${len}\r\n\r\n`;
const within = (promise, ms) => Promise.race([promise, deadline(ms)]);

test('a body dribbled a byte at a time gets 408 and loses its thread', async () => {
  const slow = [1, 2, 3].map(() => dribbler(ticketHead(2000)));
  const done = await within(Promise.all(slow.map((d) => d.closed)), 10000);
  assert.ok(done, 'dribbled bodies still held their connections 10 s later (request_timeout_ms is 1.5 s)');
  for (const d of done) {
    assert.match(d.data, /^HTTP\/1\.1 408 /);
    assert.match(d.data, /"code":"timeout"/);
    assert.match(d.data, /Connection: close/i);
  }
});

test('an oversized body answered early with 413 is not read without limit', async () => {
  // Content-Length over max_ticket_bytes: 413 at once; the rest then trickles in, and the relay
  // stops draining it after request_timeout_ms instead of reading 10 MB a byte at a time.
  const d = dribbler(ticketHead(10 * 1024 * 1024));
  const done = await within(d.closed, 10000);
  assert.ok(done, 'the connection was still open 10 s later');
  assert.match(done.data, /^HTTP\/1\.1 413 /);
  assert.match(done.data, /"code":"too_large"/);
});

test('more slow clients than threads delay a normal ticket by at most the timeout, never starve it', async () => {
  // 12 slow connections for 8 threads: 6 dribble their request head, 6 their body.
  const heads = Array.from({ length: 6 }, () => dribbler('POST /v1/tickets HTTP/1.1\r\nHost: x\r\nX-Pad: ', 'x'));
  const bodies = Array.from({ length: 6 }, () => dribbler(ticketHead(5000)));
  await sleep(300);
  const t0 = Date.now();
  const k = key();
  const r = await within(postTicket(relay.port, k, ticket(k)), 15000);
  assert.ok(r, 'a normal ticket got no answer within 15 s');
  assert.equal(r.status, 201, r.text);
  const waited = Date.now() - t0;
  const closed = await within(Promise.all([...heads, ...bodies].map((d) => d.closed)), 10000);
  assert.ok(closed, 'some slow connections were never closed');
  // Bounded: the normal client waited for a thread at most about one request_timeout_ms (plus
  // the drain); it was not starved for as long as the slow clients cared to keep going.
  assert.ok(waited < 8000, `the normal ticket waited ${waited} ms`);
});
