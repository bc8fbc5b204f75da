// The relay as a public endpoint (issue 4, "Identity and abuse"): identity verification, the
// per-user rate limit across client addresses, CORS, and bad input over real sockets, each error
// checked for the JSON shape of RELAY_API.md. Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { startRelay, stopAll, request, key, ticket, postTicket, agentKey, metric } from './harness.mjs';

after(stopAll);

const SECRET = 'exchange-backend-identity-secret-0123456789';
const hmac = (secret, id) => crypto.createHmac('sha256', secret).update(id).digest('hex');

// A valid ticket body with top-level changes (user, attachments, …); `over` may delete with undefined.
function ticketWith(k, over) {
  const t = JSON.parse(ticket(k));
  Object.assign(t, over);
  return JSON.stringify(t);
}

// Every error answer of the relay: JSON {"error":{"code","message","fields":[…]}}.
function assertJsonError(r, status, code, messagePattern) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, `content-type of ${r.text}`);
  assert.ok(r.json && r.json.error, `not a JSON error body: ${JSON.stringify(r.text)}`);
  assert.equal(r.json.error.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(Array.isArray(r.json.error.fields), r.text);
  if (messagePattern) assert.match(r.json.error.message, messagePattern);
}

// One raw exchange on a socket: writes `chunks` (Buffers/strings), optionally half-closes, and
// resolves {status, headers, body, json} parsed from what came back before the server closed.
function raw(port, chunks, { end = false, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no complete answer within ' + timeoutMs + ' ms: ' + Buffer.concat(got))); }, timeoutMs);
    s.on('connect', () => { for (const c of chunks) s.write(c); if (end) s.end(); });
    s.on('data', (d) => got.push(d));
    s.on('error', () => {});  // a reset after the answer: what arrived is parsed below
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(got).toString('utf8');
      const sep = text.indexOf('\r\n\r\n');
      const head = sep < 0 ? text : text.slice(0, sep), body = sep < 0 ? '' : text.slice(sep + 4);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const headers = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let json = null;
      try { json = JSON.parse(body); } catch {}
      resolve({ status: m ? Number(m[1]) : 0, headers, text: body, json, rawText: text });
    });
  });
}

test('identity: a matching user.hash marks the ticket verified; a wrong, missing or unverifiable one does not', async () => {
  const agent = agentKey('alice');
  const relay = await startRelay({ config: { identity_secret: SECRET, agent_keys: [agent.entry] } });
  const noSecret = await startRelay({ config: { agent_keys: [agent.entry] } });
  const cases = [
    // [relay, user, expected verified, what]
    [relay, { id: 'u-1001', hash: hmac(SECRET, 'u-1001') }, true, 'the right hash'],
    [relay, { id: 'u-1002', hash: hmac(SECRET, 'u-1002').toUpperCase() }, true, 'the right hash in upper-case hex'],
    [relay, { id: 'u-1003', hash: hmac(SECRET, 'u-9999') }, false, "another user's hash"],
    [relay, { id: 'u-1004', hash: hmac('another secret', 'u-1004') }, false, 'a hash made with another secret'],
    [relay, { id: 'u-1005', hash: hmac(SECRET, 'u-1005').slice(0, 63) }, false, 'a hash one digit short'],
    [relay, { id: 'u-1006' }, false, 'no hash'],
    [relay, undefined, false, 'no user at all'],
    [noSecret, { id: 'u-1007', hash: hmac(SECRET, 'u-1007') }, false, 'a relay without identity_secret'],
  ];
  for (const [r, user, verified, what] of cases) {
    const k = key();
    const a = await postTicket(r.port, k, ticketWith(k, { user }));
    assert.equal(a.status, 201, `${what}: ${a.text}`);
    assert.equal(a.json.verified, verified, `${what}: the relay's answer`);
    // Read back through the agent API: what the help desk sees.
    const g = await request(r.port, 'GET', `/v1/agent/tickets/${a.json.id}`, { headers: agent.auth });
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.verified, verified, `${what}: the agent API`);
    assert.equal(g.json.user_id, user ? user.id : '', `${what}: user_id`);
  }
});

test('retries of a stored ticket give their tokens back: a lost answer does not become a 429', async () => {
  const relay = await startRelay({
    config: { identity_secret: SECRET, ticket_burst_per_ip: 2, ticket_rate_per_ip: 0.001,
              ticket_burst_per_user: 2, ticket_rate_per_user: 0.001 },  // no refill during the test
  });
  const user = { id: 'u-flaky', hash: hmac(SECRET, 'u-flaky') };
  const k = key(), body = ticketWith(k, { user });
  const first = await postTicket(relay.port, k, body);
  assert.equal(first.status, 201, first.text);
  // The phone never saw that answer and retries, five times: the same ticket each time.
  for (let i = 0; i < 5; i++) {
    const again = await postTicket(relay.port, k, body);
    assert.equal(again.status, 201, `retry ${i + 1}: ${again.text}`);
    assert.equal(again.json.id, first.json.id);
  }
  // One token of the burst of 2 is left, for the address and for the user alike.
  const k2 = key();
  assert.equal((await postTicket(relay.port, k2, ticketWith(k2, { user }))).status, 201);
  const k3 = key();
  assertJsonError(await postTicket(relay.port, k3, ticketWith(k3, { user })), 429, 'rate_limited');
  assert.equal(await metric(relay.port, 'lantern_tickets_replayed_total'), 5);
});

test('per-user limit: a verified user is limited across addresses; other users and unverified claims are not', async () => {
  const agent = agentKey('alice');
  const relay = await startRelay({
    config: { identity_secret: SECRET, agent_keys: [agent.entry], trusted_proxies: ['127.0.0.1'],
              ticket_burst_per_user: 3, ticket_rate_per_user: 0.001 },  // one token per 1000 s: no refill during the test
  });
  const victim = 'u-victim', other = 'u-other';
  const asUser = (id, hash = hmac(SECRET, id)) => ({ id, hash });
  const send = async (user, via) => {
    const k = key();
    return postTicket(relay.port, k, ticketWith(k, { user }), via);
  };
  // Three client addresses as the relay names them: two TCP peers (not trusted proxies) and one
  // client behind the trusted proxy 127.0.0.1, named by X-Forwarded-For.
  const ip2 = { localAddress: '127.0.0.2' }, ip3 = { localAddress: '127.0.0.3' };
  const viaProxy = { localAddress: '127.0.0.1', headers: { 'X-Forwarded-For': '203.0.113.7' } };

  // 1. Anyone can claim the victim's id without the hash: such tickets are accepted, unverified,
  //    and must not spend the victim's bucket (more of them than the burst).
  for (let i = 0; i < 5; i++) {
    const r = await send(asUser(victim, hmac('guessed', victim)), ip2);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.verified, false);
  }
  // 2. The verified victim: burst 3 from three addresses, then 429 from a fourth.
  const ok = [];
  for (const via of [ip2, ip3, viaProxy]) {
    const r = await send(asUser(victim), via);
    assert.equal(r.status, 201, `verified ticket ${ok.length + 1} of the burst: ${r.text}`);
    assert.equal(r.json.verified, true);
    ok.push(r.json);
  }
  const limited = await send(asUser(victim), { localAddress: '127.0.0.4' });
  assertJsonError(limited, 429, 'rate_limited', /per-user limit/);
  const retry = Number(limited.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After: ${limited.headers['retry-after']}`);
  // Nothing was stored for the refused ticket: the help desk sees exactly 3 verified tickets.
  const list = await request(relay.port, 'GET', '/v1/agent/tickets?limit=1000', { headers: agent.auth });
  assert.equal(list.status, 200, list.text);
  const mine = list.json.tickets.filter((t) => t.user_id === victim);
  assert.equal(mine.filter((t) => t.verified).length, 3);
  assert.equal(mine.filter((t) => !t.verified).length, 5);
  // The address that got 429 still has its own (lifted) per-IP budget: another user from it is fine.
  const fromSameIp = await send(asUser(other), { localAddress: '127.0.0.4' });
  assert.equal(fromSameIp.status, 201, `another verified user is unaffected: ${fromSameIp.text}`);
  // Unverified tickets under the victim's id still go in (only the per-IP buckets apply to them).
  assert.equal((await send(asUser(victim, 'f'.repeat(64)), ip3)).status, 201);

  // 3. Follow-ups spend the same bucket: the victim's is empty.
  const msg = (t, body = 'still waiting', via = {}) => request(relay.port, 'POST', `/v1/tickets/${t.id}/messages`, {
    body: JSON.stringify({ body }), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${t.access_token}` }, ...via });
  assertJsonError(await msg(ok[0]), 429, 'rate_limited', /per-user limit/);
  // The other user has spent 1 of 3: two messages, then 429.
  assert.equal((await msg(fromSameIp.json)).status, 201);
  assert.equal((await msg(fromSameIp.json, 'more', ip2)).status, 201);
  assertJsonError(await msg(fromSameIp.json, 'and more', ip3), 429, 'rate_limited', /from this user/);
  // An unverified ticket has a bucket of its own: 3 messages, then 429; another ticket is unaffected.
  const anonA = (await send(undefined, ip2)).json, anonB = (await send(undefined, ip2)).json;
  for (let i = 0; i < 3; i++) assert.equal((await msg(anonA, `message ${i}`, i % 2 ? ip2 : ip3)).status, 201);
  assertJsonError(await msg(anonA, 'one too many'), 429, 'rate_limited', /on this ticket/);
  assert.equal((await msg(anonB)).status, 201);
  assert.ok(await metric(relay.port, 'lantern_rate_limited_user_total') >= 4);
});

test('CORS: a preflight from an allowed origin gets 204 and the Access-Control headers; a foreign one 403 JSON', async () => {
  const allowed = 'https://exchange.example';
  const relay = await startRelay({ config: { cors_origins: [allowed] } });
  const preflight = (origin) => request(relay.port, 'OPTIONS', '/v1/tickets', {
    headers: { ...(origin ? { Origin: origin } : {}), 'Access-Control-Request-Method': 'POST',
               'Access-Control-Request-Headers': 'content-type,idempotency-key' } });
  const ok = await preflight(allowed);
  assert.equal(ok.status, 204, ok.text);
  assert.equal(ok.headers['access-control-allow-origin'], allowed);
  assert.match(ok.headers.vary ?? '', /Origin/);
  assert.deepEqual(ok.headers['access-control-allow-methods'].split(/,\s*/).sort(), ['GET', 'OPTIONS', 'POST']);
  const allowHeaders = ok.headers['access-control-allow-headers'].toLowerCase().split(/,\s*/);
  for (const h of ['content-type', 'idempotency-key', 'authorization']) assert.ok(allowHeaders.includes(h), `${h} in ${allowHeaders}`);
  assert.ok(Number(ok.headers['access-control-max-age']) > 0);

  for (const origin of ['https://evil.example', 'https://exchange.example.evil.example', 'http://exchange.example', null]) {
    const no = await preflight(origin);
    assertJsonError(no, 403, 'origin_not_allowed', origin ? new RegExp(origin.replace(/\./g, '\\.')) : /Origin/);
    assert.equal(no.headers['access-control-allow-origin'], undefined, `no ACAO for ${origin}`);
  }
  // The actual request: the allowed origin may read the answer, a foreign one is not told it may.
  const k = key();
  const a = await postTicket(relay.port, k, ticket(k), { headers: { Origin: allowed } });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.headers['access-control-allow-origin'], allowed);
  const k2 = key();
  const b = await postTicket(relay.port, k2, ticket(k2), { headers: { Origin: 'https://evil.example' } });
  assert.equal(b.headers['access-control-allow-origin'], undefined);
});

test('metrics: only clients in metrics_allow read /metrics (loopback by default, the forwarded client behind a proxy)', async () => {
  const relay = await startRelay({ config: { trusted_proxies: ['127.0.0.1'] } });
  const get = (xff) => request(relay.port, 'GET', '/metrics', { headers: xff ? { 'X-Forwarded-For': xff } : {} });
  const local = await get();
  assert.equal(local.status, 200, local.text);
  assert.match(local.text, /lantern_requests_total/);
  // Through the proxy, the client is the forwarded address: a visitor from the internet is refused.
  assertJsonError(await get('203.0.113.7'), 403, 'forbidden', /metrics_allow; 203\.0\.113\.7 is not one/);
  assert.equal((await get('127.0.0.1')).status, 200);

  const scraper = await startRelay({ config: { trusted_proxies: ['127.0.0.1'], metrics_allow: ['10.1.2.0/24'] } });
  const via = (xff) => request(scraper.port, 'GET', '/metrics', { headers: xff ? { 'X-Forwarded-For': xff } : {} });
  assert.equal((await via('10.1.2.9')).status, 200);
  assertJsonError(await via('10.1.3.9'), 403, 'forbidden');
  assertJsonError(await via(), 403, 'forbidden', /127\.0\.0\.1 is not one/);  // loopback is only a default
  await scraper.stop();
  await relay.stop();
});

test('bad input over HTTP: each gets its documented status and a JSON error naming what was wrong', async () => {
  const relay = await startRelay();
  const port = relay.port;

  // Oversized head: a 20 KB header line. civetweb refuses it before the relay's handler runs; its
  // error goes through the relay's http_error callback as JSON (431), and the connection is closed.
  const big = await raw(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20000)}\r\n\r\n`]);
  assertJsonError(big, 431, 'header_too_large', /16384 bytes/);
  assert.equal(big.headers.connection, 'close');
  // Just under the limit is fine (so the limit is where RELAY_API.md says).
  const under = await raw(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: ${'a'.repeat(15000)}\r\n\r\n`]);
  assert.equal(under.status, 200, under.rawText.slice(0, 200));
  // Many headers adding up to over 16 KiB: the same.
  const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}\r\n`).join('');
  assertJsonError(await raw(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n`]), 431, 'header_too_large');
  // A head that is not HTTP, and a version the relay does not speak.
  assertJsonError(await raw(port, ['NONSENSE\r\n\r\n']), 400, 'bad_request', /request head/);
  assertJsonError(await raw(port, ['GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n']), 505, 'http_version');
  // A path outside the API without --web: civetweb's 404, as JSON.
  assertJsonError(await request(port, 'GET', '/index.html'), 404, 'not_found');

  // Truncated body: Content-Length promises more than arrives before the client half-closes.
  const k = key(), body = ticket(k);
  const cut = await raw(port, [`POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: ${k}\r\n` +
                               `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`, body.slice(0, 100)], { end: true });
  assertJsonError(cut, 400, 'truncated', /Content-Length/);
  // … and nothing was stored under that key: the whole ticket with it is a new 201.
  assert.equal((await postTicket(port, k, body)).status, 201);

  // Wrong JSON types: each field is named, with code "type".
  const k2 = key();
  const t = JSON.parse(ticket(k2));
  t.language = 5;
  t.form_version = '1';
  t.client = 'test';
  t.user = { id: 1001, hash: 'x' };
  const typed = await postTicket(port, k2, JSON.stringify(t));
  assertJsonError(typed, 422, 'invalid_fields');
  const named = new Map(typed.json.error.fields.map((f) => [f.field, f.code]));
  for (const f of ['language', 'form_version', 'user.id']) assert.equal(named.get(f), 'type', `${f} in ${typed.text}`);
  for (const f of typed.json.error.fields) assert.ok(f.message && f.message_zh, `messages in both languages: ${JSON.stringify(f)}`);
  // A field value of the wrong type inside `fields` (the amount as a number).
  const k3 = key();
  const amount = await postTicket(port, k3, ticket(k3, { amount: 1250.5 }));
  assertJsonError(amount, 422, 'invalid_fields');
  assert.ok(amount.json.error.fields.some((f) => f.field === 'amount'), amount.text);
  // JSON that is not an object, and not JSON at all: 400 bad_json.
  for (const b of ['[]', '"a ticket"', '{"schema": "lantern.ticket/1",']) {
    const kb = key();
    assertJsonError(await postTicket(port, kb, b), 400, 'bad_json');
  }

  // Attachments: 10 are allowed (sdk/src/ticket/ticket.cpp kMaxAttachments), 11 are refused by name.
  const att = (i) => ({ id: `A-${String(i).padStart(12, '0')}`, sha256: crypto.createHash('sha256').update(String(i)).digest('hex'),
                        type: 'image/webp', size: 1000 + i });
  const k10 = key();
  const ten = await postTicket(port, k10, ticketWith(k10, { attachments: Array.from({ length: 10 }, (_, i) => att(i)) }));
  assert.equal(ten.status, 201, `10 attachments: ${ten.text}`);
  const k11 = key();
  const eleven = await postTicket(port, k11, ticketWith(k11, { attachments: Array.from({ length: 11 }, (_, i) => att(i)) }));
  assertJsonError(eleven, 422, 'invalid_fields');
  assert.deepEqual(eleven.json.error.fields.map((f) => [f.field, f.code]), [['attachments', 'too_many']]);
  assert.match(eleven.json.error.fields[0].message, /10/);
  const kt = key();
  const notList = await postTicket(port, kt, ticketWith(kt, { attachments: 'screenshot.png' }));
  assertJsonError(notList, 422, 'invalid_fields');
  assert.deepEqual(notList.json.error.fields.map((f) => [f.field, f.code]), [['attachments', 'type']]);
});
