// The real widget in the demo page reports what the help centre failed to answer (issue 7): a
// search that found nothing, a search whose result was opened, a "No" vote; one batch when the
// widget closes, seen in the relay's agent reports. Nothing but the query is free text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openWidget, typeText, clearField, api, sleep, until } from './harness.mjs';

test('searches and a vote reach the relay\'s reports when the widget closes; no user id', { timeout: 240000 }, async () => {
  const t = await start({ locale: 'en-US' });
  try {
    const batches = [];
    t.context.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/analytics/events') batches.push({ method: r.method(), body: r.postData() });
    });
    const w = await openWidget(t);
    const search = w.getByRole('textbox', { name: 'Search help articles' });
    // Keystrokes are not searches: this one settles after a pause.
    await typeText(t.page, search, 'zzqxwv');
    await w.getByRole('status').filter({ hasText: /./ }).first().waitFor();
    await sleep(2500);
    await clearField(t.page, search);
    await typeText(t.page, search, 'withdrawal pending');
    const hit = w.getByRole('link', { name: /withdraw/i }).first();
    await hit.waitFor();
    await hit.click();
    await w.getByRole('button', { name: 'No' }).click();
    await w.getByRole('status').filter({ hasText: /./ }).first().waitFor();
    assert.equal(batches.length, 0, 'nothing sent before 20 events, 30 s, or closing');

    await w.getByRole('button', { name: 'Close' }).click();
    await until(async () => batches.some((b) => b.method === 'POST'), 'an analytics batch after closing');
    const sent = batches.filter((b) => b.method === 'POST').map((b) => JSON.parse(b.body));
    assert.equal(sent.length, 1, 'one batch');
    const events = sent[0].events;
    assert.deepEqual(events.map((e) => e.kind), ['search', 'search', 'article_vote']);
    assert.deepEqual(events[0], { kind: 'search', query: 'zzqxwv', lang: 'en', results: 0, opened: null });
    assert.equal(events[1].query, 'withdrawal pending');
    assert.match(events[1].opened, /@en$/);
    assert.deepEqual(events[2], { kind: 'article_vote', article_id: events[1].opened, helpful: false, lang: 'en' });
    assert.ok(!sent[0].events.some((e) => 'user' in e || 'userId' in e), 'no user id');
    assert.ok(!JSON.stringify(sent).includes(t.site.userId), 'the demo user id is never sent');

    const auth = { Authorization: `Bearer ${t.site.agentKey}` };
    let queries, articles;
    await until(async () => {
      await sleep(300);  // the agent API has a per-key rate limit
      queries = await api(t.relay, 'GET', '/v1/agent/reports/queries?min_searches=1', { headers: auth });
      articles = await api(t.relay, 'GET', '/v1/agent/reports/articles?min_votes=1', { headers: auth });
      return queries.status === 200 && queries.json.zero_result.length > 0 && articles.status === 200 && articles.json.articles.length > 0;
    }, 'the reports show the events');
    const zero = queries.json.zero_result.find((q) => q.query === 'zzqxwv');
    assert.ok(zero, JSON.stringify(queries.json));
    assert.equal(zero.lang, 'en');
    assert.equal(zero.searches, 1);
    assert.ok(!queries.json.low_click.some((q) => q.query === 'withdrawal pending'), 'an opened result is a click');
    const voted = articles.json.articles.find((a) => a.article_id === events[1].opened);
    assert.ok(voted, JSON.stringify(articles.json));
    assert.deepEqual([voted.helpful, voted.not_helpful, voted.votes], [0, 1, 1]);
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});
