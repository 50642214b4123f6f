// The style picker's model: rows (one per channel or band, each shown or not, with min, max
// and palette) → large_image's style JSON, e.g.
//   {"bands":[{"band":1,"min":0,"max":4000,"palette":"#f00"},
//             {"frame":2,"min":"auto","max":"auto","palette":"viridis"}]}
// (/api/v1/item/{id}/tiles/...?style=<JSON>). Pure: no DOM, importable from node for tests.

// Single colours first (shown as a colour swatch), then named palettes.
export const PALETTES = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#ff00ff', '#00ffff',
                         '#ffffff', 'viridis', 'magma', 'inferno', 'plasma', 'cividis',
                         'gray', 'hot', 'matplotlib.Plasma_6'];
const CYCLE = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#ff00ff', '#00ffff', '#ffffff'];

// A default colour for a channel from its name (common fluorophores), else by position.
export function defaultPalette(name, index) {
  const n = String(name || '').toLowerCase();
  if (/dapi|hoechst|blue/.test(n)) return '#0000ff';
  if (/fitc|gfp|alexa ?488|green/.test(n)) return '#00ff00';
  if (/tritc|cy3|rfp|mcherry|texas|alexa ?5[4-9]\d|red/.test(n)) return '#ff0000';
  if (/cy5|far.?red|alexa ?6\d\d/.test(n)) return '#ff00ff';
  return CYCLE[index % CYCLE.length];
}

// A min/max field: '' and 'auto' mean 'auto'; numbers become numbers; large_image's other
// keywords ('min', 'max', 'full', 'min:0.02', ...) pass through.
export function parseLimit(text) {
  const t = String(text ?? '').trim();
  if (t === '' || t.toLowerCase() === 'auto') return 'auto';
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return Number(t);
  if (/^(min|max|auto)(:\d*\.?\d+)?$|^full$/i.test(t)) return t.toLowerCase();
  throw new Error(`“${t}” is not a number, auto, min, max, full or min:/max:/auto:<fraction>`);
}

// rows: [{key: {band: n} | {frame: n}, label, enabled, min, max, palette}]. Returns the style
// object, or null when no row is shown (the default rendering).
export function buildStyle(rows) {
  const bands = [];
  for (const row of rows) {
    if (!row.enabled) continue;
    const band = {...row.key, min: parseLimit(row.min), max: parseLimit(row.max)};
    const palette = String(row.palette ?? '').trim();
    if (palette) band.palette = palette;
    bands.push(band);
  }
  return bands.length ? {bands} : null;
}

// The rows a picker starts with. Multi-channel images (frames with a channel axis): one row per
// channel, reading that channel's frame at the other axes' current position (`frameFor(c)`).
// Otherwise one row per band of the image.
export function initialRows(meta, frameFor) {
  const channels = channelNames(meta);
  if (channels.length > 1) {
    return channels.map((label, c) => ({
      key: {frame: frameFor(c)}, channel: c, label, enabled: c < 7, min: '', max: '',
      palette: defaultPalette(label, c),
    }));
  }
  const count = Math.max(1, meta.bandCount || 1);
  const rgb = ['#ff0000', '#00ff00', '#0000ff', '#ffffff'];
  const names = count >= 3 ? ['red', 'green', 'blue', 'alpha'] : ['gray', 'alpha'];
  return Array.from({length: Math.min(count, 8)}, (_, i) => ({
    key: {band: i + 1}, label: `Band ${i + 1}` + (names[i] ? ` (${names[i]})` : ''),
    enabled: count >= 3 ? i < 3 : i === 0, min: '', max: '',
    palette: count >= 3 ? (rgb[i] || defaultPalette('', i)) : '#ffffff',
  }));
}

// Channel names from `channels`, `channelmap` ({name: index}) or the frames' IndexC.
export function channelNames(meta) {
  if (Array.isArray(meta.channels) && meta.channels.length) return meta.channels.map(String);
  if (meta.channelmap && typeof meta.channelmap === 'object') {
    const names = [];
    for (const [name, idx] of Object.entries(meta.channelmap)) names[idx] = name;
    if (names.length) return Array.from(names, (n, i) => n ?? `Channel ${i}`);
  }
  const count = meta.IndexRange?.IndexC;
  if (count > 1) return Array.from({length: count}, (_, i) => `Channel ${i}`);
  return [];
}

// The axes a frame selector offers ('IndexC', 'IndexZ', 'IndexT', 'IndexXY', others), each with
// its count, from IndexRange; [] when the image has one frame or no axes.
export function frameAxes(meta) {
  if (!Array.isArray(meta.frames) || meta.frames.length < 2) return [];
  const range = meta.IndexRange || {};
  const order = ['IndexC', 'IndexZ', 'IndexT', 'IndexXY'];
  const keys = Object.keys(range).filter((k) => range[k] > 1)
      .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) ||
                      a.localeCompare(b));
  return keys.map((key) => ({key, name: key.slice('Index'.length), count: range[key]}));
}

// The frame number whose axis indices match `position` ({IndexZ: 2, ...}); axes not given
// count as 0. Falls back to the stride arithmetic, then to 0.
export function frameAt(meta, position) {
  const frames = meta.frames || [];
  const axes = frameAxes(meta);
  const want = (k) => position[k] ?? 0;
  const match = frames.find((f) => axes.every(({key}) => (f[key] ?? 0) === want(key)));
  if (match) return match.Frame ?? frames.indexOf(match);
  if (meta.IndexStride) {
    let n = 0;
    for (const {key} of axes) n += want(key) * (meta.IndexStride[key] || 0);
    if (n < frames.length) return n;
  }
  return 0;
}

// The axis position of a frame ({IndexC: 1, IndexZ: 0, ...}).
export function positionOf(meta, frame) {
  const f = (meta.frames || [])[frame] || {};
  const pos = {};
  for (const {key} of frameAxes(meta)) pos[key] = f[key] ?? 0;
  return pos;
}
