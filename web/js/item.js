// Item page: an OpenSeadragon deep-zoom viewer over the item's tiles, its metadata, associated
// images, a frame / channel selector and a per-channel style picker. Changing the frame or the
// style re-opens the viewer's tile source (the viewport is kept).
//
// For tests and the console, `window.tessera` holds {viewer, state, reopen}.

import {api, apiUrl} from './api.js';
import {el, renderHeader, renderBreadcrumbs, folderTrail, showError, showMessage, formatBytes,
        formatDate, errorText, keepFocus} from './ui.js';
import {tileSourceFor} from './tilesource.js';
import {PALETTES, buildStyle, initialRows, frameAxes, frameAt, positionOf,
        channelNames} from './style.js';
import {makeLargeImage, largeImageState, jobProgress, waitForJob, JobStatus} from './jobs.js';

const OSD = globalThis.OpenSeadragon;
const itemId = new URLSearchParams(location.search).get('id');
const $ = (id) => document.getElementById(id);
const viewerEl = $('viewer');
const message = $('message');

const state = {
  item: null,
  meta: null,
  frame: null,     // null: the default frame (zxy); else a frame number (fzxy)
  position: {},    // axis position of the frame ({IndexZ: 2, ...})
  styleMode: 'default',  // 'default' | 'rows' | 'json'
  rows: [],
  jsonStyle: null,
  failedTiles: 0,
};
let viewer = null;

// --- the viewer

function currentStyle() {
  if (state.styleMode === 'rows') return buildStyle(state.rows);
  if (state.styleMode === 'json') return state.jsonStyle;
  return null;
}

function createViewer() {
  viewer = OSD({
    element: viewerEl,
    prefixUrl: 'vendor/openseadragon/images/',
    drawer: 'canvas',
    preserveViewport: true,  // re-opening for a new frame or style keeps the view
    showNavigator: true,
    navigatorPosition: 'BOTTOM_RIGHT',
    showRotationControl: true,
    maxZoomPixelRatio: 2,
    visibilityRatio: 0.2,
    imageLoaderLimit: 8,
    timeout: 60000,
  });
  viewer.addHandler('open', () => {
    viewerEl.dataset.state = 'open';
    updateStatus();
  });
  viewer.addHandler('open-failed', (e) => {
    viewerEl.dataset.state = 'failed';
    showMessage(message, 'The viewer could not open the image: ' + (e.message || 'unknown error'));
  });
  // Whether the shown image has every tile the view needs (the viewer's own aggregate event
  // stays quiet when a re-opened image goes from not loaded to loaded).
  viewer.world.addHandler('add-item', ({item}) => {
    const set = (loaded) => {
      if (viewer.world.getIndexOfItem(item) < 0) return;
      viewerEl.dataset.fullyLoaded = String(loaded);
      updateStatus();
    };
    item.addHandler('fully-loaded-change', (e) => set(e.fullyLoaded));
    set(item.getFullyLoaded());
  });
  viewer.addHandler('tile-load-failed', () => {
    state.failedTiles++;
    updateStatus();
  });
  viewer.addHandler('animation-finish', updateStatus);
  window.tessera.viewer = viewer;
}

function reopen() {
  const source = tileSourceFor(itemId, state.meta, {frame: state.frame, style: currentStyle()});
  state.failedTiles = 0;
  viewerEl.dataset.state = 'loading';
  viewerEl.dataset.fullyLoaded = 'false';
  viewer.open(source);
}

function updateStatus() {
  const parts = [];
  if (viewer && viewer.world.getItemCount() && state.meta) {
    const zoom = viewer.viewport.viewportToImageZoom(viewer.viewport.getZoom(true));
    const mag = state.meta.magnification;
    parts.push(mag ? `${(zoom * mag).toFixed(zoom * mag < 10 ? 1 : 0)}× of ${mag}×`
                   : `${Math.round(zoom * 100)}%`);
    if (state.meta.mm_x) parts.push(`${(state.meta.mm_x * 1000 / zoom).toPrecision(3)} µm/px`);
    parts.push(viewerEl.dataset.fullyLoaded === 'true' ? 'loaded' : 'loading…');
  }
  if (state.failedTiles) parts.push(`${state.failedTiles} tile(s) failed to load`);
  parts.push('keys: arrows or W A S D pan, + − zoom, 0 home');
  $('viewer-status').textContent = parts.join(' · ');
}

// --- information

function infoRows(container, rows) {
  container.replaceChildren(...rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function renderInfo() {
  const {item, meta} = state;
  const rows = [['Name', item.name]];
  if (meta) {
    rows.push(['Size', `${meta.sizeX.toLocaleString()} × ${meta.sizeY.toLocaleString()} px`],
              ['Tiles', `${meta.tileWidth} × ${meta.tileHeight} px, ${meta.levels} levels`],
              ['Magnification', meta.magnification ? `${meta.magnification}×` : 'unknown']);
    if (meta.mm_x) {
      const um = (mm) => (mm * 1000).toPrecision(4);
      rows.push(['Pixel size', meta.mm_y && meta.mm_y !== meta.mm_x
        ? `${um(meta.mm_x)} × ${um(meta.mm_y)} µm/px` : `${um(meta.mm_x)} µm/px`]);
    } else {
      rows.push(['Pixel size', 'unknown']);
    }
    rows.push(['Pixels', [meta.dtype, meta.bandCount ? `${meta.bandCount} band(s)` : '']
        .filter(Boolean).join(', ')]);
    if (meta.frames?.length > 1) rows.push(['Frames', String(meta.frames.length)]);
  }
  rows.push(['Format', item.largeImage?.sourceName], ['File size', formatBytes(item.size)],
            ['Created', formatDate(item.created)], ['Updated', formatDate(item.updated)],
            ['Description', item.description]);
  infoRows($('info'), rows);

  const meta_ = item.meta && typeof item.meta === 'object' ? Object.entries(item.meta) : [];
  $('meta-panel').hidden = meta_.length === 0;
  infoRows($('meta'), meta_.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

async function renderAssociatedImages() {
  let names = [];
  try {
    names = await api.get(`/item/${itemId}/tiles/images`);
  } catch {
    return;  // none, or not offered
  }
  if (!Array.isArray(names) || !names.length) return;
  $('images').replaceChildren(...names.map((name) => {
    const base = `/item/${itemId}/tiles/images/${encodeURIComponent(name)}`;
    return el('figure', {},
              el('a', {href: apiUrl(base, {width: 2048}), target: '_blank', rel: 'noopener'},
                 el('img', {src: apiUrl(base, {width: 280}), alt: `${name} image`,
                            loading: 'lazy'})),
              el('figcaption', {}, name));
  }));
  $('images-panel').hidden = false;
}

// --- frames

function renderFrames() {
  const meta = state.meta;
  const frames = meta.frames || [];
  if (frames.length < 2) return;
  $('frames-panel').hidden = false;
  const axes = frameAxes(meta);
  const box = $('frames');
  const channelsComposited = state.styleMode === 'rows' && state.rows.some((r) => 'channel' in r);
  const controls = [];
  if (!axes.length) {
    const select = el('select', {id: 'frame-select',
                                 onchange: () => setFrame(Number(select.value))});
    frames.forEach((f, i) => select.append(el('option', {value: i}, `Frame ${i}`)));
    select.value = String(state.frame ?? 0);
    controls.push(el('label', {for: 'frame-select'}, 'Frame'), select);
  }
  const names = channelNames(meta);
  for (const axis of axes) {
    const id = `axis-${axis.name}`;
    const value = state.position[axis.key] ?? 0;
    const onchange = (v) => setPosition({...state.position, [axis.key]: v});
    if (axis.key === 'IndexC' && names.length) {
      const select = el('select', {id, disabled: channelsComposited,
                                   onchange: () => onchange(Number(select.value))});
      names.forEach((n, i) => select.append(el('option', {value: i}, n)));
      select.value = String(value);
      controls.push(el('label', {for: id}, 'Channel'), select);
    } else {
      const out = el('output', {for: id}, `${value + 1} / ${axis.count}`);
      const range = el('input', {id, type: 'range', min: 0, max: axis.count - 1, step: 1,
                                 value, 'aria-valuetext': `${axis.name} ${value + 1} of ${axis.count}`,
                                 onchange: () => onchange(Number(range.value)),
                                 oninput: () => { out.textContent = `${Number(range.value) + 1} / ${axis.count}`; }});
      controls.push(el('label', {for: id}, axis.name), el('div', {class: 'range'}, range, out));
    }
  }
  if (channelsComposited) {
    controls.push(el('p', {class: 'muted note'}, 'Channels are composited by the style.'));
  }
  box.replaceChildren(el('div', {class: 'form-grid'}, controls));
}

function setPosition(position) {
  state.position = position;
  setFrame(frameAt(state.meta, position));
}

function setFrame(frame) {
  state.frame = frame;
  state.position = positionOf(state.meta, frame);
  // The style's channel rows read the other axes (Z, T, ...) at the new position.
  for (const row of state.rows) {
    if ('channel' in row) row.key = {frame: frameAt(state.meta, {...state.position, IndexC: row.channel})};
  }
  keepFocus(renderFrames);
  reopen();
}

// --- style

function renderStyle() {
  $('style-panel').hidden = false;
  const box = $('style');
  const mode = el('select', {id: 'style-mode', onchange: () => {
    state.styleMode = mode.value;
    if (state.styleMode === 'json' && !state.jsonStyle) {
      try {
        state.jsonStyle = buildStyle(state.rows);
      } catch {
        state.jsonStyle = null;  // the rows do not parse: start from nothing
      }
    }
    keepFocus(() => {
      renderStyle();
      renderFrames();
    });
    applyStyle();
  }},
  el('option', {value: 'default'}, 'As stored'),
  el('option', {value: 'rows'}, channelNames(state.meta).length > 1 ? 'Channels' : 'Bands'),
  el('option', {value: 'json'}, 'Style JSON'));
  mode.value = state.styleMode;
  const parts = [el('div', {class: 'form-grid'}, el('label', {for: 'style-mode'}, 'Style'), mode)];
  if (state.styleMode === 'rows') parts.push(styleTable());
  if (state.styleMode === 'json') parts.push(jsonEditor());
  parts.push(el('div', {id: 'style-message', 'aria-live': 'polite'}));
  box.replaceChildren(...parts);
}

function styleTable() {
  const datalist = el('datalist', {id: 'palettes'}, PALETTES.map((p) => el('option', {value: p})));
  const body = el('tbody');
  state.rows.forEach((row, i) => {
    const id = `style-row-${i}`;
    const change = (key) => (e) => {
      row[key] = e.target.type === 'checkbox' ? e.target.checked : e.target.value;
      if (key === 'palette' && colour) colour.value = hexColour(row.palette) || colour.value;
      applyStyle();
    };
    const colour = el('input', {type: 'color', 'aria-label': `${row.label} colour`,
                                value: hexColour(row.palette) || '#ffffff',
                                onchange: (e) => { row.palette = e.target.value; palette.value = row.palette; applyStyle(); }});
    const palette = el('input', {class: 'palette', list: 'palettes', value: row.palette,
                                 'aria-label': `${row.label} palette`, onchange: change('palette')});
    body.append(el('tr', {},
      el('td', {}, el('input', {type: 'checkbox', id, checked: row.enabled,
                                onchange: change('enabled')})),
      el('th', {scope: 'row'}, el('label', {for: id}, row.label)),
      el('td', {}, el('input', {class: 'limit', value: row.min, placeholder: 'auto',
                                'aria-label': `${row.label} minimum`, onchange: change('min')})),
      el('td', {}, el('input', {class: 'limit', value: row.max, placeholder: 'auto',
                                'aria-label': `${row.label} maximum`, onchange: change('max')})),
      el('td', {class: 'palette-cell'}, colour, palette)));
  });
  return el('div', {class: 'style-table'}, datalist,
            el('table', {}, el('thead', {}, el('tr', {},
              el('th', {scope: 'col'}, el('span', {class: 'visually-hidden'}, 'Shown')),
              el('th', {scope: 'col'}, 'Channel'), el('th', {scope: 'col'}, 'Min'),
              el('th', {scope: 'col'}, 'Max'), el('th', {scope: 'col'}, 'Palette'))), body),
            el('p', {class: 'muted note'},
               'Min / max: a number, auto, min, max, full, or min:0.02 (histogram threshold). ' +
               'Palette: a colour (#f00) or a palette name (viridis).'));
}

function jsonEditor() {
  const area = el('textarea', {id: 'style-json', rows: 8, spellcheck: 'false',
                               'aria-label': 'Style JSON'},
                  state.jsonStyle ? JSON.stringify(state.jsonStyle, null, 2) : '');
  const apply = el('button', {type: 'button', onclick: () => {
    const text = area.value.trim();
    try {
      state.jsonStyle = text ? JSON.parse(text) : null;
    } catch (err) {
      showMessage($('style-message'), 'Not valid JSON: ' + err.message);
      return;
    }
    applyStyle();
  }}, 'Apply');
  return el('div', {class: 'json-editor'}, area, apply);
}

function hexColour(text) {
  const t = String(text || '').trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(t)) return t;
  if (/^#[0-9a-f]{3}$/.test(t)) return '#' + [...t.slice(1)].map((c) => c + c).join('');
  return null;
}

function applyStyle() {
  const msg = $('style-message');
  try {
    currentStyle();  // validates the rows
  } catch (err) {
    if (msg) showMessage(msg, errorText(err));
    return;
  }
  msg?.replaceChildren();
  reopen();
}

// --- not (yet) a large image

function offerLargeImage(user) {
  const box = $('make-large-image');
  viewerEl.dataset.state = 'none';
  const parts = [el('p', {}, 'This item is not a large image yet.')];
  if (user) {
    const status = el('div');
    const button = el('button', {type: 'button', id: 'make-large-image-button', onclick: async () => {
      button.disabled = true;
      try {
        state.item = await makeLargeImage(itemId, status);
        box.replaceChildren();
        await showImage();
      } catch (err) {
        showError(status, err);
        button.disabled = false;
      }
    }}, 'Make large image');
    parts.push(button, status);
  }
  box.replaceChildren(...parts);
}

async function followPendingJob() {
  const box = $('make-large-image');
  const progress = jobProgress();
  box.replaceChildren(el('p', {}, 'The large image is being made…'), progress.node);
  const job = await waitForJob(state.item.largeImage.jobId, progress.update);
  if (job.status !== JobStatus.SUCCESS) throw new Error('The conversion did not finish.');
  state.item = await api.get(`/item/${itemId}`);
  box.replaceChildren();
}

// --- start

async function showImage() {
  state.meta = await api.get(`/item/${itemId}/tiles`);
  const frames = state.meta.frames || [];
  state.frame = frames.length > 1 ? 0 : null;
  state.position = frames.length > 1 ? positionOf(state.meta, 0) : {};
  state.rows = initialRows(state.meta, (c) => frameAt(state.meta, {...state.position, IndexC: c}));
  renderInfo();
  renderFrames();
  renderStyle();
  if (!viewer) createViewer();
  reopen();
  renderAssociatedImages();
}

async function main() {
  window.tessera = {viewer: null, state, reopen};
  const user = await renderHeader();
  if (!itemId) {
    showMessage(message, 'No item given (item.html?id=…).');
    return;
  }
  try {
    state.item = await api.get(`/item/${itemId}`);
  } catch (err) {
    viewerEl.dataset.state = 'failed';
    document.title = 'Item unavailable · Tessera';
    document.querySelector('.item-layout').hidden = true;
    showError(message, err);
    return;
  }
  const item = state.item;
  document.title = `${item.name} · Tessera`;
  $('item-name').textContent = item.name;
  renderInfo();
  if (item.folderId) {
    folderTrail(item.folderId).then((trail) => renderBreadcrumbs($('breadcrumbs'),
                                                                 trail.concat([{name: item.name}])));
  } else {
    renderBreadcrumbs($('breadcrumbs'), [{name: item.name}]);
  }
  try {
    const li = largeImageState(item);
    if (li === 'pending' && item.largeImage.jobId) await followPendingJob();
    if (largeImageState(state.item) === 'none') {
      offerLargeImage(user);
      return;
    }
    await showImage();
  } catch (err) {
    viewerEl.dataset.state = 'failed';
    showError(message, err, 'The image could not be shown');
  }
}

main();
