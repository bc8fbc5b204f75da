// A hand-written EXIF segment (camera make + GPS position), for a "phone screenshot" whose
// metadata must not reach the relay. Layout: TIFF little-endian, IFD0 {Make, GPSInfo pointer},
// GPS IFD {LatitudeRef, Latitude, LongitudeRef, Longitude} (EXIF 2.32, CIPA DC-008).

export const EXIF_MAKE = 'LanternTestPhone';
// 31°13'48.6" N, 121°28'12.3" E (Shanghai): degrees, minutes, seconds as rationals.
const LAT = [[31, 1], [13, 1], [486, 10]];
const LON = [[121, 1], [28, 1], [123, 10]];

export function exifSegment() {
  const make = Buffer.from(EXIF_MAKE + '\0', 'latin1');
  const ifd0 = 8, ifd0Size = 2 + 2 * 12 + 4;
  const makeAt = ifd0 + ifd0Size;
  let gps = makeAt + make.length;
  if (gps % 2) gps += 1;
  const gpsSize = 2 + 4 * 12 + 4;
  const latAt = gps + gpsSize, lonAt = latAt + 24;
  const tiff = Buffer.alloc(lonAt + 24);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(ifd0, 4);
  const entry = (at, tag, type, count, value) => {
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    if (Buffer.isBuffer(value)) value.copy(tiff, at + 8);
    else tiff.writeUInt32LE(value, at + 8);
  };
  tiff.writeUInt16LE(2, ifd0);
  entry(ifd0 + 2, 0x010f, 2, make.length, makeAt);       // Make, ASCII
  entry(ifd0 + 14, 0x8825, 4, 1, gps);                    // GPSInfo IFD pointer, LONG
  tiff.writeUInt32LE(0, ifd0 + 26);                       // no IFD1
  make.copy(tiff, makeAt);
  tiff.writeUInt16LE(4, gps);
  entry(gps + 2, 0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1'));  // GPSLatitudeRef
  entry(gps + 14, 0x0002, 5, 3, latAt);                             // GPSLatitude, RATIONAL x3
  entry(gps + 26, 0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1'));  // GPSLongitudeRef
  entry(gps + 38, 0x0004, 5, 3, lonAt);                             // GPSLongitude
  tiff.writeUInt32LE(0, gps + 50);
  [...LAT, ...LON].forEach(([n, d], i) => {
    tiff.writeUInt32LE(n, latAt + i * 8);
    tiff.writeUInt32LE(d, latAt + i * 8 + 4);
  });
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);              // APP1
  head.writeUInt16BE(body.length + 2, 2);     // the length counts itself
  return Buffer.concat([head, body]);
}

// The JPEG with the EXIF segment right after SOI (where cameras put it).
export function withExif(jpeg) {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(), jpeg.subarray(2)]);
}

// Any trace of the metadata: the EXIF header, the camera make, or GPS tags in a TIFF structure.
export function metadataIn(bytes) {
  const b = Buffer.from(bytes);
  const found = [];
  if (b.includes(Buffer.from('Exif\0\0', 'latin1'))) found.push('Exif header');
  if (b.includes(Buffer.from(EXIF_MAKE, 'latin1'))) found.push('camera make');
  if (b.includes(Buffer.from('II*\0', 'latin1')) || b.includes(Buffer.from('MM\0*', 'latin1'))) found.push('TIFF header');
  if (b.includes(Buffer.from('EXIF', 'latin1'))) found.push('WebP EXIF chunk');
  if (b.includes(Buffer.from('XMP ', 'latin1'))) found.push('WebP XMP chunk');
  return found;
}

// A screenshot-like JPEG made by the browser's canvas encoder (text and colours, 900×600).
export async function screenshotJpeg(page) {
  const b64 = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 900;
    c.height = 600;
    const g = c.getContext('2d');
    g.fillStyle = '#0f1216';
    g.fillRect(0, 0, 900, 600);
    g.fillStyle = '#f0b90b';
    g.font = '32px sans-serif';
    g.fillText('Withdrawal history — USDT TRC20 1250.5 Completed', 30, 80);
    for (let i = 0; i < 8; ++i) {
      g.fillStyle = i % 2 ? '#2ebd85' : '#f6465d';
      g.fillRect(30, 120 + i * 56, 200 + i * 60, 36);
    }
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; ++i) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}
