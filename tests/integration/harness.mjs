// Shared by the agent and webhook tests: a real lantern-relay on loopback, a plain HTTP client
// and valid tickets. Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

export const relayBin = process.env.LANTERN_RELAY;
const kbTool = process.env.LANTERN_KB, src = process.env.LANTERN_SRC;
export const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-agent-'));
const bundle = path.join(work, 'kb.bundle');
execFileSync(kbTool, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'),
                      '--out', bundle], { stdio: 'ignore' });

export function writeConfig(config) {
  const cfg = path.join(work, `config-${crypto.randomUUID()}.json`);
  fs.writeFileSync(cfg, JSON.stringify({ ticket_rate_per_ip: 1e6, ticket_burst_per_ip: 1e6, request_rate_per_ip: 1e6,
                                         request_burst_per_ip: 1e6, threads: 16, ...config }));
  return cfg;
}

// Starts a relay (in a fresh data folder unless one is given); resolves with {proc, port, exited, output()}
// once it prints its port.
export function startRelay(config = {}, dataDir = path.join(work, `data-${crypto.randomUUID()}`)) {
  const proc = spawn(relayBin, ['--listen', '127.0.0.1:0', '--data', dataDir, '--bundle', bundle, '--config', writeConfig(config)],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay did not start: ' + out)), 10000);
    const check = () => {
      const m = /port (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, port: Number(m[1]), exited, output: () => out }); }
    };
    proc.stdout.on('data', check);
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`relay exited ${code}: ${out}`)); });
  });
}

// Runs the relay with a config it should refuse; resolves with {code, output}.
export function refusedConfig(config) {
  return new Promise((resolve) => {
    const proc = spawn(relayBin, ['--listen', '127.0.0.1:0', '--data', path.join(work, `data-${crypto.randomUUID()}`), '--bundle', bundle,
                                  '--config', writeConfig(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.on('exit', (code) => { clearTimeout(timer); resolve({ code, output: out }); });
  });
}

export function request(port, method, p, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const NOW = new Date();
export const key = () => crypto.randomBytes(16).toString('hex');
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

// Creates a ticket; returns the relay's answer {id, access_token, …}.
export async function createTicket(port, over = {}) {
  const k = key();
  const r = await request(port, 'POST', '/v1/tickets',
                          { body: ticket(k, over), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': k } });
  if (r.status !== 201) throw new Error(`ticket not created: ${r.status} ${r.text}`);
  return r.json;
}

export const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value or `ms` pass (then throws with `what`).
export async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

// One sample of the relay's /metrics as {name: value}.
export async function metrics(port) {
  const r = await request(port, 'GET', '/metrics');
  const out = {};
  for (const line of r.text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
