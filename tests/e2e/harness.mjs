// Shared set-up of the browser tests: a freshly signed bundle, the assembled web root, the real
// relay on a free loopback port, and Debian's Chromium (headless, fresh profile) via playwright-core.
// Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC, LANTERN_DIST (dist/web as scripts/build.sh left it).
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set (run the browser tests through ctest, see tests/e2e/CMakeLists.txt)`);
  return v;
};
export const relayBin = () => env('LANTERN_RELAY');
export const kbTool = () => env('LANTERN_KB');
export const srcDir = () => env('LANTERN_SRC');
export const distDir = () => env('LANTERN_DIST');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For races: resolves to `value` after ms without keeping the process alive once the race is decided.
export const deadline = (ms, value = null) => new Promise((r) => setTimeout(r, ms, value).unref());

// A signed bundle with the forms, and the web root the demo serves (dist/web + bundle + key + user).
// `widget`: a map {relative path: contents} that replaces dist/web/widget (the launcher tests with a stand-in widget).
export function makeSite({ widget, identitySecret = 'e2e-identity-secret' } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-e2e-'));
  const kb = kbTool(), src = srcDir();
  execFileSync(kb, ['keygen', '--out', path.join(work, 'demo')], { stdio: 'ignore' });
  const bundle = path.join(work, 'kb.bundle');
  execFileSync(kb, ['build', '--input', path.join(src, 'kb-bundle/content'), '--forms', path.join(src, 'kb-bundle/forms'),
                    '--strings', path.join(src, 'kb-bundle/strings'),
                    '--synonyms', path.join(src, 'kb-bundle/synonyms.txt'), '--sign-key', path.join(work, 'demo.key'),
                    '--out', bundle], { stdio: 'ignore' });
  const web = path.join(work, 'web');
  fs.cpSync(distDir(), web, { recursive: true });
  // Always the launcher and demo page from the source tree, so a test never runs a stale copy.
  fs.copyFileSync(path.join(src, 'web/lantern.js'), path.join(web, 'lantern.js'));
  fs.copyFileSync(path.join(src, 'web/demo/index.html'), path.join(web, 'index.html'));
  fs.mkdirSync(path.join(web, 'demo'), { recursive: true });
  for (const f of ['demo.js', 'demo.css']) fs.copyFileSync(path.join(src, 'web/demo', f), path.join(web, 'demo', f));
  if (widget) {
    fs.rmSync(path.join(web, 'widget'), { recursive: true, force: true });
    fs.mkdirSync(path.join(web, 'widget'), { recursive: true });
    for (const [p, text] of Object.entries(widget)) fs.writeFileSync(path.join(web, 'widget', p), text);
  }
  fs.copyFileSync(bundle, path.join(web, 'kb.bundle'));
  fs.copyFileSync(path.join(work, 'demo.pub'), path.join(web, 'demo.pub'));
  const userId = 'u_e2e_42';
  const userHash = crypto.createHmac('sha256', identitySecret).update(userId).digest('hex');
  fs.writeFileSync(path.join(web, 'demo-user.json'), JSON.stringify({ userId, userHash }));
  // A read-only agent key, so tests see what the help desk would see (GET /v1/agent/tickets).
  const agentKey = crypto.randomBytes(24).toString('hex');
  const config = path.join(work, 'relay.json');
  fs.writeFileSync(config, JSON.stringify({
    identity_secret: identitySecret,
    agent_keys: [{ name: 'e2e', key_sha256: crypto.createHash('sha256').update(agentKey).digest('hex'), role: 'reader' }],
  }));
  return { work, web, bundle, publicKey: path.join(work, 'demo.pub'), data: path.join(work, 'data'), config, userId, agentKey };
}

// The real relay on 127.0.0.1, port chosen by the kernel; resolves once it printed its port.
export function startRelay(site) {
  const proc = spawn(relayBin(), ['--listen', '127.0.0.1:0', '--data', site.data, '--web', site.web, '--bundle', site.bundle,
                                  '--public-key', site.publicKey, '--config', site.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('relay did not start: ' + out)); }, 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ proc, port, url: `http://127.0.0.1:${port}`, stop: () => stopProc(proc) });
      }
    });
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited ${code}: ${out}`)); });
  });
}

function stopProc(proc) {
  if (proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });
}

// Chromium with a fresh profile directory; `requests` records every URL the pages asked for.
export async function launch({ locale = 'en-US', timezoneId = 'UTC' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.LANTERN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    locale,
    timezoneId,
    viewport: { width: 1280, height: 800 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), type: r.resourceType(), at: Date.now() }));
  const page = context.pages()[0] || (await context.newPage());
  const errors = [], consoleLog = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
  return {
    context, page, requests, errors, consoleLog,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Everything a test needs, torn down in reverse order by `done()`.
export async function start(opts = {}) {
  const site = makeSite(opts);
  let relay, browser;
  try {
    relay = await startRelay(site);
    browser = await launch(opts);
  } catch (e) {
    await relay?.stop();
    fs.rmSync(site.work, { recursive: true, force: true });
    throw e;
  }
  return {
    site, relay, ...browser,
    done: async () => {
      await browser.close();
      await relay.stop();
      if (!process.env.LANTERN_E2E_KEEP) fs.rmSync(site.work, { recursive: true, force: true });
    },
  };
}

// Holds a key ~50 ms: ImGui 1.86 samples key state once per frame and has no input queue.
export async function press(page, key, { hold = 50 } = {}) {
  await page.keyboard.down(key);
  await sleep(hold);
  await page.keyboard.up(key);
  await sleep(hold);
}

// An HTTP request to the relay from Node (not the browser), JSON in and out.
export async function api(relay, method, p, { body, headers = {} } = {}) {
  const r = await fetch(relay.url + p, { method, headers, body });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, json, text, headers: r.headers };
}

// The tickets the relay stored, as the help desk reads them (agent API), each with its full body.
export async function storedTickets(t) {
  const auth = { Authorization: `Bearer ${t.site.agentKey}` };
  const list = await api(t.relay, 'GET', '/v1/agent/tickets?limit=1000', { headers: auth });
  if (list.status !== 200) throw new Error(`agent API: ${list.status} ${list.text}`);
  const out = [];
  for (const s of list.json.tickets) out.push((await api(t.relay, 'GET', `/v1/agent/tickets/${s.id}`, { headers: auth })).json);
  return out;
}

// The attachment files the relay wrote under its data folder.
export function storedAttachments(site) {
  const dir = path.join(site.data, 'attachments');
  if (!fs.existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ path: p, bytes: fs.readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

// Waits for fn() to return something truthy.
export async function until(fn, what, ms = 15000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

// Arms a promise on the page that resolves at the widget's next 'ready'.
export async function armReady(page) {
  await page.evaluate(() => {
    window.__lanternReady = new Promise((res) => window.Lantern.on('ready', () => res(performance.now())));
  });
}

// Waits for the armed 'ready', failing with what the page said when it does not come.
export async function waitReady(t, ms = 90000) {
  const timeout = deadline(ms, 'timeout');  // unref'd: a pending 90 s timer held every test file open after its tests
  const r = await Promise.race([t.page.evaluate(() => window.__lanternReady), timeout]);
  if (r === 'timeout') {
    const f = t.page.frames().find((x) => /\/widget\//.test(x.url()));
    const screen = f ? await f.evaluate(() => document.body.innerText.slice(0, 500)).catch((e) => String(e)) : 'no widget frame';
    throw new Error(`the widget did not say ready in ${ms} ms; widget text: ${screen}; console: ${t.consoleLog.slice(-10).join(' | ')}; errors: ${t.errors.join(' | ')}`);
  }
  return r;
}

// The demo page with the widget opened by its launcher, resolved once the widget said 'ready'.
export async function openWidget(t, { path: p = '/' } = {}) {
  await t.page.goto(t.relay.url + p);
  await armReady(t.page);
  const launcher = t.page.getByRole('button', { name: /Help & support|帮助与支持/ });
  await launcher.click();
  await waitReady(t);
  return t.page.frameLocator('iframe[title="Lantern support"]');
}

// Clicks a textbox of the mirror (which focuses the widget's text input) and types, one character
// at a time; characters go through ImGui's character queue, which keeps them all.
export async function typeText(page, textbox, text, { delay = 25 } = {}) {
  await textbox.click();
  await sleep(100);
  await page.keyboard.type(text, { delay });
  await sleep(150);
}

// Empties the focused ImGui text field: select all, then delete (held keys, see press()).
export async function clearField(page, textbox) {
  await textbox.click();
  await sleep(100);
  await page.keyboard.down('Control');
  await press(page, 'a');
  await page.keyboard.up('Control');
  await press(page, 'Delete');
  await sleep(100);
}

// The value a mirror textbox announces: its input value, else aria-valuetext.
export async function valueOf(textbox) {
  return textbox.evaluate((e) => ('value' in e && typeof e.value === 'string' ? e.value : e.getAttribute('aria-valuetext') || ''));
}
