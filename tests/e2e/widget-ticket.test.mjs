// Filing a ticket with a screenshot in the real widget: the JPEG carries EXIF with a GPS position,
// the relay stores the ticket and the image, and no metadata survives anywhere on the way. The
// relay re-encodes every upload, so the request the widget sends is captured and checked too: the
// stripping must already have happened on the device (issue 5, "Images on the device").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { start, typeText, storedTickets, storedAttachments, until, armReady, waitReady } from './harness.mjs';
import { withExif, metadataIn, screenshotJpeg } from './exif.mjs';
import { imageInfo } from './image-format.mjs';

test('a ticket with a screenshot arrives at the relay, and the image arrives without EXIF or GPS', { timeout: 240000 }, async () => {
  const t = await start();
  try {
    await t.page.goto(t.relay.url + '/');
    const jpeg = withExif(await screenshotJpeg(t.page));
    assert.deepEqual(metadataIn(jpeg).slice(0, 2), ['Exif header', 'camera make'], 'the test image does carry EXIF');
    assert.ok(imageInfo(jpeg).metadata.includes('EXIF (APP1)'));

    // The exact body of each POST /v1/attachments the widget makes, passed on to the real relay.
    const uploads = [];
    await t.context.route('**/v1/attachments', async (route) => {
      const r = route.request();
      if (r.method() === 'POST') uploads.push({ type: r.headers()['content-type'] || '', body: r.postDataBuffer() });
      await route.continue();
    });

    await t.page.evaluate(() => {
      window.__tickets = [];
      window.Lantern.on('ticket', (x) => window.__tickets.push(x));
    });
    await armReady(t.page);
    await t.page.getByRole('row').filter({ hasText: 'c3b9e5d2' }).getByRole('button', { name: 'Report a problem' }).click();
    await waitReady(t);
    const w = t.page.frameLocator('iframe[title="Lantern support"]');
    await w.getByRole('heading', { level: 1, name: 'Withdrawal not received or stuck' }).waitFor();

    const [chooser] = await Promise.all([
      t.page.waitForEvent('filechooser'),
      w.getByRole('button', { name: 'Add screenshot' }).click(),
    ]);
    await chooser.setFiles({ name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await w.getByRole('img', { name: 'Screenshot 1' }).waitFor();

    await typeText(t.page, w.getByRole('textbox', { name: 'Describe the problem' }),
                   'The withdrawal shows completed but the other exchange has not received it after three hours.');
    await w.getByRole('button', { name: 'Review request' }).click();
    await w.getByRole('heading', { level: 1, name: 'Please check your request' }).waitFor();
    await w.getByRole('button', { name: 'Submit request' }).click();
    const number = await w.getByRole('status').filter({ hasText: /Your ticket number is T-/ }).textContent();
    const id = /T-[A-Za-z0-9-]+/.exec(number)[0];

    // The page heard about it through Lantern.on('ticket').
    const heard = await until(() => t.page.evaluate(() => window.__tickets[0]), 'the ticket event');
    assert.equal(heard.id, id);
    assert.equal(heard.category, 'withdrawal-not-received');

    // The help desk's view: one ticket, verified user, the row's data, one attachment.
    const tickets = await storedTickets(t);
    assert.equal(tickets.length, 1);
    const stored = tickets[0];
    assert.equal(stored.id, id);
    assert.equal(stored.verified, true, 'identified through the demo user and the relay identity secret');
    assert.equal(stored.ticket.fields.txid, 'c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70');
    assert.equal(stored.ticket.fields.address, 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8');
    assert.equal(stored.ticket.attachments.length, 1);

    // What left the device: one image, re-encoded in the browser (not the picked file), the same
    // 900×600 pixels, and not one metadata block (EXIF/GPS, XMP, ICC, comments) in its container.
    assert.equal(uploads.length, 1);
    const sent = uploads[0].body;
    const info = imageInfo(sent);
    assert.equal(uploads[0].type, `image/${info.format}`);
    assert.deepEqual([info.width, info.height], [900, 600], JSON.stringify(info));
    assert.deepEqual(info.metadata, [], `metadata sent by the widget: ${JSON.stringify(info)}`);
    assert.deepEqual(metadataIn(sent), [], 'no EXIF or GPS bytes in what the widget sent');
    assert.ok(!sent.includes(jpeg.subarray(0, 64)), 'the widget sent its own encoding, not the picked file');

    const files = storedAttachments(t.site);
    assert.equal(files.length, 1);
    const img = files[0].bytes;
    assert.deepEqual(metadataIn(img), [], 'no metadata in the stored image');
    assert.ok(!img.includes(jpeg.subarray(0, 64)), 'the stored image is a re-encode, not the upload');
    assert.equal(crypto.createHash('sha256').update(img).digest('hex'), stored.ticket.attachments[0].sha256);
  } finally {
    await t.done();
  }
});
