// Just enough PNG decoding for screenshots: 8-bit greyscale, RGB or RGBA (with or without a
// palette-free alpha), not interlaced. Returns {width, height, channels, data} with `data`
// holding rows of `channels` bytes per pixel.
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4};

export function decodePng(buffer) {
  if (!buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let pos = 8;
  let header = null;
  const idat = [];
  while (pos < buffer.length) {
    const length = buffer.readUInt32BE(pos);
    const type = buffer.toString('latin1', pos + 4, pos + 8);
    const body = buffer.subarray(pos + 8, pos + 8 + length);
    pos += 12 + length;
    if (type === 'IHDR') {
      header = {width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8],
                colorType: body[9], interlace: body[12]};
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
  }
  if (!header) throw new Error('PNG without IHDR');
  const channels = CHANNELS[header.colorType];
  if (header.depth !== 8 || !channels || header.interlace !== 0) {
    throw new Error(`unsupported PNG (depth ${header.depth}, colour type ${header.colorType}, ` +
                    `interlace ${header.interlace})`);
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const {width, height} = header;
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= channels ? prev[i - channels] : 0;
      let v = src[i];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[i] = v & 0xff;
    }
  }
  return {width, height, channels, data};
}

// Statistics of the pixels in a rectangle (default: all): the mean and standard deviation of
// the luma, the fraction of pixels `isContent` accepts, and mean R, G, B.
export function pixelStats(image, isContent, rect = null) {
  const {width, height, channels, data} = image;
  const r0 = rect || {x: 0, y: 0, width, height};
  let n = 0, sum = 0, sum2 = 0, content = 0;
  const rgb = [0, 0, 0];
  for (let y = r0.y; y < r0.y + r0.height; y++) {
    for (let x = r0.x; x < r0.x + r0.width; x++) {
      const i = (y * width + x) * channels;
      const r = data[i], g = channels >= 3 ? data[i + 1] : r, b = channels >= 3 ? data[i + 2] : r;
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      n++;
      sum += luma;
      sum2 += luma * luma;
      rgb[0] += r;
      rgb[1] += g;
      rgb[2] += b;
      if (isContent(r, g, b)) content++;
    }
  }
  const mean = sum / n;
  return {pixels: n, meanLuma: mean, stdLuma: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
          contentFraction: content / n, meanRgb: rgb.map((v) => v / n)};
}
