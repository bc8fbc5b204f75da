// The agent report page in headless Chromium: served by the real relay, fed by seeded analytics
// events and tickets over HTTP, it draws its charts (canvas) and fills its tables with the seeded
// figures; the API key stays in sessionStorage and nothing leaves the relay's origin.
// Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const relayBin = process.env.LANTERN_RELAY, kbTool = process.env.LANTERN_KB, src = process.env.LANTERN_SRC;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-e2e-report-'));
const AGENT_KEY = crypto.randomBytes(24).toString('hex');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let relay, base, context;
const ids = [];

function startRelay() {
  const bundle = path.join(work, 'kb.bundle');
  execFileSync(kbTool, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'),
                        '--out', bundle], { stdio: 'ignore' });
  const cfg = path.join(work, 'relay.json');
  fs.writeFileSync(cfg, JSON.stringify({
    ticket_rate_per_ip: 1e6, ticket_burst_per_ip: 1e6, request_rate_per_ip: 1e6, request_burst_per_ip: 1e6,
    analytics_rate_per_ip: 1e6, analytics_burst_per_ip: 1e6,
    agent_keys: [{ name: 'e2e', key_sha256: crypto.createHash('sha256').update(AGENT_KEY).digest('hex') }],
  }));
  const proc = spawn(relayBin, ['--listen', '127.0.0.1:0', '--data', path.join(work, 'data'), '--bundle', bundle, '--config', cfg],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('relay did not start: ' + out)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ proc, port: Number(m[1]) }); }
    });
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited ${code}: ${out}`)); });
  });
}

async function post(p, body, headers = {}) {
  const res = await fetch(base + p, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  return { status: res.status, json: await res.json() };
}

const iso = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');
const times = (n, e) => Array.from({ length: n }, () => ({ ...e }));

before(async () => {
  relay = await startRelay();
  base = `http://127.0.0.1:${relay.port}`;
  const events = [
    ...times(5, { kind: 'search', query: 'withdrawal pending', lang: 'en', results: 0, opened: null }),
    ...times(3, { kind: 'search', query: '充值未到账', lang: 'zh-CN', results: 0, opened: null }),
    ...times(6, { kind: 'search', query: 'fee schedule', lang: 'en', results: 4, opened: null }),
    ...times(5, { kind: 'article_vote', article_id: '2fa-lost@en', helpful: false, lang: 'en' }),
    { kind: 'article_vote', article_id: '2fa-lost@en', helpful: true, lang: 'en' },
    ...times(2, { kind: 'contact', category: 'withdrawal-not-received', article_opened_before: true, ticket_filed: false }),
    ...times(2, { kind: 'contact', category: 'withdrawal-not-received', article_opened_before: false, ticket_filed: true }),
  ];
  const r = await post('/v1/analytics/events', { events });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  for (const [category, description, fields] of [
    ['fees', 'This is outrageous, you charged me twice and nobody answers! I am furious.', { fee_type: 'withdrawal', problem: 'charged_more' }],
    ['withdrawal-not-received', 'Withdrawal shows completed but the other exchange has not received it.',
     { coin: 'USDT', chain: 'tron', status: 'completed', txid: crypto.randomBytes(32).toString('hex'),
       address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', amount: '100', time: { at: iso(new Date(Date.now() - 3600e3)), approximate: true } }],
  ]) {
    const k = crypto.randomBytes(16).toString('hex');
    const t = await post('/v1/tickets', { schema: 'lantern.ticket/1', idempotency_key: k, created_at: iso(new Date()), language: 'en',
                                          category, form_version: 1, fields: { ...fields, description }, attachments: [],
                                          client: { name: 'e2e', version: '0', bundle: 'x' } }, { 'Idempotency-Key': k });
    assert.equal(t.status, 201, JSON.stringify(t.json));
    ids.push(t.json.id);
  }
  context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(work, 'profile-')),
                                                   { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await context?.close();
  relay?.proc.kill('SIGTERM');
});

test('the report page loads, draws its charts and lists the seeded data', async () => {
  const page = await context.newPage();
  const foreign = [], problems = [];
  page.on('request', (req) => { if (!req.url().startsWith(base + '/')) foreign.push(req.url()); });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));

  await page.goto(base + '/agent/reports/');
  await page.getByLabel('API key').fill(AGENT_KEY);
  await page.getByRole('button', { name: 'Load reports' }).click();
  await page.getByRole('status').filter({ hasText: /^Loaded/ }).waitFor({ timeout: 15000 });

  // Charts: Chart.js instances on the three canvases, each drawn at a real size.
  const charts = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => {
    const chart = window.Chart && window.Chart.getChart(c);
    return { id: c.id, width: c.width, height: c.height, type: chart ? chart.config.type : null,
             points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0 };
  }));
  assert.deepEqual(charts.map((c) => [c.id, c.type]),
                   [['chart-volume', 'bar'], ['chart-deflection', 'bar'], ['chart-sentiment', 'bar']]);
  for (const c of charts) {
    assert.ok(c.width > 0 && c.height > 0, `${c.id} has a size`);
    assert.ok(c.points > 0, `${c.id} has data`);
  }
  assert.ok(await page.getByRole('img', { name: 'Ticket volume chart' }).isVisible());

  const rows = async (name) => page.getByRole('table', { name }).locator('tbody tr').evaluateAll(
    (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.deepEqual(await rows('Zero-result queries'), [['withdrawal pending', 'en', '5', '5'], ['充值未到账', 'zh', '3', '3']]);
  assert.deepEqual(await rows('Low-click queries'), [['fee schedule', 'en', '6', '0', '0 %']]);
  assert.deepEqual(await rows('Least helpful articles'), [['2fa-lost@en', '1', '5', '6', '16.7 %']]);
  assert.deepEqual(await rows('Deflection rate per category'), [['withdrawal-not-received', '4', '2', '2', '2', '50 %']]);
  const waiting = await rows('Angry and waiting longest');
  assert.equal(waiting.length, 2);
  assert.deepEqual([waiting[0][0], waiting[0][1], waiting[0][2]], [ids[0], 'fees', 'negative']);
  const negative = await rows('Negative sentiment by category');
  assert.deepEqual(negative[0].slice(0, 4), ['fees', '1', '1', '100 %']);
  const timesRows = await rows('Time to first reply and to resolution');
  assert.equal(timesRows[0][0], 'all');

  // The key is in this tab's sessionStorage only, never in localStorage or a cookie.
  const storage = await page.evaluate(() => ({ session: sessionStorage.getItem('lantern.agentKey'), local: localStorage.length,
                                               cookie: document.cookie }));
  assert.deepEqual(storage, { session: AGENT_KEY, local: 0, cookie: '' });
  // The language filter: only the Chinese query is left.
  await page.getByLabel('Language').selectOption('zh');
  await page.getByRole('button', { name: 'Load reports' }).click();
  await page.waitForFunction(() => document.querySelector('#t-zero tbody').rows.length === 1, null, { timeout: 15000 });
  assert.deepEqual(await rows('Zero-result queries'), [['充值未到账', 'zh', '3', '3']]);

  assert.deepEqual(foreign, [], 'no request leaves the relay');
  assert.deepEqual(problems, [], 'no script error and no Content-Security-Policy violation');
  await page.close();
});

test('a wrong key is refused and forgotten', async () => {
  const page = await context.newPage();
  await page.goto(base + '/agent/reports/');
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Load reports' }).click();
  await page.getByRole('status').filter({ hasText: 'refused' }).waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lantern.agentKey')), null);
  await page.close();
});
