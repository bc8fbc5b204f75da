// Analytics intake and agent reports on the real relay, over real HTTP on loopback.
// Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { startRelay, stopAll, request, postTicket as post, agentKey, metrics, work } from './harness.mjs';

const alice = agentKey('alice');
const AGENT_KEY = alice.key;

// Each test ends with relay.stop() without waiting (civetweb takes about 2 s to shut down);
// stopAll() waits for every relay at the end.
after(stopAll);

// Every relay here lifts the analytics limits too and knows alice's key.
const start = (data, config = {}) =>
  startRelay({ data, config: { analytics_rate_per_ip: 1e6, analytics_burst_per_ip: 1e6, agent_keys: [alice.entry], ...config } });

const sendEvents = (port, events, headers = {}) =>
  request(port, 'POST', '/v1/analytics/events', { body: typeof events === 'string' ? events : JSON.stringify({ events }),
                                                  headers: { 'Content-Type': 'application/json', ...headers } });
const report = (port, name, query = '', key = AGENT_KEY) =>
  request(port, 'GET', `/v1/agent/reports/${name}${query}`, { headers: { Authorization: `Bearer ${key}` } });
const agentPost = (port, p, body) =>
  request(port, 'POST', p, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${AGENT_KEY}` } });

const iso = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');
function ticket(category, description, lang = 'en') {
  const k = crypto.randomBytes(16).toString('hex');
  const now = new Date();
  const fields = category === 'fees'
    ? { fee_type: 'withdrawal', problem: 'too_high', description }
    : { coin: 'USDT', chain: 'tron', status: 'completed', txid: crypto.randomBytes(32).toString('hex'),
        address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', amount: '1250.5',
        time: { at: iso(new Date(now - 3600e3)), approximate: true }, description };
  return { key: k, body: JSON.stringify({ schema: 'lantern.ticket/1', idempotency_key: k, created_at: iso(now), language: lang,
                                          category, form_version: 1, fields, attachments: [],
                                          client: { name: 'test', version: '0', bundle: 'x' } }) };
}
const postTicket = (port, t) => post(port, t.key, t.body);

const times = (n, e) => Array.from({ length: n }, () => ({ ...e }));
// The seeded scenario: expected figures are worked out by hand in the asserts below.
const seed = [
  ...times(5, { kind: 'search', query: '  Withdrawal   PENDING ', lang: 'en', results: 0, opened: null }),
  ...times(3, { kind: 'search', query: '充值未到账', lang: 'zh-CN', results: 0, opened: null }),
  ...times(6, { kind: 'search', query: 'fee schedule', lang: 'en', results: 4, opened: null }),
  { kind: 'search', query: 'fee schedule', lang: 'en', results: 4, opened: 'fees-withdrawal@en' },
  ...times(4, { kind: 'search', query: '2fa reset', lang: 'en', results: 3, opened: '2fa-reset@en' }),
  { kind: 'article_vote', article_id: '2fa-lost@en', helpful: true, lang: 'en' },
  ...times(5, { kind: 'article_vote', article_id: '2fa-lost@en', helpful: false, lang: 'en' }),
  ...times(5, { kind: 'article_vote', article_id: '2fa-reset@en', helpful: true, lang: 'en' }),
  { kind: 'article_vote', article_id: '2fa-reset@en', helpful: false, lang: 'en' },
  ...times(2, { kind: 'article_vote', article_id: 'account-close@en', helpful: false, lang: 'en' }),
  ...times(2, { kind: 'contact', category: 'withdrawal-not-received', article_opened_before: true, ticket_filed: false }),
  { kind: 'contact', category: 'withdrawal-not-received', article_opened_before: true, ticket_filed: true },
  { kind: 'contact', category: 'withdrawal-not-received', article_opened_before: false, ticket_filed: true },
  { kind: 'contact', category: 'fees', article_opened_before: false, ticket_filed: true },
];
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

test('events are accepted, aggregated, reported, and survive a kill -9', async () => {
  const data = path.join(work, 'main');
  let relay = await start(data, { analytics_flush_interval_ms: 200 });
  const articleIds = ['fees-withdrawal@en', '2fa-reset@en', '2fa-lost@en', 'account-close@en'];
  for (const id of articleIds) {  // the seed names real articles of the bundle
    const r = await sendEvents(relay.port, [{ kind: 'article_vote', article_id: id, helpful: true, lang: 'en' }]);
    if (r.status !== 202) { assert.fail(`${id}: ${r.text}`); }
  }
  // Those probes are counted too: start from a second data folder for exact figures.
  await relay.kill();
  const clean = path.join(work, 'main2');
  relay = await start(clean, { analytics_flush_interval_ms: 200 });
  const half = Math.floor(seed.length / 2);
  let r = await sendEvents(relay.port, seed.slice(0, half));
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(r.json, { accepted: half, dropped: 0, dropped_secrets: 0 });
  r = await sendEvents(relay.port, [...seed.slice(half), { kind: 'search', query: MNEMONIC, lang: 'en', results: 0, opened: null }]);
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.accepted, seed.length - half);
  assert.equal(r.json.dropped_secrets, 1, 'the seed phrase is dropped, never stored');

  // Tickets for the ticket reports: two withdrawals, one fees (angry); one reply and one solved.
  const ids = [];
  for (const [cat, text] of [['withdrawal-not-received', 'Withdrawal shows completed but the other exchange has not received it.'],
                             ['withdrawal-not-received', '提币显示已完成，但对方平台说没有收到。'],
                             ['fees', 'This is outrageous, you charged me twice and nobody answers! Terrible service, I am furious.']]) {
    const t = await postTicket(relay.port, ticket(cat, text, /提币/.test(text) ? 'zh-CN' : 'en'));
    assert.equal(t.status, 201, t.text);
    ids.push(t.json.id);
  }
  let a = await agentPost(relay.port, `/v1/agent/tickets/${ids[0]}/messages`, { body: 'We are looking into it.' });
  assert.equal(a.status, 201, a.text);
  a = await agentPost(relay.port, `/v1/agent/tickets/${ids[0]}/status`, { status: 'solved' });
  assert.equal(a.status, 200, a.text);

  const check = async (port) => {
    const q = await report(port, 'queries');
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(q.json.zero_result.map((x) => [x.lang, x.query, x.zero_results]),
                     [['en', 'withdrawal pending', 5], ['zh', '充值未到账', 3]]);
    assert.deepEqual(q.json.low_click.map((x) => [x.query, x.with_results, x.opened]), [['fee schedule', 7, 1]]);
    assert.ok(!q.text.includes('abandon'), 'no trace of the seed phrase');
    const zh = await report(port, 'queries', '?lang=zh-CN');
    assert.deepEqual(zh.json.zero_result.map((x) => x.query), ['充值未到账']);
    const art = await report(port, 'articles');
    assert.equal(art.status, 200, art.text);
    assert.deepEqual(art.json.articles.map((x) => [x.article_id, x.helpful, x.not_helpful, x.votes]),
                     [['2fa-lost@en', 1, 5, 6], ['2fa-reset@en', 5, 1, 6]], 'worst first; account-close has too few votes');
    const few = await report(port, 'articles', '?min_votes=1');
    assert.equal(few.json.articles[0].article_id, 'account-close@en');
    const d = await report(port, 'deflection');
    assert.equal(d.status, 200, d.text);
    const w = d.json.categories.find((c) => c.category === 'withdrawal-not-received');
    assert.deepEqual([w.flows, w.article_opened, w.tickets_filed, w.deflected, w.deflection_rate], [4, 3, 2, 2, 0.5]);
    assert.equal(d.json.categories.find((c) => c.category === 'fees').deflection_rate, 0);
  };
  await check(relay.port);

  const vol = await report(relay.port, 'ticket-volume');
  assert.equal(vol.status, 200, vol.text);
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(vol.json.days, [today]);
  assert.deepEqual(vol.json.categories.map((c) => [c.category, c.counts]), [['fees', [1]], ['withdrawal-not-received', [2]]]);
  const rt = await report(relay.port, 'response-times');
  assert.equal(rt.status, 200, rt.text);
  assert.equal(rt.json.first_reply.count, 1);
  assert.equal(rt.json.resolution.count, 1);
  assert.equal(rt.json.unresolved, 2);
  assert.ok(rt.json.first_reply.median_s >= 0 && rt.json.resolution.median_s >= rt.json.first_reply.median_s);
  const s = await report(relay.port, 'sentiment');
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.waiting.map((w) => w.id).sort(), [ids[1], ids[2]].sort(), 'the answered, solved ticket is not waiting');
  assert.equal(s.json.waiting[0].id, ids[2], 'the angry ticket comes first');
  assert.equal(s.json.waiting[0].label, 'negative');
  assert.ok(s.json.waiting[0].cues.length > 0, 'the words that made it angry are shown');
  assert.deepEqual([s.json.categories[0].category, s.json.categories[0].negative, s.json.categories[0].negative_share], ['fees', 1, 1]);
  const empty = await report(relay.port, 'ticket-volume', '?from=2000-01-01&to=2000-01-02');
  assert.deepEqual(empty.json.categories, []);

  // Flushed aggregates survive a kill -9 (the report above made the relay flush first).
  await relay.kill();
  relay = await start(clean, { analytics_flush_interval_ms: 200 });
  await check(relay.port);
  assert.ok(!fs.readFileSync(path.join(clean, 'analytics.db')).includes('abandon'), 'the database holds no seed phrase');
  // The ticket facts and their cursor were kept too: the same figures, and new events fold in.
  const vol2 = await report(relay.port, 'ticket-volume');
  assert.deepEqual(vol2.json.categories.map((c) => [c.category, c.counts]), [['fees', [1]], ['withdrawal-not-received', [2]]]);
  a = await agentPost(relay.port, `/v1/agent/tickets/${ids[1]}/messages`, { body: '我们正在处理。' });
  assert.equal(a.status, 201, a.text);
  const rt2 = await report(relay.port, 'response-times');
  assert.deepEqual([rt2.json.first_reply.count, rt2.json.resolution.count, rt2.json.unresolved], [2, 1, 2]);
  const s2 = await report(relay.port, 'sentiment');
  assert.deepEqual(s2.json.waiting.map((w) => w.id), [ids[2]], 'answered tickets wait no more');
  assert.equal(s2.json.waiting[0].label, 'negative');
  relay.stop();
});

test('reports need an agent API key and name their bad parameters', async () => {
  const relay = await start(path.join(work, 'auth'));
  let r = await request(relay.port, 'GET', '/v1/agent/reports/queries');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthorized');
  r = await report(relay.port, 'queries', '', 'wrong-key');
  assert.equal(r.status, 401);
  r = await report(relay.port, 'nope');
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /known: queries/);
  r = await report(relay.port, 'queries', '?from=yesterday');
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /'from'/);
  r = await report(relay.port, 'queries', '?user=1');
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /unknown parameter 'user'/);
  r = await report(relay.port, 'queries', '?from=2026-02-01&to=2026-01-01');
  assert.equal(r.status, 400);
  r = await request(relay.port, 'GET', '/v1/agent/reports', { headers: { Authorization: `Bearer ${AGENT_KEY}` } });
  assert.equal(r.status, 200);
  assert.ok(r.json.reports.includes('deflection'));
  relay.stop();
});

test('malformed events are refused with field-level errors, and nothing of the batch is counted', async () => {
  const relay = await start(path.join(work, 'bad'), { analytics_max_bytes: 16384 });
  const ok = { kind: 'search', query: 'kyc', lang: 'en', results: 1, opened: null };
  const cases = [
    [[ok, { kind: 'page_view', url: '/x' }], 'events[1].kind', 'unknown_kind'],
    [[{ ...ok, user_id: 'u-1' }], 'events[0].user_id', 'unknown_field'],
    [[{ kind: 'article_vote', article_id: '2fa-lost@en', helpful: 'yes', lang: 'en' }], 'events[0].helpful', 'type'],
    [[{ kind: 'article_vote', article_id: '2fa-lost@en', helpful: true }], 'events[0].lang', 'required'],
    [[{ kind: 'article_vote', article_id: 'no-such-article@en', helpful: true, lang: 'en' }], 'events[0].article_id', 'unknown_article'],
    [[{ kind: 'contact', category: 'lottery', article_opened_before: true, ticket_filed: false }], 'events[0].category', 'unknown_category'],
    [[{ ...ok, results: -1 }], 'events[0].results', 'type'],
    [[{ ...ok, query: '   ' }], 'events[0].query', 'required'],
    [[{ ...ok, opened: 42 }], 'events[0].opened', 'type'],
    [['search'], 'events[0]', 'type'],
    [times(101, ok), 'events', 'too_long'],
  ];
  for (const [events, field, code] of cases) {
    const r = await sendEvents(relay.port, events);
    assert.equal(r.status, 422, `${field}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_events');
    assert.ok(r.json.error.fields.some((f) => f.field === field && f.code === code && f.message), `${field} ${code}: ${r.text}`);
  }
  let r = await sendEvents(relay.port, '{"events": [');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'bad_json');
  r = await sendEvents(relay.port, '[1,2]');
  assert.equal(r.status, 400);
  r = await sendEvents(relay.port, JSON.stringify({ events: [ok], session: 'abc' }));
  assert.equal(r.status, 422);
  assert.equal(r.json.error.fields[0].field, 'session');
  r = await sendEvents(relay.port, JSON.stringify({ events: [{ ...ok, query: 'x'.repeat(20000) }] }));
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'too_large');
  r = await request(relay.port, 'POST', '/v1/analytics/events', { body: JSON.stringify({ events: [ok] }), headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 415);
  r = await request(relay.port, 'GET', '/v1/analytics/events');
  assert.equal(r.status, 405);
  // A long query is cut to 100 bytes at a character boundary, not refused.
  r = await sendEvents(relay.port, [{ ...ok, query: '提'.repeat(300) }]);
  assert.equal(r.status, 202, r.text);
  const q = await report(relay.port, 'queries');
  assert.equal(q.json.zero_result.length, 0, 'the refused batches counted nothing');
  assert.equal((await report(relay.port, 'queries', '?min_searches=1')).json.low_click[0].query, '提'.repeat(33));
  relay.stop();
});

test('an analytics flood is dropped and counted while tickets still get 201', async () => {
  const relay = await start(path.join(work, 'flood'), { analytics_queue_events: 20, analytics_flush_interval_ms: 50 });
  const batch = times(100, { kind: 'search', query: 'flood', lang: 'en', results: 0, opened: null });
  let sent = 0, accepted = 0, dropped = 0;
  const flood = async () => {
    for (let i = 0; i < 10; ++i) {
      const r = await sendEvents(relay.port, batch);
      assert.equal(r.status, 202, r.text);
      sent += 100;
      accepted += r.json.accepted;
      dropped += r.json.dropped;
    }
  };
  const tickets = async () => {
    const out = [];
    for (let i = 0; i < 5; ++i) out.push(await postTicket(relay.port, ticket('fees', `flood test ticket ${i}: charged twice`)));
    return out;
  };
  const results = await Promise.all([tickets(), tickets(), flood(), flood(), flood(), flood()]);
  const ts = [...results[0], ...results[1]];
  for (const t of ts) assert.equal(t.status, 201, t.text);
  assert.equal(accepted + dropped, sent);
  assert.ok(dropped > 0, 'a batch of 100 does not fit a queue of 20');
  const m = await metrics(relay.port);
  assert.equal(m.lantern_analytics_dropped_total, dropped);
  assert.equal(m.lantern_analytics_events_accepted_total, accepted);
  assert.ok(m.lantern_analytics_queue_depth <= 20);
  const q = await report(relay.port, 'queries');
  assert.equal(q.json.zero_result[0].zero_results, accepted, 'every accepted event is counted once');
  relay.stop();
});

test('analytics has its own rate limit: an exhausted bucket does not stop tickets from that address', async () => {
  const relay = await start(path.join(work, 'rate'), { analytics_rate_per_ip: 0.001, analytics_burst_per_ip: 2,
                                                            request_rate_per_ip: 0.001, request_burst_per_ip: 5 });
  const ev = [{ kind: 'contact', category: 'fees', article_opened_before: false, ticket_filed: false }];
  for (let i = 0; i < 10; ++i) await sendEvents(relay.port, ev);
  const r = await sendEvents(relay.port, ev);
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers['retry-after']) > 0);
  const t = await postTicket(relay.port, ticket('fees', 'charged twice for one withdrawal'));
  assert.equal(t.status, 201, t.text);
  const m = await metrics(relay.port);
  assert.ok(m.lantern_analytics_rate_limited_total >= 9);
  relay.stop();
});

test('analytics can be turned off', async () => {
  const data = path.join(work, 'off');
  const relay = await start(data, { analytics_enabled: false });
  const r = await sendEvents(relay.port, [{ kind: 'contact', category: 'fees', article_opened_before: false, ticket_filed: false }]);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'analytics_off');
  assert.ok(!fs.existsSync(path.join(data, 'analytics.db')));
  relay.stop();
});

test('the report page and its charting library are served by the relay itself', async () => {
  const relay = await start(path.join(work, 'page'));
  let r = await request(relay.port, 'GET', '/agent/reports');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/agent/reports/');
  r = await request(relay.port, 'GET', '/agent/reports/');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /text\/html/);
  assert.match(r.headers['content-security-policy'], /script-src 'self'/);
  assert.ok(!/https?:\/\//.test(r.text.replace(/<!doctype[^>]*>/i, '')), 'no external URL in the page');
  r = await request(relay.port, 'GET', '/agent/reports/vendor/chart.umd.min.js');
  assert.equal(r.status, 200);
  assert.match(r.text, /Chart\.js v4/);
  r = await request(relay.port, 'GET', '/agent/reports/../relay.secret');
  assert.equal(r.status, 404);
  relay.stop();
});
