// Image bytes for the browser tests, without any image library: a tiny PNG writer (node:zlib) and
// a reader of JPEG markers, PNG chunks and WebP (RIFF) chunks that reports the format, the pixel
// size from the header, and every container-level metadata block (EXIF, GPS, XMP, ICC, comments,
// text). What a test asserts about an upload is read from its bytes, not from what the page says.
import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; ++n) {
    let c = n;
    for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; ++i) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// An 8-bit RGB PNG. `row(y, out)` fills one row of width*3 bytes; `extra` are chunks
// ([type, Buffer]) written before IDAT (e.g. an eXIf or tEXt block).
export function pngRgb(width, height, row, { level = 6, extra = [] } = {}) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  const line = Buffer.alloc(width * 3);
  for (let y = 0; y < height; ++y) {
    row(y, line);
    raw[y * stride] = 1;  // filter "Sub": each byte minus the one a pixel to its left, as encoders do
    for (let i = 0; i < line.length; ++i) raw[y * stride + 1 + i] = (line[i] - (i >= 3 ? line[i - 3] : 0)) & 0xff;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;  // bit depth
  ihdr[9] = 2;  // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, d]) => chunk(t, d)),
    chunk('IDAT', zlib.deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A 1-bit greyscale PNG of any size whose pixels are all black: a few KB on disk, width*height*4
// bytes once decoded (a "decompression bomb" for the pixel limit).
export function pngBlank(width, height) {
  const stride = Math.ceil(width / 8) + 1;
  const raw = Buffer.alloc(stride * height);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1;  // bit depth
  ihdr[9] = 0;  // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A PNG whose header claims width×height (1-bit greyscale) but whose data is 8 rows of 8 pixels:
// what a hostile file looks like to a decoder that trusts the header.
export function pngClaiming(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(8 * 2))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A deterministic pseudo-random generator (xorshift32), so a test's image is the same every run.
export function rng(seed = 0x9e3779b9) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

// PNG ancillary chunks that carry no personal data; everything else ancillary is reported.
const PNG_PLAIN = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'sBIT', 'bKGD', 'pHYs']);
const PNG_META = { eXIf: 'EXIF (PNG eXIf)', iCCP: 'ICC profile (PNG iCCP)', tEXt: 'text (PNG tEXt)', zTXt: 'text (PNG zTXt)',
                   iTXt: 'text/XMP (PNG iTXt)', tIME: 'time (PNG tIME)' };

function readPng(b) {
  const out = { format: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20), blocks: [], metadata: [] };
  for (let at = 8; at + 8 <= b.length;) {
    const len = b.readUInt32BE(at), type = b.toString('latin1', at + 4, at + 8);
    out.blocks.push(type);
    if (!PNG_PLAIN.has(type)) out.metadata.push(PNG_META[type] || `PNG chunk ${type}`);
    if (type === 'IEND') break;
    at += 12 + len;
  }
  return out;
}

function readJpeg(b) {
  const out = { format: 'jpeg', width: 0, height: 0, blocks: [], metadata: [] };
  for (let at = 2; at + 4 <= b.length;) {
    if (b[at] !== 0xff) throw new Error(`JPEG: no marker at byte ${at}`);
    const m = b[at + 1];
    if (m === 0xff) { at += 1; continue; }           // fill byte
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7)) { at += 2; continue; }
    if (m === 0xd9) break;
    const len = b.readUInt16BE(at + 2);
    const body = b.subarray(at + 4, at + 2 + len);
    const name = m >= 0xe0 && m <= 0xef ? `APP${m - 0xe0}` : m === 0xfe ? 'COM' : `FF${m.toString(16).toUpperCase()}`;
    out.blocks.push(name);
    if (m === 0xfe) out.metadata.push('comment (COM)');
    if (m >= 0xe1 && m <= 0xef) {
      const id = body.toString('latin1', 0, 30);
      if (id.startsWith('Exif\0')) out.metadata.push('EXIF (APP1)');
      else if (id.startsWith('http://ns.adobe.com/xap/')) out.metadata.push('XMP (APP1)');
      else if (id.startsWith('ICC_PROFILE')) out.metadata.push('ICC profile (APP2)');
      else if (id.startsWith('Photoshop')) out.metadata.push('IPTC (APP13)');
      else if (!(m === 0xee && id.startsWith('Adobe'))) out.metadata.push(`${name} ${JSON.stringify(id.replace(/\0.*$/s, ''))}`);
    }
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {  // SOFn
      out.height = body.readUInt16BE(1);
      out.width = body.readUInt16BE(3);
    }
    if (m === 0xda) break;                            // entropy-coded data follows
    at += 2 + len;
  }
  return out;
}

function readWebp(b) {
  const out = { format: 'webp', width: 0, height: 0, blocks: [], metadata: [] };
  for (let at = 12; at + 8 <= b.length;) {
    const type = b.toString('latin1', at, at + 4), len = b.readUInt32LE(at + 4);
    const d = b.subarray(at + 8, at + 8 + len);
    out.blocks.push(type);
    if (type === 'VP8 ') {            // lossy: frame tag (3), start code 9d 01 2a, 14-bit sizes
      if (d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a) throw new Error('WebP: bad VP8 start code');
      out.width = d.readUInt16LE(6) & 0x3fff;
      out.height = d.readUInt16LE(8) & 0x3fff;
    } else if (type === 'VP8L') {     // lossless: 0x2f, then 14-bit width-1 and height-1
      const bits = d.readUInt32LE(1);
      out.width = (bits & 0x3fff) + 1;
      out.height = ((bits >>> 14) & 0x3fff) + 1;
    } else if (type === 'VP8X') {
      const flags = d[0];
      if (flags & 0x20) out.metadata.push('ICC profile flag (VP8X)');
      if (flags & 0x08) out.metadata.push('EXIF flag (VP8X)');
      if (flags & 0x04) out.metadata.push('XMP flag (VP8X)');
      out.width = d.readUIntLE(4, 3) + 1;
      out.height = d.readUIntLE(7, 3) + 1;
    } else if (type === 'ICCP') out.metadata.push('ICC profile (WebP ICCP)');
    else if (type === 'EXIF') out.metadata.push('EXIF (WebP EXIF)');
    else if (type === 'XMP ') out.metadata.push('XMP (WebP XMP)');
    else if (type !== 'ALPH') out.metadata.push(`WebP chunk ${JSON.stringify(type)}`);
    at += 8 + len + (len & 1);
  }
  return out;
}

// {format, width, height, blocks, metadata} of a PNG, JPEG or WebP; throws on anything else.
export function imageInfo(bytes) {
  const b = Buffer.from(bytes);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') return readPng(b);
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return readJpeg(b);
  if (b.length >= 16 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return readWebp(b);
  throw new Error(`not a PNG, JPEG or WebP (starts ${b.subarray(0, 12).toString('hex')})`);
}

// The JPEG with an EXIF block holding only an Orientation tag (1-8; 6 = "rotate 90° clockwise
// to view", what a phone held upright writes), right after SOI.
export function withOrientation(jpeg, orientation) {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8);               // one entry
  tiff.writeUInt16LE(0x0112, 10);         // Orientation
  tiff.writeUInt16LE(3, 12);              // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}
