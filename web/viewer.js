// A small deep-zoom viewer on large_image's tile API: drag to pan, wheel to zoom. It asks for
// the tiles of the level that matches the zoom and draws lower levels underneath while they
// load.
'use strict';

const params = new URLSearchParams(location.search);
const itemId = params.get('id') || 'test';
const canvas = document.getElementById('canvas');
const ctx = canvas.getContext('2d');
const statusEl = document.getElementById('status');
const frameSelect = document.getElementById('frame');
const base = '/api/v1/item/' + encodeURIComponent(itemId) + '/tiles';

let meta = null;
let frame = 0;
// View: image x,y (full resolution pixels) at the canvas's top-left, and image pixels per
// canvas pixel.
const view = {x: 0, y: 0, scale: 1};
const tiles = new Map();  // key -> {img, ok}

function tileKey(z, x, y) { return frame + '/' + z + '/' + x + '/' + y; }

function getTile(z, x, y) {
  const key = tileKey(z, x, y);
  let t = tiles.get(key);
  if (!t) {
    t = {img: new Image(), ok: false};
    t.img.onload = () => { t.ok = true; draw(); };
    t.img.src = base + '/zxy/' + z + '/' + x + '/' + y + (frame ? '?frame=' + frame : '');
    tiles.set(key, t);
  }
  return t;
}

function drawLevel(z, requestMissing) {
  const scale = 2 ** (meta.levels - 1 - z);  // full-res pixels per level pixel
  const tw = meta.tileWidth * scale, th = meta.tileHeight * scale;
  const x0 = Math.max(0, Math.floor(view.x / tw));
  const y0 = Math.max(0, Math.floor(view.y / th));
  const x1 = Math.min(Math.ceil(meta.sizeX / tw) - 1,
                      Math.floor((view.x + canvas.width * view.scale) / tw));
  const y1 = Math.min(Math.ceil(meta.sizeY / th) - 1,
                      Math.floor((view.y + canvas.height * view.scale) / th));
  let complete = true;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const t = requestMissing ? getTile(z, x, y) : tiles.get(tileKey(z, x, y));
      if (!t || !t.ok) { complete = false; continue; }
      const dx = (x * tw - view.x) / view.scale, dy = (y * th - view.y) / view.scale;
      ctx.drawImage(t.img, dx, dy, t.img.width * scale / view.scale,
                    t.img.height * scale / view.scale);
    }
  }
  return complete;
}

function draw() {
  if (!meta) return;
  ctx.fillStyle = '#222';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // Edge tiles are full size (large_image's default edge): draw only inside the image.
  ctx.save();
  ctx.beginPath();
  ctx.rect(-view.x / view.scale, -view.y / view.scale, meta.sizeX / view.scale,
           meta.sizeY / view.scale);
  ctx.clip();
  // The level whose pixels are closest to (not coarser than) screen pixels.
  const want = meta.levels - 1 - Math.max(0, Math.floor(Math.log2(Math.max(view.scale, 1e-9))));
  const z = Math.max(0, Math.min(meta.levels - 1, want));
  for (let lower = 0; lower < z; lower++) drawLevel(lower, false);
  const complete = drawLevel(z, true);
  ctx.restore();
  statusEl.textContent = 'level ' + z + '/' + (meta.levels - 1) +
      ' · ' + (1 / view.scale).toFixed(3) + 'x' + (complete ? '' : ' · loading');
}

function fit() {
  view.scale = Math.max(meta.sizeX / canvas.width, meta.sizeY / canvas.height);
  view.x = (meta.sizeX - canvas.width * view.scale) / 2;
  view.y = (meta.sizeY - canvas.height * view.scale) / 2;
}

let drag = null;
canvas.addEventListener('pointerdown', (e) => {
  drag = {x: e.clientX, y: e.clientY};
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointermove', (e) => {
  if (!drag) return;
  view.x -= (e.clientX - drag.x) * devicePixelRatio * view.scale;
  view.y -= (e.clientY - drag.y) * devicePixelRatio * view.scale;
  drag = {x: e.clientX, y: e.clientY};
  draw();
});
canvas.addEventListener('pointerup', () => { drag = null; });
canvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  const factor = Math.exp(e.deltaY * 0.002);
  const px = e.offsetX * devicePixelRatio, py = e.offsetY * devicePixelRatio;
  const ix = view.x + px * view.scale, iy = view.y + py * view.scale;
  view.scale = Math.min(Math.max(view.scale * factor, 1 / 16),
                        2 * Math.max(meta.sizeX, meta.sizeY) / canvas.width);
  view.x = ix - px * view.scale;
  view.y = iy - py * view.scale;
  draw();
}, {passive: false});
frameSelect.addEventListener('change', () => { frame = Number(frameSelect.value); draw(); });
let fitted = false;
new ResizeObserver(() => {
  canvas.width = canvas.clientWidth * devicePixelRatio;
  canvas.height = canvas.clientHeight * devicePixelRatio;
  if (meta && !fitted) { fit(); fitted = true; }
  draw();
}).observe(canvas);

async function start() {
  const res = await fetch(base);
  meta = await res.json();
  if (!res.ok) {
    statusEl.textContent = meta.message || 'cannot open this item';
    return;
  }
  document.getElementById('title').textContent =
      itemId + ' · ' + meta.sizeX + ' x ' + meta.sizeY;
  fetch('/api/v1/item/' + encodeURIComponent(itemId)).then((r) => r.ok ? r.json() : null)
      .then((item) => { if (item) document.getElementById('title').textContent =
          item.name + ' · ' + meta.sizeX + ' x ' + meta.sizeY; });
  const frames = meta.frames ? meta.frames.length : 1;
  frameSelect.parentElement.hidden = frames <= 1;
  for (let f = 0; f < frames; f++) {
    const o = document.createElement('option');
    o.value = f;
    o.textContent = meta.frames && meta.frames[f].Channel ?
        f + ' (' + meta.frames[f].Channel + ')' : f;
    frameSelect.append(o);
  }
  canvas.width = canvas.clientWidth * devicePixelRatio;
  canvas.height = canvas.clientHeight * devicePixelRatio;
  fit();
  fitted = canvas.height > 0;
  draw();
}

start();
