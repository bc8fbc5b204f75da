// Shared by the relay's fault and deployment tests (TLS, nginx, slow clients, full disk): builds a
// bundle, starts the real relay binary, speaks HTTP(S) to it. Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

export const relayBin = process.env.LANTERN_RELAY, kbTool = process.env.LANTERN_KB, src = process.env.LANTERN_SRC;

export function workDir(name) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `lantern-${name}-`));
  const bundle = path.join(work, 'kb.bundle');
  execFileSync(kbTool, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'),
                        '--out', bundle], { stdio: 'ignore' });
  return { work, bundle };
}

// Starts a relay; resolves with {proc, port, output()} once it prints its port. Rate limits are
// lifted unless the config sets them.
export function startRelay({ work, bundle }, dataDir, config = {}, args = []) {
  const cfg = path.join(work, `config-${crypto.randomUUID()}.json`);
  fs.writeFileSync(cfg, JSON.stringify({ ticket_rate_per_ip: 1e6, ticket_burst_per_ip: 1e6, request_rate_per_ip: 1e6,
                                         request_burst_per_ip: 1e6, threads: 16, ...config }));
  const proc = spawn(relayBin, ['--listen', '127.0.0.1:0', '--data', dataDir, '--bundle', bundle, '--config', cfg, ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start: ' + out)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, port: Number(m[1]), output: () => out }); }
    });
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(Object.assign(new Error(`relay exited ${code}: ${out}`), { code, out })); });
  });
}

export function stopRelay(r) {
  if (!r || r.proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => { r.proc.once('exit', resolve); r.proc.kill('SIGTERM'); });
}

// One request on a fresh connection; resolves {status, headers, text, json, socket info}.
// localAddress picks the client's source address (any 127.0.0.x reaches 127.0.0.1).
export function request(port, method, p, { body, headers = {}, tls = null, host = '127.0.0.1', localAddress } = {}) {
  const mod = tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({ host, port, method, path: p, headers, agent: false, localAddress, ...(tls || {}) }, (res) => {
      const protocol = res.socket.getProtocol?.(), cipher = res.socket.getCipher?.();
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text: data, json, protocol, cipher });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const NOW = new Date();
export const key = () => crypto.randomBytes(16).toString('hex');
// A valid lantern.ticket/1 body (the withdrawal form of kb-bundle/forms), as in relay.test.mjs.
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
export const postTicket = (port, k, body, { headers = {}, ...rest } = {}) =>
  request(port, 'POST', '/v1/tickets', { body, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': k, ...headers }, ...rest });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A self-signed certificate for 127.0.0.1 (ECDSA P-256) made with Debian's openssl.
export function selfSigned(dir, name = 'relay') {
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
