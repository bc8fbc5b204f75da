// The real widget (dist/web/widget) in the demo page: searching in English and Chinese and reading
// an article, found only through the accessibility mirror's roles and names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openWidget, typeText, sleep, until } from './harness.mjs';

test('English: the widget loads nothing before the click; search as you type and open an article', { timeout: 240000 }, async () => {
  const t = await start({ locale: 'en-US' });
  try {
    await t.page.goto(t.relay.url + '/');
    await t.page.getByRole('button', { name: 'Help & support' }).waitFor();
    await sleep(800);
    const before = t.requests.filter((r) => /\.wasm$|\/widget\/|\.bundle$|\.ttf$/.test(new URL(r.url).pathname));
    assert.deepEqual(before, [], 'nothing of the widget before the click');

    const w = await openWidget(t);
    assert.ok(t.requests.some((r) => /\.wasm$/.test(new URL(r.url).pathname)), 'the WebAssembly loads after the click');
    const search = w.getByRole('textbox', { name: 'Search help articles' });
    await typeText(t.page, search, 'withdrawal pending');
    const hit = w.getByRole('link', { name: /withdraw/i }).first();
    await hit.waitFor();
    const title = (await hit.getAttribute('aria-label')) || (await hit.textContent());
    await hit.click();
    await w.getByRole('heading', { level: 1, name: title.trim() }).waitFor();
    await w.getByRole('button', { name: 'Yes' }).click();
    await w.getByRole('status').filter({ hasText: 'Thank you for telling us.' }).waitFor();
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});

test('Chinese: a zh-CN browser gets the Chinese widget; 提币未到账 finds the withdrawal articles', { timeout: 240000 }, async () => {
  const t = await start({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  try {
    const w = await openWidget(t);
    const search = w.getByRole('textbox', { name: '搜索帮助文章' });
    await search.click();
    await sleep(100);
    await t.page.keyboard.insertText('提币未到账');
    const hit = w.getByRole('link', { name: /提币|提现/ }).first();
    await hit.waitFor();
    const title = ((await hit.getAttribute('aria-label')) || (await hit.textContent())).trim();
    await hit.click();
    await w.getByRole('heading', { level: 1, name: title }).waitFor();
    await w.getByText('这篇文章对您有帮助吗？').waitFor();
    // The anti-phishing note is on the home screen, in the user's language.
    await w.getByRole('button', { name: '返回' }).click();
    await w.getByText(/客服绝不会索要您的密码/).waitFor();
    await until(async () => (await w.getByRole('textbox', { name: '搜索帮助文章' }).count()) === 1, 'home');
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});
