// The agent API of the real relay on loopback: API keys, listing, reading, status changes,
// replies the user sees, and the event log with its cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startRelay, stopAll, refusedRelay, request, createTicket, sha256hex, agentKey, relayBin, src } from './harness.mjs';

const alice = agentKey('alice'), reader = agentKey('dashboard', 'reader');
const aliceKey = alice.key, readerKey = reader.key;
const keys = [alice.entry, reader.entry];
const asAlice = alice.auth;
const json = { 'Content-Type': 'application/json' };

let relay;
before(async () => { relay = await startRelay({ config: { agent_keys: keys } }); });
after(stopAll);

const agent = (method, p, { body, headers = asAlice } = {}) =>
  request(relay.port, method, p, { body: body === undefined ? undefined : JSON.stringify(body), headers: { ...json, ...headers } });

test('--hash-key prints the SHA-256 the config file holds', () => {
  const out = execFileSync(relayBin, ['--hash-key'], { input: aliceKey + '\n' }).toString().trim();
  assert.equal(out, sha256hex(aliceKey));
});

test('no key, a wrong key or a user access token get 401; a reader key gets 403 on writes; unknown tickets 404', async () => {
  const t = await createTicket(relay.port);
  for (const headers of [{}, { Authorization: 'Bearer wrong-key-wrong-key' }, { Authorization: aliceKey },
                         { Authorization: `Bearer ${t.access_token}` }, { Authorization: `Bearer ${aliceKey}x` }]) {
    for (const [method, p] of [['GET', '/v1/agent/tickets'], ['GET', `/v1/agent/tickets/${t.id}`], ['GET', '/v1/agent/events'],
                               ['POST', `/v1/agent/tickets/${t.id}/status`]]) {
      const r = await agent(method, p, { headers, body: method === 'POST' ? { status: 'solved' } : undefined });
      assert.equal(r.status, 401, `${method} ${p} with ${JSON.stringify(headers)}`);
      assert.equal(r.json.error.code, 'unauthorized');
      assert.deepEqual(r.json.error.fields, []);
      assert.match(r.headers['www-authenticate'], /^Bearer/);
    }
  }
  // Without a key, an unknown ticket is 401 too: existence is not revealed.
  assert.equal((await agent('GET', '/v1/agent/tickets/T-AAAAAAAAAAAA', { headers: {} })).status, 401);
  const missing = await agent('GET', '/v1/agent/tickets/T-AAAAAAAAAAAA');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'not_found');
  assert.equal((await agent('POST', '/v1/agent/tickets/T-AAAAAAAAAAAA/messages', { body: { body: 'hi' } })).status, 404);
  const reader = { Authorization: `Bearer ${readerKey}` };
  assert.equal((await agent('GET', `/v1/agent/tickets/${t.id}`, { headers: reader })).status, 200);
  for (const [p, body] of [['status', { status: 'solved' }], ['messages', { body: 'hello' }]]) {
    const r = await agent('POST', `/v1/agent/tickets/${t.id}/${p}`, { headers: reader, body });
    assert.equal(r.status, 403, p);
    assert.equal(r.json.error.code, 'forbidden');
  }
  assert.equal((await agent('DELETE', `/v1/agent/tickets/${t.id}`)).status, 405);
  assert.equal((await agent('GET', '/v1/agent/nothing')).status, 404);
});

test('an agent lists, reads, changes the status and replies; the user sees the reply', async () => {
  const a = await createTicket(relay.port, { amount: '1' }), b = await createTicket(relay.port, { amount: '2' });
  const c = await createTicket(relay.port, { amount: '3' });
  // Pages of two, in creation order, continued with next_after.
  const seen = [];
  let after = '';
  for (let page = 0; page < 100; page++) {
    const r = await agent('GET', `/v1/agent/tickets?limit=2${after ? '&after=' + after : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.tickets.length <= 2);
    seen.push(...r.json.tickets);
    if (r.json.next_after === null) break;
    after = r.json.next_after;
  }
  const ids = seen.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length, 'a ticket was listed twice');
  assert.deepEqual(ids.slice(-3), [a.id, b.id, c.id]);
  const listed = seen.find((t) => t.id === b.id);
  assert.equal(listed.status, 'open');
  assert.equal(listed.category, 'withdrawal-not-received');
  assert.match(listed.created_at, /^\d{4}-\d\d-\d\dT/);

  const read = await agent('GET', `/v1/agent/tickets/${b.id}`);
  assert.equal(read.status, 200);
  assert.equal(read.json.ticket.fields.amount, '2');
  assert.deepEqual(read.json.messages, []);

  const st = await agent('POST', `/v1/agent/tickets/${b.id}/status`, { body: { status: 'pending' } });
  assert.equal(st.status, 200, st.text);
  assert.deepEqual(st.json, { id: b.id, status: 'pending', previous_status: 'open' });
  const pending = await agent('GET', '/v1/agent/tickets?status=pending&limit=1000');
  assert.ok(pending.json.tickets.some((t) => t.id === b.id));
  assert.ok(!pending.json.tickets.some((t) => t.id === a.id));

  const reply = await agent('POST', `/v1/agent/tickets/${b.id}/messages`, { body: { body: '我们已联系对方平台，请稍候。' } });
  assert.equal(reply.status, 201, reply.text);
  assert.equal(reply.json.author, 'agent:alice');
  const user = await request(relay.port, 'GET', `/v1/tickets/${b.id}`, { headers: { Authorization: `Bearer ${b.access_token}` } });
  assert.equal(user.status, 200);
  assert.equal(user.json.status, 'pending');
  assert.deepEqual(user.json.messages.map((m) => [m.author, m.body]), [['agent:alice', '我们已联系对方平台，请稍候。']]);
  // The user answers; the agent reads both in order.
  await request(relay.port, 'POST', `/v1/tickets/${b.id}/messages`,
                { body: JSON.stringify({ body: '好的，谢谢' }), headers: { ...json, Authorization: `Bearer ${b.access_token}` } });
  const thread = await agent('GET', `/v1/agent/tickets/${b.id}`);
  assert.deepEqual(thread.json.messages.map((m) => m.author), ['agent:alice', 'user']);
});

test('bad agent input gets a JSON error naming the field', async () => {
  const t = await createTicket(relay.port);
  const cases = [
    [agent('GET', '/v1/agent/tickets?status=done'), 400, 'bad_query', 'status'],
    [agent('GET', '/v1/agent/tickets?limit=0'), 400, 'bad_query', 'limit'],
    [agent('GET', '/v1/agent/tickets?limit=5000'), 400, 'bad_query', 'limit'],
    [agent('GET', '/v1/agent/tickets?after=T-AAAAAAAAAAAA'), 400, 'bad_query', 'after'],
    [agent('GET', '/v1/agent/events?after=-1'), 400, 'bad_query', 'after'],
    [agent('GET', '/v1/agent/events?after=abc'), 400, 'bad_query', 'after'],
    [agent('POST', `/v1/agent/tickets/${t.id}/status`, { body: { status: 'done' } }), 422, 'invalid_fields', 'status'],
    [agent('POST', `/v1/agent/tickets/${t.id}/status`, { body: {} }), 422, 'invalid_fields', 'status'],
    [agent('POST', `/v1/agent/tickets/${t.id}/messages`, { body: { body: '' } }), 422, 'invalid_fields', 'body'],
    [agent('POST', `/v1/agent/tickets/${t.id}/messages`, { body: { body: 'x'.repeat(20000) } }), 413, 'too_large', null],
  ];
  for (const [promise, status, code, field] of cases) {
    const r = await promise;
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.error.code, code);
    if (field) assert.equal(r.json.error.fields[0].field, field);
  }
  const notJson = await request(relay.port, 'POST', `/v1/agent/tickets/${t.id}/status`,
                                { body: 'status=solved', headers: { ...asAlice, 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(notJson.status, 415);
  const broken = await request(relay.port, 'POST', `/v1/agent/tickets/${t.id}/status`, { body: '{"status":', headers: { ...asAlice, ...json } });
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error.code, 'bad_json');
});

test('events: every ticket, message and status change once, in order, through the cursor', async () => {
  const start = (await agent('GET', '/v1/agent/events?after=0&limit=1000')).json.next_cursor;
  const t = await createTicket(relay.port, { amount: '77' });
  await agent('POST', `/v1/agent/tickets/${t.id}/messages`, { body: { body: 'first reply' } });
  await agent('POST', `/v1/agent/tickets/${t.id}/status`, { body: { status: 'solved' } });
  await agent('POST', `/v1/agent/tickets/${t.id}/status`, { body: { status: 'solved' } });  // no change: no event
  await request(relay.port, 'POST', `/v1/tickets/${t.id}/messages`,
                { body: JSON.stringify({ body: 'thanks' }), headers: { ...json, Authorization: `Bearer ${t.access_token}` } });
  const events = [];
  let cursor = start, pages = 0;
  for (;;) {
    const r = await agent('GET', `/v1/agent/events?after=${cursor}&limit=2`);
    assert.equal(r.status, 200, r.text);
    pages++;
    events.push(...r.json.events);
    assert.ok(r.json.next_cursor >= cursor);
    cursor = r.json.next_cursor;
    if (!r.json.has_more) break;
  }
  assert.ok(pages >= 2, 'the events did not need a second page');
  const mine = events.filter((e) => e.data.ticket_id === t.id);
  assert.deepEqual(mine.map((e) => e.type), ['ticket.created', 'message.created', 'ticket.status_changed', 'message.created']);
  const seqs = events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'an event id repeats');
  const created = mine[0];
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.equal(created.data.ticket.fields.amount, '77');
  assert.equal(created.data.status, 'open');
  assert.equal(mine[1].data.author, 'agent:alice');
  assert.deepEqual([mine[2].data.from, mine[2].data.to], ['open', 'solved']);
  assert.equal(mine[3].data.author, 'user');
  // Past the end: nothing, and the cursor stays.
  const end = await agent('GET', `/v1/agent/events?after=${cursor}`);
  assert.deepEqual([end.json.events, end.json.next_cursor, end.json.has_more], [[], cursor, false]);
});

test("an agent downloads a ticket's screenshot as stored (re-encoded, no metadata)", async () => {
  const png = fs.readFileSync(path.join(src, 'tests/fuzz/corpus/image/exif_orient6_text.png'));
  const up = await request(relay.port, 'POST', '/v1/attachments', { body: png, headers: { 'Content-Type': 'image/png' } });
  assert.equal(up.status, 201, up.text);
  const got = await request(relay.port, 'GET', `/v1/agent/attachments/${up.json.id}`, { headers: asAlice });
  assert.equal(got.status, 200);
  assert.equal(got.headers['content-type'], 'image/webp');
  assert.equal(crypto.createHash('sha256').update(got.bytes).digest('hex'), up.json.sha256);
  assert.equal((await request(relay.port, 'GET', `/v1/agent/attachments/${up.json.id}`)).status, 401);
  const missing = await agent('GET', '/v1/agent/attachments/A-AAAAAAAAAAAA');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'not_found');
});

test('agents are rate-limited per key, with Retry-After', async () => {
  const limited = await startRelay({ config: { agent_keys: keys, agent_rate_per_key: 0.01, agent_burst_per_key: 3 } });
  try {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await request(limited.port, 'GET', '/v1/agent/tickets', { headers: asAlice })).status);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    const r = await request(limited.port, 'GET', '/v1/agent/tickets', { headers: asAlice });
    assert.equal(r.json.error.code, 'rate_limited');
    assert.ok(Number(r.headers['retry-after']) >= 1);
    // Another key has its own bucket.
    assert.equal((await request(limited.port, 'GET', '/v1/agent/tickets', { headers: { Authorization: `Bearer ${readerKey}` } })).status, 200);
  } finally { await limited.stop(); }
});

test('agent keys in the config are checked at start', async () => {
  for (const [agent_keys, says] of [
    [[{ name: 'bob', key_sha256: 'abc' }], /key_sha256/],
    [[{ name: 'bob smith', key_sha256: sha256hex('x') }], /name/],
    [[{ name: 'bob', key_sha256: sha256hex('x') }, { name: 'bob', key_sha256: sha256hex('y') }], /twice/],
    [[{ name: 'bob', key: 'plain-text-key' }], /unknown key 'key'/],
    [[{ name: 'bob', key_sha256: sha256hex('x'), role: 'admin' }], /role/],
  ]) {
    const r = await refusedRelay({ config: { agent_keys } });
    assert.notEqual(r.code, 0, JSON.stringify(agent_keys));
    assert.match(r.output, says);
  }
});
