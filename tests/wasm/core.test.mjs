// lantern-core.mjs (WebAssembly) against the native engine: same bundle, same answers.
// Env: LANTERN_DIST (dist/web), LANTERN_KB (native lantern-kb), LANTERN_SRC (repo root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dist = process.env.LANTERN_DIST, kbTool = process.env.LANTERN_KB, src = process.env.LANTERN_SRC;
const { default: createLanternCore } = await import(path.join(dist, 'lantern-core.mjs'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-wasm-'));
const run = (...args) => execFileSync(kbTool, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
run('keygen', '--out', 'key');
run('keygen', '--out', 'other');
run('build', '--input', path.join(src, 'kb-bundle/content'), '--synonyms', path.join(src, 'kb-bundle/synonyms.txt'),
    '--forms', path.join(src, 'kb-bundle/forms'), '--sign-key', 'key.key', '--out', 'kb.bundle');
const bytes = fs.readFileSync(path.join(work, 'kb.bundle'));
const pub = fs.readFileSync(path.join(work, 'key.pub'), 'utf8');
const core = await createLanternCore();

function openErr(b, opts) {
  try { core.openBundle(b, opts); } catch (e) { return e; }
  return null;
}

test('a signed bundle opens with its public key', () => {
  const kb = core.openBundle(bytes, { publicKey: pub });
  assert.equal(kb.info().articles, 88);
  kb.close();
});

test('wrong key, altered and truncated bundles are refused with a code that says which', () => {
  assert.equal(openErr(bytes, { publicKey: fs.readFileSync(path.join(work, 'other.pub'), 'utf8') }).code, 'wrong_key');
  const bad = Uint8Array.from(bytes); bad[4000] ^= 1;
  assert.equal(openErr(bad, { publicKey: pub }).code, 'tampered');
  assert.equal(openErr(bad).code, 'tampered');
  assert.equal(openErr(bytes.subarray(0, bytes.length - 10)).code, 'truncated');
  assert.equal(openErr(new Uint8Array(0)).code, 'truncated');
});

test('the WebAssembly engine returns what the native engine returns', () => {
  const kb = core.openBundle(bytes);
  const queries = [['提币未到账', 'zh-CN'], ['谷歌验证器丢了', 'zh'], ['USDT 提币', 'zh-CN'], ['withdrawl pending', 'en'],
                   ['how do I recognise phis', 'en'], ['congestion wallet maintenance', 'zh-CN'], ['實名認證', 'zh-TW'], ['2fa', '']];
  for (const [q, lang] of queries) {
    const args = ['search', '--bundle', 'kb.bundle', '--top', '5', '--json'];
    if (lang) args.push('--lang', lang);
    const native = JSON.parse(run(...args, q));
    const wasm = kb.search(q, { lang, top: 5 });
    assert.deepEqual(wasm.hits.map(h => h.id), native.hits.map(h => h.id), q);
    assert.deepEqual(wasm.hits.map(h => h.snippet), native.hits.map(h => h.snippet), q);
    wasm.hits.forEach((h, i) => assert.ok(Math.abs(h.score - native.hits[i].score) < 1e-3, q));
    assert.ok(wasm.hits.length > 0, q);
  }
  kb.close();
});

test('articles come back as blocks, links included', () => {
  const kb = core.openBundle(bytes);
  const a = kb.article('withdrawal-pending@en');
  assert.equal(a.lang, 'en');
  assert.ok(a.blocks.some(b => b.type === 'heading'));
  assert.ok(a.blocks.some(b => b.spans.some(s => s.type === 'link' && s.href.startsWith('kb:'))));
  assert.throws(() => kb.article('no-such-article'), e => e.code === 'invalid_argument');
  kb.close();
});

test('bad queries get an error code or an empty answer', () => {
  const kb = core.openBundle(bytes);
  assert.deepEqual(kb.search('', {}).hits, []);
  assert.throws(() => kb.search('a'.repeat(100 * 1024)), e => e.code === 'too_large');
  assert.throws(() => kb.search('wallet', { lang: 'fr' }), e => e.code === 'unknown_language');
  assert.throws(() => kb.search('wallet', { top: 0 }), e => e.code === 'invalid_argument');
  assert.ok(Array.isArray(kb.search('\u0000\uffff\ud800 x', {}).hits));
  kb.close();
  assert.throws(() => kb.search('wallet'), /closed/);
});

const NOW = Date.UTC(2026, 10, 29, 2, 40);
const ctx = { now: NOW, utcOffsetMinutes: 480 };
const withdrawal = () => ({
  coin: 'usdt', chain: 'TRC20', status: 'completed',
  txid: '3b0e5ae0a4c8f1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0',
  address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', amount: '１，２５０。５',
  time: { text: '2026-11-28 21:30', approximate: true },
  description: '提币显示已完成，但对方平台说没有收到。',
});

test('forms, checks and canonical values work in WebAssembly', () => {
  const kb = core.openBundle(bytes);
  const { forms } = kb.forms();
  assert.equal(forms.length, 10);
  const r = kb.check('withdrawal-not-received', withdrawal(), ctx);
  assert.deepEqual(r.errors, []);
  assert.equal(r.canonical.amount, '1250.5');
  assert.equal(r.canonical.chain, 'tron');
  assert.deepEqual(r.canonical.time, { text: '2026-11-28T13:30:00Z', approximate: true });
  assert.ok(!r.visible.includes('memo'));
  const bad = kb.check('withdrawal-not-received', { ...withdrawal(), txid: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' }, ctx);
  const e = bad.errors.find(x => x.field === 'txid');
  assert.equal(e.code, 'txid.looks_like_address');
  assert.match(e.message['zh-CN'], /交易哈希/);
  assert.throws(() => kb.check('nope', {}, ctx), err => err.code === 'invalid_argument');
  kb.close();
});

test('triage and tickets work in WebAssembly, secrets block the ticket', () => {
  const kb = core.openBundle(bytes);
  const t = kb.triage('充值三个小时了还没到账', { lang: 'zh-CN', articles: 2 });
  assert.equal(t.categories[0].id, 'deposit-not-credited');
  assert.equal(t.articles.length, 2);
  const ok = kb.buildTicket({ category: 'withdrawal-not-received', language: 'zh-CN', values: withdrawal(), context: ctx,
                              client: { name: 'lantern-test', version: '0', bundle: 'x' } });
  const ticket = JSON.parse(ok.ticket);
  assert.match(ticket.idempotency_key, /^[0-9a-f]{32}$/);
  assert.equal(ticket.fields.amount, '1250.5');
  const seed = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
  const blocked = kb.buildTicket({ category: 'withdrawal-not-received', language: 'en', context: ctx,
                                   values: { ...withdrawal(), description: 'support asked for it: ' + seed } });
  assert.equal(blocked.ticket, undefined);
  assert.ok(blocked.errors.some(x => x.field === 'description' && x.code === 'secret.mnemonic' && x.blocking));
  const found = core.scanSecrets('my password is Hunter2!', 'free_text').findings;
  assert.equal(found[0].kind, 'password');
  assert.deepEqual(core.scanSecrets('3b0e5ae0a4c8f1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0', 'txid').findings, []);
  kb.close();
});

test('the outbox keeps a ticket across a restart until the relay accepts it; drafts survive too', async () => {
  // One storage shared by two module instances: the second is the page after a reload.
  const m = new Map();
  const storage = { get: (k) => (m.has(k) ? m.get(k) : null), put: (k, v) => m.set(k, v), remove: (k) => m.delete(k),
                    keys: (p) => [...m.keys()].filter((k) => k.startsWith(p)) };
  const first = await createLanternCore({ lanternStorage: storage });
  const kb = first.openBundle(bytes);
  const built = kb.buildTicket({ category: 'withdrawal-not-received', language: 'zh-CN', values: withdrawal(), context: ctx });
  const key = first.outbox.enqueue(built.ticket);
  assert.equal(first.outbox.enqueue(built.ticket), key, 'the same ticket twice is one entry');
  first.drafts.save('withdrawal-not-received', { txid: 'abc' });
  const due = first.outbox.takeDue();
  assert.equal(due.length, 1);
  first.outbox.report(key, { status: 503, error: 'relay busy' });
  assert.equal(first.outbox.takeDue().length, 0, 'backing off after a 503');
  kb.close();

  const second = await createLanternCore({ lanternStorage: storage });
  const entries = second.outbox.entries();
  assert.equal(entries.length, 1);
  assert.equal(entries[0].key, key);
  assert.equal(entries[0].attempts, 1);
  assert.equal(entries[0].last_error, 'relay busy');
  assert.ok(second.outbox.nextDue() > Date.now());
  assert.deepEqual(second.drafts.load('withdrawal-not-received'), { txid: 'abc' });
  second.outbox.report(key, { status: 201, answer: JSON.stringify({ id: 'T-1', access_token: 't' }) });
  assert.equal(second.outbox.entries().length, 0);
  assert.deepEqual(second.outbox.receipt(key), { id: 'T-1', access_token: 't' });
  second.drafts.clear('withdrawal-not-received');
  assert.equal(second.drafts.load('withdrawal-not-received'), null);
  assert.throws(() => second.outbox.enqueue('{"idempotency_key":"short"}'), (e) => e.code === 'invalid_argument');
});
