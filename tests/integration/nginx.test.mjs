// The production set-up of docs/RELAY.md: Debian's nginx in front of the real relay, running
// deploy/nginx/lantern.conf itself (only addresses, certificate paths and the two timeouts are
// substituted). Checks TLS termination, nginx's body limit, the client address the relay rate-limits
// by (X-Forwarded-For from a trusted proxy only), and that slow requests are cut by nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { startRelay, stopAll, request, postTicket, ticket, key, sleep, deadline, selfSigned, freePort, metric, src, work } from './harness.mjs';

fs.chmodSync(work, 0o755);  // nginx's workers (nobody, when run as root) write body buffers here
const cert = selfSigned(work);
let relay, nginx, nginxExited, port, nginxLog = '';

// deploy/nginx/lantern.conf with this test's addresses; each substitution must match exactly once.
function siteConfig(nginxPort, relayPort) {
  let conf = fs.readFileSync(path.join(src, 'deploy/nginx/lantern.conf'), 'utf8');
  const sub = (from, to) => {
    const n = conf.split(from).length - 1;
    assert.equal(n, 1, `deploy/nginx/lantern.conf: expected one "${from}", found ${n}`);
    conf = conf.replace(from, to);
  };
  sub('server 127.0.0.1:8080;', `server 127.0.0.1:${relayPort};`);
  sub('listen 443 ssl;', `listen 127.0.0.1:${nginxPort} ssl;`);
  sub('listen [::]:443 ssl;', '');
  sub('/etc/ssl/lantern/fullchain.pem', cert.cert);
  sub('/etc/ssl/lantern/privkey.pem', cert.key);
  sub('client_header_timeout 10s;', 'client_header_timeout 2s;');
  sub('client_body_timeout 10s;', 'client_body_timeout 2s;');
  sub('limit_conn lantern_conn 32;', 'limit_conn lantern_conn 8;');
  const plain = conf.indexOf('# Plain HTTP only redirects.');
  assert.ok(plain > 0);
  return conf.slice(0, plain);  // the port-80 redirect needs a privileged port
}

function startNginx(nginxPort) {
  const dir = work;
  fs.writeFileSync(path.join(dir, 'lantern.conf'), siteConfig(nginxPort, relay.port));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
worker_processes 1;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  include ${dir}/lantern.conf;
}
`);
  const bin = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';  // /usr/sbin is not on every PATH
  const proc = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'),
                               '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx = proc;  // stopped in after() even if it never starts listening
  nginxExited = new Promise((r) => proc.once('exit', r));
  proc.stdout.on('data', (d) => { nginxLog += d; });
  proc.stderr.on('data', (d) => { nginxLog += d; });
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => {
      if (proc.exitCode !== null) return reject(new Error(`nginx exited ${proc.exitCode}: ${nginxLog}` +
                                                          fs.readFileSync(path.join(dir, 'error.log'), 'utf8')));
      const s = net.connect(nginxPort, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(proc); });
      s.on('error', () => { if (Date.now() - t0 > 10000) reject(new Error('nginx did not start: ' + nginxLog)); else setTimeout(poll, 100); });
    };
    poll();
  });
}

before(async () => {
  relay = await startRelay({ data: path.join(work, 'data'),
                             config: { trusted_proxies: ['127.0.0.1', '::1'], ticket_rate_per_ip: 0.001, ticket_burst_per_ip: 2, threads: 8 } });
  port = await freePort();
  await startNginx(port);
});
after(async () => {
  // Graceful (SIGQUIT), then fast (SIGTERM), then SIGKILL; each given 5 s.
  for (const sig of ['SIGQUIT', 'SIGTERM', 'SIGKILL']) {
    if (!nginx || nginx.exitCode !== null || nginx.signalCode !== null) break;
    nginx.kill(sig);
    await Promise.race([nginxExited, deadline(5000)]);
  }
  await stopAll();
});

// Through nginx over TLS, from a chosen loopback address (127.0.0.x all reach 127.0.0.1).
const via = (from, extra = {}) => ({ tls: { ca: cert.ca, localAddress: from, ...extra } });
const relayMetric = (name) => metric(relay.port, name);

test('a ticket goes through nginx over HTTPS with 201 and is read back', async () => {
  const k = key();
  const a = await postTicket(port, k, ticket(k), via('127.0.0.1'));
  assert.equal(a.status, 201, a.text);
  assert.equal(a.protocol === 'TLSv1.3' || a.protocol === 'TLSv1.2', true);
  const g = await request(port, 'GET', `/v1/tickets/${a.json.id}`,
                          { ...via('127.0.0.1'), headers: { Authorization: `Bearer ${a.json.access_token}` } });
  assert.equal(g.status, 200);
  assert.equal(g.json.id, a.json.id);
  const metrics = await request(port, 'GET', '/metrics', via('127.0.0.1'));
  assert.equal(metrics.status, 404, 'metrics must not be public through nginx');
});

test('an oversized ticket is refused by nginx with 413 in the relay\'s error format; the relay never sees it', async () => {
  const seen = await relayMetric('lantern_requests_total');
  const k = key();
  const r = await postTicket(port, k, ticket(k, { description: 'x'.repeat(300 * 1024) }), via('127.0.0.1'));
  assert.equal(r.status, 413);
  assert.equal(r.json?.error?.code, 'too_large', r.text);
  assert.equal(await relayMetric('lantern_requests_total'), seen + 1, 'the relay saw the oversized request');  // +1: this /metrics
});

test('the relay rate-limits the real client address, and a forged X-Forwarded-For does not help', async () => {
  const codes = [];
  for (let i = 0; i < 3; i++) { const k = key(); codes.push((await postTicket(port, k, ticket(k), via('127.0.0.2'))).status); }
  assert.deepEqual(codes, [201, 201, 429], 'burst of 2 per client address');
  // Another client behind the same nginx has its own bucket.
  let k = key();
  assert.equal((await postTicket(port, k, ticket(k), via('127.0.0.3'))).status, 201);
  // The limited client cannot pick another bucket by writing the header itself.
  k = key();
  const forged = await postTicket(port, k, ticket(k), { ...via('127.0.0.2'), headers: { 'X-Forwarded-For': '127.0.0.9' } });
  assert.equal(forged.status, 429);
  // Straight to the relay from a peer that is not a trusted proxy, the header is ignored.
  const untrusted = [];
  for (let i = 0; i < 3; i++) {
    k = key();
    untrusted.push((await postTicket(relay.port, k, ticket(k), { localAddress: '127.0.0.4', headers: { 'X-Forwarded-For': `10.1.0.${i}` } })).status);
  }
  assert.deepEqual(untrusted, [201, 201, 429], 'an untrusted peer chose its own bucket with X-Forwarded-For');
});

test('nginx\'s own refusals of broken and oversized request heads are JSON too', async () => {
  const seen = await relayMetric('lantern_requests_total');
  const raw = (payload) => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: cert.ca }, () => s.write(payload));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('error', reject);
    s.on('close', () => {
      const [head, body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body });
    });
  });
  const broken = await raw('POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
  assert.equal(broken.status, 400, broken.head);
  assert.match(broken.head, /content-type: application\/json/i);
  assert.equal(JSON.parse(broken.body).error.code, 'bad_request');
  const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(9000)}\r\nConnection: close\r\n\r\n`);
  assert.equal(big.status, 431, big.head + '\n' + big.body);
  assert.equal(JSON.parse(big.body).error.code, 'header_too_large');
  assert.equal(await relayMetric('lantern_requests_total'), seen + 1, 'the broken requests reached the relay');  // +1: /metrics
});

test('slow request heads and bodies are cut by nginx, not by a relay thread', async () => {
  const requestsBefore = await relayMetric('lantern_requests_total');
  const t0 = Date.now();
  const open = (payload) => new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: cert.ca }, () => s.write(payload));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('error', () => {});
    s.on('close', () => resolve({ after: Date.now() - t0, data }));
  });
  const k = key();
  const heads = [1, 2, 3].map(() => open('POST /v1/tickets HTTP/1.1\r\nHost: x\r\n'));
  const body = open(`POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: ${k}\r\n` +
                    'Content-Length: 1000\r\n\r\n{"schema":');
  // A normal client meanwhile.
  const k2 = key();
  assert.equal((await postTicket(port, k2, ticket(k2), via('127.0.0.5'))).status, 201);
  const cut = await Promise.race([Promise.all([...heads, body]), deadline(10000)]);
  assert.ok(cut, 'slow connections were still open 10 s later (client_header_timeout and client_body_timeout are 2 s)');
  // nginx closes a timed-out request without an answer (its 408 goes only to its log).
  assert.ok(cut.every((c) => c.data === ''), 'nothing of the slow requests reached the relay');
  // The relay saw only the normal ticket and this test's /metrics reads.
  assert.equal(await relayMetric('lantern_requests_total'), requestsBefore + 2);
});
