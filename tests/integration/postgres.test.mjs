// Scale-out: two real relays on one PostgreSQL database (the server comes from the ctest fixture,
// tests/integration/pg_server.sh; LANTERN_PG_URL names it). Races of one idempotency key at both
// relays make one ticket with identical answers, and a relay killed with SIGKILL mid-stream loses
// nothing while the other keeps taking tickets.
// Env: LANTERN_RELAY, LANTERN_KB, LANTERN_SRC, LANTERN_PG_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startRelay, refusedRelay as runRefused, stopAll, request, key, ticket, postTicket, sleep, work } from './harness.mjs';

const server = process.env.LANTERN_PG_URL;
assert.ok(server, 'LANTERN_PG_URL is not set: run through ctest, whose fixture starts PostgreSQL');
const dbName = `lantern_it_${process.pid}`;
const dbUrl = server.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
const psql = (url, sql) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql],
                                        { encoding: 'utf8', timeout: 30000 }).trim();

// Relays sharing a store must share relay.secret too: access tokens are derived from it.
async function start(name, { copySecret = true } = {}) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = path.join(work, 'a', 'relay.secret');
  if (name !== 'a' && copySecret) fs.copyFileSync(secret, path.join(dir, 'relay.secret'));
  return startRelay({ data: dir, args: ['--store', dbUrl] });
}

let a, b;
before(async () => {
  psql(server, `DROP DATABASE IF EXISTS ${dbName}`);
  psql(server, `CREATE DATABASE ${dbName}`);
  a = await start('a');
  b = await start('b');
});
after(async () => {
  await stopAll();
  try { psql(server, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); } catch { /* the fixture removes the server anyway */ }
});

test('one idempotency key raced at both relays makes one ticket, and both answers are the same 201', async () => {
  const rounds = 60;
  const keys = [];
  for (let i = 0; i < rounds; i++) {
    const k = key(), body = ticket(k);
    keys.push(k);
    // Two requests at each relay, all in flight at once.
    const answers = await Promise.all([a, b, a, b].map((r) => postTicket(r.port, k, body)));
    for (const ans of answers) {
      assert.equal(ans.status, 201, ans.text);
      assert.equal(ans.text, answers[0].text, 'the relays gave different answers for one key');
    }
  }
  const list = keys.map((k) => `'${k}'`).join(',');
  assert.equal(psql(dbUrl, `SELECT count(*) FROM tickets WHERE idempotency_key IN (${list})`), String(rounds));
  assert.equal(psql(dbUrl, `SELECT count(*) FROM events e JOIN tickets t ON t.id = e.ticket_id
                             WHERE e.type = 'ticket.created' AND t.idempotency_key IN (${list})`), String(rounds));
  // A ticket made at one relay is read at the other with the same access token.
  const k = key(), body = ticket(k);
  const made = await postTicket(a.port, k, body);
  assert.equal(made.status, 201);
  const read = await request(b.port, 'GET', `/v1/tickets/${made.json.id}`, { headers: { Authorization: `Bearer ${made.json.access_token}` } });
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.id, made.json.id);
  // The same key with another body is a conflict at either relay.
  const other = await postTicket(b.port, k, ticket(k, { amount: '1' }));
  assert.equal(other.status, 409, other.text);
});

// Runs a relay that is expected to refuse to start (flags only, no config file); resolves {code, out}
// once its output is closed.
async function refusedRelay(name, store) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { mode: 0o700 });
  const { code, output } = await runRefused({ config: null, data: dir, args: ['--store', store] });
  return { code, out: output };
}

test('a relay whose relay.secret differs from the others refuses to start, naming the file', async () => {
  const { code, out } = await refusedRelay('stranger', dbUrl);
  assert.equal(code, 1, out);
  assert.match(out, /stranger\/relay\.secret differs from the secret of the relays already using this store/);
});

test('a database server that cannot be reached is named at start, without the password', async () => {
  const { code, out } = await refusedRelay('unreachable', 'postgresql://lantern:pw-s3cret@127.0.0.1:1/lantern');
  assert.equal(code, 1, out);
  assert.match(out, /cannot connect to the PostgreSQL store at 127\.0\.0\.1:1\/lantern \(is the server running\?\)/);
  assert.ok(!out.includes('pw-s3cret'), out);
});

test('SIGKILL of one relay mid-stream: the other goes on, every acknowledged ticket is there exactly once', async () => {
  const acked = new Map();  // key -> {ans, body, at}
  let stop = false, killedAt = 0;
  const worker = async (i) => {
    for (let n = 0; !stop; n++) {
      const target = (i + n) % 2 ? a : b;
      if (target === a && killedAt) continue;
      const k = key(), body = ticket(k);
      try {
        const r = await postTicket(target.port, k, body);
        if (r.status === 201) acked.set(k, { ans: r.json, body, at: Date.now() });
      } catch { /* a was killed under this request: not acknowledged */ }
    }
  };
  const workers = Array.from({ length: 8 }, (_, i) => worker(i));
  await sleep(1500);
  a.proc.kill('SIGKILL');
  killedAt = Date.now();
  // b goes on: wait for 20 tickets it acknowledged after the kill (at most 10 s on a busy machine).
  const afterKill = () => [...acked.values()].filter((t) => t.at > killedAt + 50).length;
  for (const until = Date.now() + 10000; afterKill() < 20 && Date.now() < until;) await sleep(100);
  stop = true;
  await Promise.all(workers);
  assert.ok(acked.size > 20, `only ${acked.size} tickets were acknowledged`);
  assert.ok(afterKill() >= 20, `relay b acknowledged only ${afterKill()} tickets after a was killed`);

  const rows = psql(dbUrl, 'SELECT idempotency_key FROM tickets').split('\n');
  const counts = new Map();
  for (const k of rows) counts.set(k, (counts.get(k) || 0) + 1);
  for (const [k, { ans, body }] of acked) {
    assert.equal(counts.get(k), 1, `acknowledged key ${k} is stored ${counts.get(k) || 0} times`);
    const again = await postTicket(b.port, k, body);
    assert.equal(again.status, 201);
    assert.equal(again.json.id, ans.id, 'a retry at the surviving relay made a second ticket');
  }
  assert.equal(psql(dbUrl, 'SELECT count(*) = count(DISTINCT idempotency_key) FROM tickets'), 't');
  assert.equal(psql(dbUrl, "SELECT count(*) FROM tickets t WHERE (SELECT count(*) FROM events e WHERE e.ticket_id = t.id AND e.type = 'ticket.created') <> 1"), '0');
  // The killed relay comes back on the same database and sees the same tickets.
  const again = await start('a2');
  const [k, { ans }] = acked.entries().next().value;
  const g = await request(again.port, 'GET', `/v1/tickets/${ans.id}`, { headers: { Authorization: `Bearer ${ans.access_token}` } });
  assert.equal(g.status, 200, `ticket of key ${k} not found at a restarted relay`);
});
