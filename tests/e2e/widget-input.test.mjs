// Text input and keyboard in the real widget: Chinese through IME composition (CDP, as an input
// method drives the browser), Enter that confirms a candidate not submitting, and keyboard-only
// navigation search → article → back → closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openWidget, press, valueOf, sleep, until, armReady, waitReady } from './harness.mjs';

// What a pinyin IME does: a growing composition, then the chosen candidate committed.
async function compose(cdp, steps, commit) {
  for (const s of steps) {
    await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    await sleep(60);
  }
  return async () => {
    await cdp.send('Input.insertText', { text: commit });
    await sleep(150);
  };
}

test('Chinese typed through IME composition arrives; the Enter that confirms the candidate does not submit', { timeout: 240000 }, async () => {
  const t = await start({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  try {
    const w = await openWidget(t);
    const cdp = await t.context.newCDPSession(t.page);
    const search = w.getByRole('textbox', { name: '搜索帮助文章' });
    await search.click();
    await sleep(150);
    // While composing, the pinyin shows on the canvas just below the field (the DOM field that
    // receives it is invisible); the strip below the field is compared, found by the field's role.
    const box = await search.boundingBox();
    const strip = { x: box.x, y: box.y + box.height, width: Math.min(240, box.width), height: 30 };
    const before = await t.page.screenshot({ clip: strip });
    const commit = await compose(cdp, ['t', 'ti', 'tib', 'tibi'], '提币');
    await sleep(200);
    const during = await t.page.screenshot({ clip: strip });
    assert.ok(!during.equals(before), 'the composition "tibi" is drawn under the search box');
    await commit();
    const commit2 = await compose(cdp, ['d', 'da', 'dao', 'daoz', 'daozh', 'daozha', 'daozhang'], '到账');
    await commit2();
    await until(async () => (await valueOf(search)) === '提币到账', `the search box to hold 提币到账 (has "${await valueOf(search)}")`);
    await w.getByRole('link', { name: /提币|提现/ }).first().waitFor();

    // The contact form: the description composed, and Enter pressed while the candidate list is
    // open (keydown with isComposing) must neither submit nor add a new line.
    await w.getByRole('button', { name: '联系客服' }).click();
    const words = w.getByRole('textbox', { name: /用自己的话/ });
    await words.click();
    await sleep(150);
    await words.evaluate((el) => {
      window.__keys = [];
      el.addEventListener('keydown', (e) => window.__keys.push({ key: e.key, keyCode: e.keyCode, isComposing: e.isComposing }));
    });
    const commit3 = await compose(cdp, ['c', 'ch', 'cho', 'chon', 'chong', 'chongz', 'chongzh', 'chongzhi'], '充值');
    // The Enter an IME eats to confirm its candidate: the page sees keydown 229 while composing,
    // then the committed text, then the key's release.
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Process', code: 'Enter', windowsVirtualKeyCode: 229, nativeVirtualKeyCode: 229 });
    await commit3();
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 });
    await sleep(300);
    const keys = await words.evaluate(() => window.__keys);
    assert.deepEqual(keys, [{ key: 'Process', keyCode: 229, isComposing: true }], 'the Enter reached the page as an IME key');
    assert.equal(await valueOf(words), '充值');
    const tree = await t.page.frame({ url: /\/widget\// }).evaluate(() => window.lanternA11y.nodes);
    assert.equal(tree.find((n) => n.role === 'textbox').value, '充值', 'the ImGui field has the committed text, no new line');
    await w.getByRole('heading', { level: 1, name: '联系客服' }).waitFor(); // still the same step
    assert.equal(await w.getByRole('button', { name: '继续' }).count(), 1);
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});

test('keyboard only: Tab to the launcher, Enter opens, type, Tab to a result, Enter reads it, Escape goes back and closes', { timeout: 240000 }, async () => {
  const t = await start({ locale: 'en-US' });
  try {
    await t.page.goto(t.relay.url + '/');
    await armReady(t.page);
    const launcher = t.page.getByRole('button', { name: 'Help & support' });
    await launcher.waitFor();
    // Tab through the page until the launcher has focus (it is the last stop of the page).
    for (let i = 0; i < 40; ++i) {
      await press(t.page, 'Tab', { hold: 20 });
      if (await launcher.evaluate((b) => b.getRootNode().activeElement === b)) break;
    }
    assert.ok(await launcher.evaluate((b) => b.getRootNode().activeElement === b), 'Tab reaches the launcher');
    await press(t.page, 'Enter');
    await waitReady(t);
    const w = t.page.frameLocator('iframe[title="Lantern support"]');
    const focused = (loc) => loc.evaluate((e) => e === document.activeElement || e.contains(document.activeElement));

    // Focus is in the widget; the first Tab stop is the search box.
    const search = w.getByRole('textbox', { name: 'Search help articles' });
    for (let i = 0; i < 6 && !(await focused(search)); ++i) await press(t.page, 'Tab');
    await until(() => focused(search), 'focus in the search box');
    await t.page.keyboard.type('fee', { delay: 30 });
    const first = w.getByRole('link', { name: /fee/i }).first();
    await first.waitFor();
    const title = ((await first.getAttribute('aria-label')) || (await first.textContent())).trim();
    await press(t.page, 'Tab');
    await until(() => focused(first), 'Tab to move to the first result');
    await press(t.page, 'Enter');
    await w.getByRole('heading', { level: 1, name: title }).waitFor();

    await press(t.page, 'Escape');
    await until(async () => (await valueOf(search).catch(() => '')) === 'fee', 'Escape back to the results, query kept');
    await press(t.page, 'Escape');
    await until(() => t.page.getByTitle('Lantern support').isHidden(), 'Escape on the home screen to close the widget');
    assert.ok(await launcher.evaluate((b) => b.getRootNode().activeElement === b), 'focus back on the launcher');
  } finally {
    await t.done();
  }
});
