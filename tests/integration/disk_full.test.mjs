// The relay on a full disk, over HTTP: its data folder on a 2 MB tmpfs that also holds a filler
// file. Tickets are posted until the store cannot write: the relay must answer 503 disk_full
// (never a 201 for a ticket it did not store), /healthz must say so, and once the filler is
// deleted new tickets get 201 again and every ticket acknowledged before is still there.
// Needs mount(2) (root, or a container allowed to mount tmpfs); otherwise it exits with 77, which
// ctest reports as skipped. Run directly (node disk_full.test.mjs), not under --test, for that.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startRelay, stopAll, request, postTicket, ticket, key, work, src, agentKey, sha256hex } from './harness.mjs';

const disk = path.join(work, 'disk');
fs.mkdirSync(disk);
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  console.log(`SKIP: cannot mount a tmpfs for the full disk (${String(e.stderr || e.message).trim()}); needs root or CAP_SYS_ADMIN`);
  process.exit(77);
}
const filler = path.join(disk, 'filler');
fs.writeFileSync(filler, Buffer.alloc(768 * 1024, 1));
const data = path.join(disk, 'data');
let relay;

after(async () => {
  await relay?.stop();
  try { execFileSync('umount', [disk]); } catch {}
  await stopAll();  // after the umount: removes the scratch folder
});

const text = '提币显示已完成，但对方平台说没有收到。请帮忙查一下这笔转账的状态。'.repeat(12);
const get = (port, a) => request(port, 'GET', `/v1/tickets/${a.id}`, { headers: { Authorization: `Bearer ${a.access_token}` } });

test('a full disk gives 503 disk_full, never an unstored 201, and recovers when space returns', async () => {
  relay = await startRelay({ data, config: { threads: 8 } });
  const acked = [];  // [{k, body, ans}]
  let full = null, posted = 0;
  // Eight at a time until the store refuses; bounded by the disk's size (a ticket is ~1.5 KB).
  for (let round = 0; round < 400 && !full; round++) {
    const batch = Array.from({ length: 8 }, () => { const k = key(); return { k, body: ticket(k, { description: text }) }; });
    const answers = await Promise.all(batch.map((b) => postTicket(relay.port, b.k, b.body)));
    posted += batch.length;
    answers.forEach((r, i) => {
      if (r.status === 201) acked.push({ ...batch[i], ans: r.json });
      else if (r.status === 503) full ??= { ...batch[i], r };
      else assert.fail(`unexpected ${r.status}: ${r.text}`);
    });
  }
  assert.ok(full, `the 2 MB disk never filled after ${posted} tickets`);
  assert.ok(acked.length > 10, `only ${acked.length} tickets fitted`);
  assert.equal(full.r.json.error.code, 'disk_full', full.r.text);
  assert.match(full.r.json.error.message, /disk is full/);
  assert.ok(Number(full.r.headers['retry-after']) > 0);

  // While full, more tickets are refused the same way, and health says why.
  const k2 = key();
  const again = await postTicket(relay.port, k2, ticket(k2, { description: text }));
  assert.equal(again.status, 503);
  assert.equal(again.json.error.code, 'disk_full');
  const h = await request(relay.port, 'GET', '/healthz');
  assert.equal(h.status, 503);
  assert.equal(h.json.error.code, 'disk_full');

  // Space returns.
  fs.unlinkSync(filler);
  const h2 = await request(relay.port, 'GET', '/healthz');
  assert.equal(h2.status, 200, h2.text);
  const retry = await postTicket(relay.port, full.k, full.body);
  assert.equal(retry.status, 201, `the refused ticket, sent again: ${retry.text}`);
  const k3 = key();
  assert.equal((await postTicket(relay.port, k3, ticket(k3))).status, 201);

  // Every ticket acknowledged before the disk filled is there, once, with its content.
  for (const a of acked) {
    const g = await get(relay.port, a.ans);
    assert.equal(g.status, 200, `acknowledged ticket ${a.ans.id} is missing`);
    assert.equal(g.json.ticket.idempotency_key, a.k);
    const dup = await postTicket(relay.port, a.k, a.body);
    assert.equal(dup.json.id, a.ans.id, 'a retry made a second ticket');
  }
  // And after a restart too.
  await relay.stop();
  relay = await startRelay({ data, config: { threads: 8 } });
  for (const a of acked) assert.equal((await get(relay.port, a.ans)).status, 200, `ticket ${a.ans.id} lost over a restart`);
});

// Uploads on the same full disk (relay/src/attachment_files.cpp): the image's file cannot be
// written, so 503 disk_full like a ticket, no temp or partial file left, the image stored before
// still there (and answered, as nothing has to be written for it), and the upload goes in once
// space returns.
test('an upload on a full disk gives 503 disk_full, leaves no file behind, and goes in when space returns', async () => {
  const agent = agentKey('ops');
  await relay?.stop();
  relay = await startRelay({ data, config: { threads: 8, agent_keys: [agent.entry] } });
  const upload = (img) => request(relay.port, 'POST', '/v1/attachments', { body: img, headers: { 'Content-Type': 'image/png' } });
  const [stored, refused] = ['alpha.png', 'gradient.png'].map((f) => fs.readFileSync(path.join(src, 'tests/fuzz/corpus/image', f)));
  const before = await upload(stored);
  assert.equal(before.status, 201, before.text);

  // Fill the disk to its last block.
  const filler2 = path.join(disk, 'filler2');
  const fd = fs.openSync(filler2, 'w');
  for (const size of [65536, 4096, 512, 1]) {
    const buf = Buffer.alloc(size, 1);
    try { for (;;) fs.writeSync(fd, buf); } catch (e) { if (e.code !== 'ENOSPC') throw e; }
  }
  fs.closeSync(fd);
  const folder = path.join(data, 'attachments');
  const files = fs.readdirSync(folder).sort();

  const full = await upload(refused);
  assert.equal(full.status, 503, full.text);
  assert.equal(full.json.error.code, 'disk_full', full.text);
  assert.match(full.json.error.message, /disk is full/);
  assert.ok(Number(full.headers['retry-after']) > 0);
  assert.deepEqual(fs.readdirSync(folder).sort(), files, 'a temp or partial file was left behind');
  const h = await request(relay.port, 'GET', '/healthz');
  assert.equal(h.status, 503);
  assert.equal(h.json.error.code, 'disk_full');
  // What was stored before is untouched, and the same image again is answered without a write.
  const again = await upload(stored);
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, before.json.id);
  const read = await request(relay.port, 'GET', `/v1/agent/attachments/${before.json.id}`, { headers: agent.auth });
  assert.equal(read.status, 200, read.text);
  assert.equal(sha256hex(read.bytes), before.json.sha256);

  // Space returns: the refused image goes in.
  fs.unlinkSync(filler2);
  assert.equal((await request(relay.port, 'GET', '/healthz')).status, 200);
  const after = await upload(refused);
  assert.equal(after.status, 201, after.text);
  assert.equal((await request(relay.port, 'GET', `/v1/agent/attachments/${after.json.id}`, { headers: agent.auth })).status, 200);
  assert.deepEqual(fs.readdirSync(folder).filter((n) => n.endsWith('.tmp')), []);
});
