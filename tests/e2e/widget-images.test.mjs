// Screenshots on the device, proven by what the widget itself sends (issue 5, "Images on the
// device"): the exact body of every POST /v1/attachments is captured in the browser before it
// reaches the relay (which re-encodes anyway, so only the request shows what left the device).
// A 4 MB, 4000×3000 phone PNG with EXIF/GPS leaves at most 2,000 px on its longest side, a few
// hundred KB at most, and without metadata; a pasted image becomes a screenshot through the same
// path; a JPEG with EXIF Orientation is turned upright; broken and hostile files get a clear
// message, are never uploaded, and leave the form usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, typeText, storedTickets, until, armReady, waitReady, valueOf, sleep } from './harness.mjs';
import { exifSegment, metadataIn, screenshotJpeg } from './exif.mjs';
import { pngRgb, pngBlank, pngClaiming, rng, imageInfo, withOrientation } from './image-format.mjs';

const FORM = 'Withdrawal not received or stuck';
const BROKEN = 'This image could not be read; it may be damaged. Please try another screenshot.';

async function openForm(t) {
  await t.page.goto(t.relay.url + '/');
  await armReady(t.page);
  await t.page.getByRole('row').filter({ hasText: 'c3b9e5d2' }).getByRole('button', { name: 'Report a problem' }).click();
  await waitReady(t);
  const w = t.page.frameLocator('iframe[title="Lantern support"]');
  await w.getByRole('heading', { level: 1, name: FORM }).waitFor();
  return w;
}

// Every POST /v1/attachments the pages make, body included, passed on to the real relay.
async function captureUploads(t) {
  const uploads = [];
  await t.context.route('**/v1/attachments', async (route) => {
    const r = route.request();
    if (r.method() === 'POST') uploads.push({ type: r.headers()['content-type'] || '', body: r.postDataBuffer() });
    await route.continue();
  });
  return uploads;
}

async function pick(t, w, file) {
  const [chooser] = await Promise.all([
    t.page.waitForEvent('filechooser'),
    w.getByRole('button', { name: 'Add screenshot' }).click(),
  ]);
  await chooser.setFiles(file);
}

// The EXIF block of exif.mjs (camera make + GPS) as a PNG eXIf chunk: the TIFF data without
// the APP1 marker, length and "Exif\0\0".
const exifTiff = () => exifSegment().subarray(4 + 6);

// A phone-style screenshot, 4000×3000: flat app chrome and rows of "text" around a photo area
// with ±1 sensor-like noise, written with the Sub filter as encoders do: about 4 MB of PNG,
// carrying EXIF (camera make, GPS position) and a text chunk.
function phonePng() {
  const W = 4000, H = 3000, r = rng(12345);
  return pngRgb(W, H, (y, line) => {
    for (let x = 0; x < W; ++x) {
      let R, G, B;
      if (y < 200) { R = 15; G = 18; B = 22; }
      else if (x > 300 && x < W - 300 && y > 700 && y < H - 500) {
        const base = 128 + 90 * Math.sin(x / 180) * Math.cos(y / 140);
        const n = Math.round((r() - 0.5) * 3);
        R = base + n; G = base * 0.8 + 40 + n; B = 200 - base * 0.5 + n;
      } else {
        const row = Math.floor((y - 200) / 90), ry = (y - 200) % 90;
        const text = ry > 30 && ry < 60 && x % 37 < 22 && x > 120 && x < 720 + ((row * 977) % 3000);
        R = G = B = text ? 40 : 246;
        if ((row & 3) === 1 && !text) { R = 240; G = 185; B = 11; }
      }
      line[x * 3] = Math.max(0, Math.min(255, R));
      line[x * 3 + 1] = Math.max(0, Math.min(255, G));
      line[x * 3 + 2] = Math.max(0, Math.min(255, B));
    }
  }, { extra: [['eXIf', exifTiff()], ['tEXt', Buffer.from('Comment\0taken at home, 31.23N 121.47E', 'latin1')]] });
}

// A wide screenshot (3000×800, beyond the 2,000 px cap) for the paste path.
function widePng() {
  return pngRgb(3000, 800, (y, line) => {
    for (let x = 0; x < 3000; ++x) {
      const bar = y > 100 && y < 700 && x % 400 < 300;
      line[x * 3] = bar ? 46 : 250; line[x * 3 + 1] = bar ? 189 : 250; line[x * 3 + 2] = bar ? 133 : 250;
    }
  });
}

// What the upload bodies show, for the messages of failed assertions.
const describe = (u) => {
  try { return JSON.stringify({ type: u.type, bytes: u.body.length, ...imageInfo(u.body) }); } catch (e) { return `${u.type} ${u.body?.length} bytes: ${e.message}`; }
};

test('a 4 MB 4000×3000 phone PNG, a pasted screenshot and a rotated phone JPEG leave the device upright, shrunk to 2,000 px, small, and without metadata', { timeout: 300000 }, async (tc) => {
  const t = await start();
  try {
    const phone = phonePng();
    assert.ok(phone.length > 3.5e6 && phone.length < 5e6, `the test image is a ~4 MB PNG (${phone.length} bytes)`);
    const before = imageInfo(phone);
    assert.deepEqual([before.width, before.height], [4000, 3000]);
    assert.deepEqual(before.metadata, ['EXIF (PNG eXIf)', 'text (PNG tEXt)'], 'the test image does carry metadata');
    assert.ok(metadataIn(phone).includes('camera make'));

    const uploads = await captureUploads(t);
    const w = await openForm(t);
    await pick(t, w, { name: 'Screenshot_20261129-0912.png', mimeType: 'image/png', buffer: phone });
    await w.getByRole('img', { name: 'Screenshot 1' }).waitFor({ timeout: 60000 });

    // Paste: the event a browser fires for Ctrl+V with a screenshot on the clipboard (the image as
    // a File in clipboardData.files), synthesised at the focused description field; bridge.js's
    // window-level paste handler must take it (defaultPrevented) and add it as a screenshot.
    const wide = widePng();
    const description = w.getByRole('textbox', { name: 'Describe the problem' });
    await description.click();
    await sleep(100);
    const frame = t.page.frame({ url: /\/widget\/index\.html/ });
    const pasted = await frame.evaluate(async (b64) => {
      const bin = atob(b64), u = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; ++i) u[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([u], 'image.png', { type: 'image/png' }));
      const target = document.activeElement;
      const e = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      target.dispatchEvent(e);
      return { target: target.tagName, label: target.getAttribute('aria-label'), handled: e.defaultPrevented };
    }, wide.toString('base64'));
    assert.deepEqual(pasted, { target: 'TEXTAREA', label: 'Describe the problem', handled: true },
                     'the paste reached the focused description field and the widget took the image');
    await w.getByRole('img', { name: 'Screenshot 2' }).waitFor({ timeout: 30000 });
    assert.equal(await valueOf(description), '', 'the image was not pasted into the text');

    // A phone photo held upright: 900×600 pixels stored with EXIF Orientation 6 (rotate 90°), so
    // it must be turned upright on the device and leave as 600×900, without that EXIF block.
    const rotated = withOrientation(await screenshotJpeg(t.page), 6);
    assert.ok(imageInfo(rotated).metadata.includes('EXIF (APP1)'));
    await pick(t, w, { name: 'IMG_2042.jpg', mimeType: 'image/jpeg', buffer: rotated });
    await w.getByRole('img', { name: 'Screenshot 3' }).waitFor({ timeout: 30000 });

    await typeText(t.page, description, 'The withdrawal shows completed but the other exchange has not received it after three hours.');
    assert.equal(uploads.length, 0, 'nothing leaves the device before Submit');
    await w.getByRole('button', { name: 'Review request' }).click();
    await w.getByRole('heading', { level: 1, name: 'Please check your request' }).waitFor();
    await w.getByRole('button', { name: 'Submit request' }).click();
    const number = await w.getByRole('status').filter({ hasText: /Your ticket number is T-/ }).textContent({ timeout: 60000 });
    const id = /T-[A-Za-z0-9-]+/.exec(number)[0];

    // What left the device: two images, both at most 2,000 px on the longest side, without any
    // metadata block, and the 4 MB PNG as a small fraction of itself.
    await until(() => uploads.length >= 3, 'three attachment uploads');
    assert.equal(uploads.length, 3, uploads.map(describe).join('\n'));
    const sent = uploads.map((u) => ({ ...u, info: imageInfo(u.body) }));
    for (const u of sent) {
      assert.ok(['png', 'jpeg', 'webp'].includes(u.info.format), describe(u));
      assert.equal(u.type, `image/${u.info.format}`, `Content-Type matches the bytes: ${describe(u)}`);
      assert.ok(Math.max(u.info.width, u.info.height) <= 2000, `longest side at most 2,000 px: ${describe(u)}`);
      assert.deepEqual(u.info.metadata, [], `no metadata block in what was sent: ${describe(u)}`);
      assert.deepEqual(metadataIn(u.body), [], `no EXIF, GPS or XMP bytes in what was sent: ${describe(u)}`);
      assert.ok(!u.body.includes(Buffer.from('taken at home', 'latin1')), 'no text chunk in what was sent');
    }
    const big = sent.find((u) => u.info.width === 2000 && u.info.height === 1500);
    assert.ok(big, `the 4000×3000 PNG was sent as 2000×1500 (aspect kept): ${sent.map(describe).join('\n')}`);
    assert.ok(big.body.length < 1 << 20, `the 4 MB PNG left as less than 1 MB: ${describe(big)}`);
    assert.ok(big.body.length < phone.length / 4, `the 4 MB PNG left as less than a quarter of itself: ${describe(big)} of ${phone.length}`);
    tc.diagnostic(`4000×3000 PNG of ${phone.length} bytes sent as ${big.info.format} ${big.info.width}×${big.info.height}, ` +
                  `${big.body.length} bytes (${(100 * big.body.length / phone.length).toFixed(1)} %)`);
    assert.ok(sent.some((u) => u.info.width === 2000 && u.info.height === 533),
              `the pasted 3000×800 image was sent as 2000×533: ${sent.map(describe).join('\n')}`);
    assert.ok(sent.some((u) => u.info.width === 600 && u.info.height === 900),
              `the 900×600 JPEG with Orientation 6 was sent upright, 600×900: ${sent.map(describe).join('\n')}`);

    // And the help desk has both on the ticket.
    const tickets = await storedTickets(t);
    assert.equal(tickets.length, 1);
    assert.equal(tickets[0].id, id);
    assert.equal(tickets[0].ticket.attachments.length, 3);
    assert.deepEqual(t.errors, []);
  } finally {
    await t.done();
  }
});

test('broken and hostile images get a clear message, are never uploaded, and the form stays usable', { timeout: 300000 }, async () => {
  const t = await start();
  try {
    // Counts the decodes the widget asks the browser for (createImageBitmap), in every frame.
    await t.context.addInitScript(() => {
      const real = window.createImageBitmap;
      window.__decodes = 0;
      window.createImageBitmap = function (...args) { window.__decodes += 1; return real.apply(this, args); };
    });
    const uploads = await captureUploads(t);
    const w = await openForm(t);
    const frame = t.page.frame({ url: /\/widget\/index\.html/ });
    const decodes = () => frame.evaluate(() => window.__decodes);
    const alert = w.getByRole('alert');
    const TOO_MANY = 'This image has too many pixels (40 megapixels at most).';
    const good = pngRgb(640, 400, (y, line) => line.fill(y < 40 ? 30 : 245));
    const named = (name, mimeType, buffer) => ({ name, mimeType, buffer });
    // Ordered so that no two cases in a row expect the same message: each message seen is the
    // answer to its own file. Beyond 40 megapixels (TOO_MANY) the file must be refused from its
    // header, before the browser decodes and allocates it (`decoded` false).
    const cases = [
      ['random bytes named .png', named('screenshot.png', 'image/png', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff))), BROKEN],
      ['a PNG whose header claims 100000×100000 pixels', named('huge.png', 'image/png', pngClaiming(100000, 100000)), TOO_MANY, false],
      ['a PNG cut off in its pixel data', named('cut.png', 'image/png', good.subarray(0, Math.floor(good.length / 2))), BROKEN],
      ['a 48-megapixel PNG of 6 KB', named('bomb.png', 'image/png', pngBlank(8000, 6000)), TOO_MANY, false],
      ['a JPEG that is only its header', named('IMG_0001.jpg', 'image/jpeg', Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb', 'hex')), BROKEN],
      ['a 400-megapixel PNG of 48 KB (1.6 GB decoded)', named('bomb2.png', 'image/png', pngBlank(20000, 20000)), TOO_MANY, false],
      ['a text file', named('notes.txt', 'text/plain', Buffer.from('not an image')), 'Please choose a PNG, JPEG or WebP image.'],
    ];
    for (const [what, file, message, decoded = true] of cases) {
      const before = await decodes();
      await pick(t, w, file);
      await until(async () => (await alert.count()) === 1 && (await alert.textContent()) === message,
                  `the message "${message}" for ${what} (alert before: ${await alert.allTextContents()})`, 60000);
      assert.equal(await w.getByRole('img', { name: /^Screenshot \d/ }).count(), 0, `no screenshot added for ${what}`);
      if (!decoded) assert.equal(await decodes(), before, `${what}: refused from its header, never handed to the decoder`);
    }

    // Still usable: the form takes text, and a good image after the bad ones is added and clears the message.
    const description = w.getByRole('textbox', { name: 'Describe the problem' });
    const words = 'The withdrawal shows completed but the other exchange has not received it after three hours.';
    await typeText(t.page, description, words);
    assert.equal(await valueOf(description), words);
    await pick(t, w, { name: 'ok.png', mimeType: 'image/png', buffer: good });
    await w.getByRole('img', { name: 'Screenshot 1' }).waitFor({ timeout: 30000 });
    await until(async () => (await alert.count()) === 0, 'the message to go away once an image was added');
    assert.equal(await w.getByRole('img', { name: /^Screenshot \d/ }).count(), 1);

    // Nothing of the bad files ever left: the ticket goes out with the one good image only.
    await w.getByRole('button', { name: 'Review request' }).click();
    await w.getByRole('heading', { level: 1, name: 'Please check your request' }).waitFor();
    await w.getByRole('button', { name: 'Submit request' }).click();
    await w.getByRole('status').filter({ hasText: /Your ticket number is T-/ }).waitFor({ timeout: 60000 });
    await until(() => uploads.length >= 1, 'the upload');
    const tickets = await until(async () => { const x = await storedTickets(t); return x.length === 1 && x; }, 'the stored ticket');
    assert.equal(uploads.length, 1, uploads.map(describe).join('\n'));
    const info = imageInfo(uploads[0].body);
    assert.deepEqual([info.width, info.height], [640, 400], describe(uploads[0]));
    assert.equal(tickets[0].ticket.attachments.length, 1);
    assert.deepEqual(t.errors, [], 'no uncaught error in the pages');
  } finally {
    await t.done();
  }
});
