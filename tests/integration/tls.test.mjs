// The relay's built-in HTTPS (civetweb + mbedTLS 2.28): TLS 1.2 with ECDHE and AEAD suites only,
// older protocols and CBC suites refused, tickets over HTTPS, silent TLS clients dropped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { startRelay, stopAll, request, postTicket, ticket, key, sleep, deadline, selfSigned, cpuSeconds, work } from './harness.mjs';

const cert = selfSigned(work);
let relay;
before(async () => {
  relay = await startRelay({ data: path.join(work, 'data'), config: { threads: 8, request_timeout_ms: 1500 },
                             args: ['--tls-cert', cert.cert, '--tls-key', cert.key] });
});
after(stopAll);

const tlsOpts = { ca: cert.ca };

// openssl s_client as an independent client; resolves with its output (it fails on a refused handshake).
function sClient(args) {
  return new Promise((resolve) => {
    const p = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${relay.port}`, '-CAfile', cert.cert, ...args],
                       { timeout: 10000 }, (err, stdout, stderr) => resolve({ ok: !err, out: stdout + stderr }));
    p.stdin.end();
  });
}

test('the relay says it serves HTTPS and answers over TLS 1.2 with an AEAD suite', async () => {
  assert.match(relay.output(), /listening on https:/);
  const h = await request(relay.port, 'GET', '/healthz', { tls: tlsOpts });
  assert.equal(h.status, 200);
  // mbedTLS 2.28 as Debian builds it has no TLS 1.3: a client offering 1.2 and 1.3 gets 1.2.
  assert.equal(h.protocol, 'TLSv1.2');
  assert.match(h.cipher.name, /^ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/);
});

test('each modern suite is accepted, ChaCha20-Poly1305 and AES-GCM', async () => {
  for (const c of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
    const r = await sClient(['-tls1_2', '-cipher', c]);
    assert.ok(r.ok, `${c} refused:\n${r.out}`);
    assert.match(r.out, new RegExp(`Cipher is ${c}`));
  }
});

test('TLS 1.1 and 1.0 are refused by the server (protocol_version alert)', async () => {
  for (const v of ['-tls1_1', '-tls1']) {
    // SECLEVEL=0 lets this client offer the old protocol; the refusal must come from the relay.
    const r = await sClient([v, '-cipher', 'DEFAULT@SECLEVEL=0']);
    assert.ok(!r.ok, `${v} was accepted:\n${r.out}`);
    assert.match(r.out, /alert protocol version/);
  }
});

test('CBC and non-forward-secret suites are refused (handshake_failure alert)', async () => {
  for (const c of ['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-SHA']) {
    const r = await sClient(['-tls1_2', '-cipher', `${c}@SECLEVEL=0`]);
    assert.ok(!r.ok, `${c} was accepted:\n${r.out}`);
    assert.match(r.out, /alert handshake failure/, c);
  }
});

test('a ticket is created over HTTPS (201) and read back with its token', async () => {
  const k = key();
  const a = await postTicket(relay.port, k, ticket(k), { tls: tlsOpts });
  assert.equal(a.status, 201, a.text);
  assert.match(a.json.id, /^T-/);
  const g = await request(relay.port, 'GET', `/v1/tickets/${a.json.id}`,
                          { tls: tlsOpts, headers: { Authorization: `Bearer ${a.json.access_token}` } });
  assert.equal(g.status, 200);
  assert.equal(g.json.id, a.json.id);
});

test('a client that opens TCP and never says hello is dropped, without spinning a thread', async () => {
  const cpu0 = cpuSeconds(relay.proc.pid);
  const t0 = Date.now();
  const silent = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect(relay.port, '127.0.0.1');
    s.on('error', () => {});
    silent.push(new Promise((resolve) => s.on('close', () => resolve(Date.now() - t0))));
  }
  await sleep(300);
  // Meanwhile a normal client is served.
  const k = key();
  const a = await postTicket(relay.port, k, ticket(k), { tls: tlsOpts });
  assert.equal(a.status, 201);
  const closedAfter = await Promise.race([Promise.all(silent), deadline(8000)]);
  assert.ok(closedAfter, 'silent TLS connections were still open 8 s later (request_timeout_ms is 1.5 s)');
  // Four threads spinning on WANT_READ for 1.5 s would burn several CPU-seconds.
  const used = cpuSeconds(relay.proc.pid) - cpu0;
  assert.ok(used < 1.0, `the relay used ${used} CPU-seconds while the silent clients waited`);
});

test('a key that does not belong to the certificate is refused at start, naming the file', async () => {
  const other = selfSigned(work, 'other');
  await assert.rejects(startRelay({ data: path.join(work, 'data-bad'), args: ['--tls-cert', cert.cert, '--tls-key', other.key] }),
                       (e) => /is not the private key of the certificate/.test(e.message) && e.message.includes(other.key));
  await assert.rejects(startRelay({ data: path.join(work, 'data-bad2'), args: ['--tls-cert', path.join(work, 'missing.crt')] }),
                       (e) => /missing\.crt: not a readable PEM or DER certificate/.test(e.message));
});
