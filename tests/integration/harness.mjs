// The one harness of the relay's integration tests (and of bench-webhook.mjs): the real
// lantern-relay on loopback, an HTTP(S) client, valid tickets, agent keys and small helpers.
// Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC (set by tests/integration/CMakeLists.txt).
//
// Each process gets one scratch folder, `work` (/tmp/lantern-it-<script>-XXXXXX), with a bundle
// built from kb-bundle/. Relays listen on 127.0.0.1:0; the port is read from the line the relay
// prints, then /healthz must answer 200 before startRelay resolves. Every relay started is
// tracked: `stopAll()` (call it in an `after` hook) stops them (SIGTERM, then SIGKILL after a
// bounded wait) and removes `work`; if the process ends another way (an uncaught error,
// SIGINT/SIGTERM), the relays get SIGKILL and `work` is removed on the way out.
// LANTERN_KEEP_WORK=1 keeps the folder for a post-mortem.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the integration tests through ctest (tests/integration/CMakeLists.txt), ` +
                    'or set LANTERN_RELAY, LANTERN_KB and LANTERN_SRC to the relay, lantern-kb and the source tree');
  }
  return v;
}
export const relayBin = env('LANTERN_RELAY'), kbTool = env('LANTERN_KB'), src = env('LANTERN_SRC');

// ---------------------------------------------------------------------------------------------
// The scratch folder and its bundle.

const scriptName = path.basename(process.argv[1] ?? 'relay').replace(/(\.test)?\.m?js$/, '').replace(/[^A-Za-z0-9_]/g, '_');
export const work = fs.mkdtempSync(path.join(os.tmpdir(), `lantern-it-${scriptName}-`));
export const bundle = path.join(work, 'kb.bundle');
execFileSync(kbTool, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'),
                      '--out', bundle], { stdio: ['ignore', 'ignore', 'pipe'] });

const relays = new Set();  // running relays (removed on exit)
let removed = false;

function removeWork() {
  if (removed) return;
  removed = true;
  if (process.env.LANTERN_KEEP_WORK) { process.stderr.write(`harness: LANTERN_KEEP_WORK is set, kept ${work}\n`); return; }
  try {
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch (e) {
    process.stderr.write(`harness: could not remove ${work}: ${e.message}\n`);  // e.g. a mount left inside it
  }
}

// Last resort (synchronous, so it works in 'exit'): no relay outlives this process.
function killAllNow() {
  for (const r of relays) { try { r.proc.kill('SIGKILL'); } catch { /* already gone */ } }
}
process.on('exit', () => { killAllNow(); removeWork(); });
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(sig, () => { killAllNow(); removeWork(); process.exit(code); });
}

// SIGTERM; SIGKILL if the process has not exited within graceMs. Resolves {code, signal}.
async function stopProc(r, graceMs) {
  if (r.proc.exitCode === null && r.proc.signalCode === null) {
    r.proc.kill('SIGTERM');
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(true), graceMs); });
    if (await Promise.race([r.exited.then(() => false), late])) r.proc.kill('SIGKILL');
    clearTimeout(timer);
  }
  return r.exited;
}

// Stops every relay still running (SIGTERM, then SIGKILL after graceMs) and removes `work`.
export async function stopAll({ graceMs = 5000 } = {}) {
  await Promise.all([...relays].map((r) => stopProc(r, graceMs)));
  removeWork();
}

// A fresh, empty folder in `work` (0700, as the relay wants its data folder).
export function freshDir(prefix = 'data') {
  const dir = path.join(work, `${prefix}-${crypto.randomUUID()}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Relays.

// Rate limits are lifted unless the config sets them (tests send many requests from one address).
export const baseConfig = Object.freeze({ ticket_rate_per_ip: 1e6, ticket_burst_per_ip: 1e6, request_rate_per_ip: 1e6,
                                          request_burst_per_ip: 1e6, threads: 16 });

// Writes `config` over baseConfig to a JSON file in `work`; returns its path.
export function writeConfig(config = {}) {
  const file = path.join(work, `config-${crypto.randomUUID()}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...baseConfig, ...config }));
  return file;
}

const LISTENING = /listening on (https?):\/\/\S+ \(port (\d+)\)/;

// Spawns the relay. config === null: no --config file at all (only the flags).
function spawnRelay({ config = {}, data = path.join(work, `data-${crypto.randomUUID()}`), args = [] }) {
  const argv = ['--listen', '127.0.0.1:0', '--data', data, '--bundle', bundle];
  if (config !== null) argv.push('--config', writeConfig(config));
  argv.push(...args);
  const proc = spawn(relayBin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { proc, data, out: '', err: '' };
  relays.add(r);
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { r.out += d; });
  proc.stderr.on('data', (d) => { r.out += d; r.err += d; });
  r.exited = new Promise((resolve) => proc.once('exit', (code, signal) => { relays.delete(r); resolve({ code, signal }); }));
  // 'close' comes after 'exit' once stdout and stderr are drained: the whole output was read.
  r.closed = new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  r.closed.then(() => relays.delete(r));
  return r;
}

// One running relay: {proc, port, url, data, exited, output(), stderr(), stop(), kill()}.
class Relay {
  constructor(r, port, scheme) {
    this.proc = r.proc;
    this.port = port;
    this.url = `${scheme}://127.0.0.1:${port}`;
    this.data = r.data;
    this.exited = r.exited;  // resolves {code, signal}
    this.r = r;
  }
  output() { return this.r.out; }  // stdout and stderr as they came
  stderr() { return this.r.err; }
  get running() { return this.proc.exitCode === null && this.proc.signalCode === null; }
  // SIGTERM; SIGKILL if it has not exited within graceMs. Resolves {code, signal}.
  stop({ graceMs = 5000 } = {}) { return stopProc(this.r, graceMs); }
  // SIGKILL (a crash); resolves {code, signal} once it is gone.
  async kill() {
    if (this.running) this.proc.kill('SIGKILL');
    return this.exited;
  }
}

const tail = (s, n = 4000) => (s.length > n ? '…' + s.slice(-n) : s);

// Starts a relay and resolves with a Relay once it listens and /healthz answers 200.
//   config   merged over baseConfig into a --config file (null: no config file)
//   data     its --data folder (default: a fresh one in `work`)
//   args     more flags (--tls-cert, --store, --web, …)
//   ready    'healthz' (default) or 'port' (resolve as soon as the port is printed)
//   timeoutMs  for the whole start; past it the relay is killed and the start fails
// A relay that exits or does not get ready rejects with an Error whose message holds its output
// (e.code and e.out are set too).
export async function startRelay({ config = {}, data, args = [], ready = 'healthz', timeoutMs = 20000 } = {}) {
  const r = spawnRelay({ config, data, args });
  const t0 = Date.now();
  // why: the reason, or (code, signal) => the reason once the relay is gone.
  const fail = async (why, kill) => {
    if (kill) r.proc.kill('SIGKILL');
    const { code, signal } = await r.closed;
    const reason = typeof why === 'function' ? why(code, signal) : why;
    return Object.assign(new Error(`${reason}: ${tail(r.out)}`), { code, signal, out: r.out });
  };
  const exitedEarly = (code, signal) => `relay exited ${code ?? signal}`;
  // 1. The port, from the line the relay prints once it listens.
  const listening = await new Promise((resolve) => {
    const check = () => { const m = LISTENING.exec(r.out); if (m) { done(); resolve({ scheme: m[1], port: Number(m[2]) }); } };
    const timer = setTimeout(() => { done(); resolve(null); }, timeoutMs);
    const onExit = () => { done(); resolve(null); };
    const done = () => { clearTimeout(timer); r.proc.stdout.off('data', check); r.proc.off('exit', onExit); };
    r.proc.stdout.on('data', check);
    r.proc.once('exit', onExit);
    check();
  });
  if (!listening) {
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) throw await fail(exitedEarly, false);
    throw await fail(`relay did not print its port within ${timeoutMs} ms`, true);
  }
  const relay = new Relay(r, listening.port, listening.scheme);
  if (ready === 'port') return relay;
  // 2. /healthz answers 200 (the store is open).
  let last = 'no answer';
  while (relay.running) {
    try {
      const h = await request(relay.port, 'GET', '/healthz', { tls: listening.scheme === 'https' ? { rejectUnauthorized: false } : null,
                                                            timeoutMs: 2000 });
      if (h.status === 200) return relay;
      last = `${h.status} ${h.text}`;
    } catch (e) { last = e.message; }
    if (Date.now() - t0 > timeoutMs) throw await fail(`relay did not answer /healthz with 200 within ${timeoutMs} ms (last: ${last})`, true);
    await sleep(50);
  }
  throw await fail(exitedEarly, false);
}

// Runs a relay that should refuse to start (bad config, wrong secret, …); resolves
// {code, signal, output} once its output is closed. One that starts listening instead is killed
// at once (code null) so the caller's checks fail quickly; one that hangs is killed after timeoutMs.
export function refusedRelay({ config = {}, data, args = [], timeoutMs = 20000 } = {}) {
  const r = spawnRelay({ config, data, args });
  const kill = () => { try { r.proc.kill('SIGKILL'); } catch { /* gone */ } };
  const timer = setTimeout(kill, timeoutMs);
  const started = () => { if (LISTENING.test(r.out)) kill(); };
  r.proc.stdout.on('data', started);
  return r.closed.then(({ code, signal }) => { clearTimeout(timer); return { code, signal, output: r.out }; });
}

// ---------------------------------------------------------------------------------------------
// HTTP.

// One request on a fresh connection; resolves {status, headers, text, json, bytes, protocol, cipher}.
//   tls           https options (ca, …), or null for plain HTTP
//   host          where to connect (default 127.0.0.1)
//   localAddress  the client's source address (any 127.0.0.x reaches 127.0.0.1)
//   timeoutMs     the request fails if the connection is idle that long (default 60 s)
export function request(port, method, p, { body, headers = {}, tls = null, host = '127.0.0.1', localAddress, timeoutMs = 60000 } = {}) {
  const mod = tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({ host, port, method, path: p, headers, agent: false, localAddress, ...(tls || {}) }, (res) => {
      const protocol = res.socket.getProtocol?.(), cipher = res.socket.getCipher?.();
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks), text = bytes.toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json, bytes, protocol, cipher });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${p} on port ${port}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// A free TCP port on 127.0.0.1 (for peers that cannot listen on port 0 and report it, like nginx).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().on('error', reject).listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// One sample of the relay's /metrics as {name: value} (labelled series keep their labels).
export async function metrics(port) {
  const r = await request(port, 'GET', '/metrics');
  const out = {};
  for (const line of r.text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// One metric; throws naming it when /metrics has no such series.
export async function metric(port, name) {
  const m = await metrics(port);
  if (!(name in m)) throw new Error(`${name} is not in the relay's /metrics`);
  return m[name];
}

// ---------------------------------------------------------------------------------------------
// Tickets and keys.

const NOW = new Date();
export const key = () => crypto.randomBytes(16).toString('hex');
// A valid lantern.ticket/1 body (the withdrawal form of kb-bundle/forms); `over` replaces fields.
export function ticket(k, over = {}) {
  return JSON.stringify({
    schema: 'lantern.ticket/1', idempotency_key: k, created_at: NOW.toISOString().replace(/\.\d+Z$/, 'Z'), language: 'zh-CN',
    category: 'withdrawal-not-received', form_version: 1,
    fields: { coin: 'USDT', chain: 'tron', status: 'completed', txid: crypto.randomBytes(32).toString('hex'),
              address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', amount: '1250.5',
              time: { at: new Date(NOW - 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'), approximate: true },
              description: '提币显示已完成，但对方平台说没有收到。', ...over },
    attachments: [], client: { name: 'test', version: '0', bundle: 'x' } });
}

// POST /v1/tickets with its Idempotency-Key; other request() options (tls, localAddress, headers) pass through.
export const postTicket = (port, k, body, { headers = {}, ...rest } = {}) =>
  request(port, 'POST', '/v1/tickets', { body, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': k, ...headers }, ...rest });

// Creates a ticket; returns the relay's answer {id, access_token, …} (throws unless 201).
export async function createTicket(port, over = {}) {
  const k = key();
  const r = await postTicket(port, k, ticket(k, over));
  if (r.status !== 201) throw new Error(`ticket not created: ${r.status} ${r.text}`);
  return r.json;
}

export const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');

// An agent API key: {key, entry (for the config's agent_keys), auth (the Authorization header)}.
export function agentKey(name, role) {
  const k = crypto.randomBytes(32).toString('base64');
  return { name, key: k, entry: { name, key_sha256: sha256hex(k), ...(role ? { role } : {}) }, auth: { Authorization: `Bearer ${k}` } };
}

// ---------------------------------------------------------------------------------------------
// Small things.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For races: resolves to `value` after ms without keeping the process alive once the race is decided.
export const deadline = (ms, value = null) => new Promise((r) => setTimeout(r, ms, value).unref());

// Polls fn until it returns a truthy value (returned) or `ms` pass (then throws with `what`).
export async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

// A self-signed certificate for 127.0.0.1 (ECDSA P-256) made with Debian's openssl.
export function selfSigned(dir = work, name = 'relay') {
  const cert = path.join(dir, `${name}.crt`), keyFile = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile,
                           '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
               { stdio: 'ignore' });
  return { cert, key: keyFile, ca: fs.readFileSync(cert) };
}

// CPU seconds (user + system) the process has used so far.
export function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // clock ticks; USER_HZ is 100 on Linux
}
