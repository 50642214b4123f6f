// The browser: collections and the user's home folders at the top, then folders and their
// items (cards with thumbnails), search results, breadcrumbs and paging. Where we are is in the
// query string (?collection=, ?user=, ?folder=, ?text=, and folderOffset / itemOffset), so
// links, reloads and the back button all work.

import {api, getPage, apiUrl} from './api.js';
import {el, renderHeader, renderBreadcrumbs, renderPager, folderTrail, browseHref, showError,
        formatBytes} from './ui.js';
import {makeLargeImage, largeImageState, jobProgress, waitForJob, JobStatus} from './jobs.js';

const FOLDER_PAGE = 50;
const ITEM_PAGE = 24;
const THUMB = {width: 240, height: 180};

const params = new URLSearchParams(location.search);
const content = document.getElementById('content');
const message = document.getElementById('message');
const breadcrumbs = document.getElementById('breadcrumbs');
const searchForm = document.getElementById('search-form');
const offsetOf = (name) => Math.max(0, parseInt(params.get(name) || '0', 10) || 0);

let user = null;

// --- pieces

function section(title, ...children) {
  const id = 'h-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return el('section', {'aria-labelledby': id}, el('h2', {id}, title), ...children);
}

// A small inline icon (no icon font, no emoji: headless and minimal systems lack them).
function icon(kind) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'icon ' + kind);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', kind === 'collection'
    ? 'M2 2h12v3H2z M2 6.5h12v3H2z M2 11h12v3H2z'
    : 'M1 3h5l1.5 1.5H15V13H1z');
  svg.append(path);
  return svg;
}

function entryList(entries, emptyText) {
  if (!entries.length) return el('p', {class: 'muted'}, emptyText);
  return el('ul', {class: 'entries'}, entries.map(({href, name, detail, kind}) =>
    el('li', {}, el('a', {href}, icon(kind || 'folder'), el('span', {class: 'entry-name'}, name)),
       detail ? el('span', {class: 'muted'}, detail) : null)));
}

function folderEntries(folders) {
  return folders.map((f) => ({href: browseHref('folder', f._id), name: f.name,
                              detail: f.description || (f.public === false ? 'private' : '')}));
}

function itemCard(item) {
  const card = el('article', {class: 'card item-card', dataset: {itemId: item._id}});
  fillCard(card, item);
  return card;
}

function fillCard(card, item) {
  const href = `item.html?id=${encodeURIComponent(item._id)}`;
  const state = largeImageState(item);
  const details = [formatBytes(item.size)];
  if (item.largeImage?.sourceName) details.push(item.largeImage.sourceName);
  const visual = state === 'ready'
    ? el('img', {class: 'thumb', loading: 'lazy', alt: '', width: THUMB.width, height: THUMB.height,
                 src: apiUrl(`/item/${item._id}/tiles/thumbnail`, THUMB)})
    : el('div', {class: 'thumb placeholder', 'aria-hidden': 'true'}, 'No image');
  const actions = el('div', {class: 'card-actions'});
  card.replaceChildren(el('a', {class: 'card-link', href}, visual,
                            el('span', {class: 'name'}, item.name)),
                       el('div', {class: 'detail muted'}, details.filter(Boolean).join(' · ')),
                       actions);
  if (state === 'none' && user) {
    actions.append(el('button', {
      type: 'button', class: 'secondary make-large-image',
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        try {
          fillCard(card, await makeLargeImage(item._id, actions));
        } catch (err) {
          fillCard(card, item);  // the button again, to retry
          const why = el('div');
          card.querySelector('.card-actions').prepend(why);
          showError(why, err);
        }
      },
    }, 'Make large image'));
  } else if (state === 'pending' && item.largeImage.jobId) {
    followJob(card, item, actions);
  }
}

async function followJob(card, item, actions) {
  const progress = jobProgress();
  actions.replaceChildren(progress.node);
  try {
    const job = await waitForJob(item.largeImage.jobId, progress.update);
    if (job.status === JobStatus.SUCCESS) fillCard(card, await api.get(`/item/${item._id}`));
  } catch (err) {
    showError(actions, err);
  }
}

async function itemsSection(title, query, emptyText) {
  const page = await getPage('/item', query, {limit: ITEM_PAGE, offset: offsetOf('itemOffset')});
  const grid = page.rows.length ? el('div', {class: 'grid'}, page.rows.map(itemCard))
                                : el('p', {class: 'muted'}, emptyText);
  return section(title, grid, renderPager(page, 'itemOffset', 'Item'));
}

// `hideEmpty`: nothing at all when there is no folder (a folder that holds only items).
async function foldersSection(title, parentType, parentId, {hideEmpty = false} = {}) {
  const page = await getPage('/folder', {parentType, parentId},
                             {limit: FOLDER_PAGE, offset: offsetOf('folderOffset')});
  if (hideEmpty && !page.rows.length && page.offset === 0) return null;
  return section(title, entryList(folderEntries(page.rows), 'No folders here.'),
                 renderPager(page, 'folderOffset', 'Folder'));
}

// --- views

async function showRoot() {
  renderBreadcrumbs(breadcrumbs, []);
  const parts = [];
  if (user) {
    const home = await api.get('/folder', {parentType: 'user', parentId: user._id, limit: 100});
    parts.push(section('My folders', entryList(folderEntries(home), 'You have no folders.')));
  }
  const page = await getPage('/collection', {}, {limit: FOLDER_PAGE,
                                                 offset: offsetOf('folderOffset')});
  parts.push(section('Collections',
                     entryList(page.rows.map((c) => ({href: browseHref('collection', c._id),
                                                      name: c.name, detail: c.description,
                                                      kind: 'collection'})),
                               user ? 'No collections.' :
                                      'No public collections. Log in to see more.'),
                     renderPager(page, 'folderOffset', 'Collection')));
  content.replaceChildren(...parts);
}

async function showCollection(id) {
  const collection = await api.get(`/collection/${id}`).catch(() => ({_id: id, name: id}));
  renderBreadcrumbs(breadcrumbs, [{type: 'collection', id, name: collection.name}]);
  document.title = `${collection.name} · Tessera`;
  content.replaceChildren(await foldersSection('Folders', 'collection', id));
}

async function showUser(id) {
  const owner = await api.get(`/user/${id}`).catch(() => ({_id: id, login: id}));
  renderBreadcrumbs(breadcrumbs, [{type: 'user', id, name: owner.login || id}]);
  content.replaceChildren(await foldersSection('Folders', 'user', id));
}

async function showFolder(id) {
  const trailPromise = folderTrail(id);
  const [folders, items] = await Promise.all([
    foldersSection('Folders', 'folder', id, {hideEmpty: true}),
    itemsSection('Items', {folderId: id}, 'No items in this folder.'),
  ]);
  const trail = await trailPromise;
  renderBreadcrumbs(breadcrumbs, trail);
  document.title = `${trail[trail.length - 1].name} · Tessera`;
  const tools = el('div', {class: 'actions'});
  if (user) {
    tools.append(el('a', {class: 'button', id: 'upload-link',
                          href: `upload.html?folderId=${encodeURIComponent(id)}`},
                    'Upload files'));
  }
  content.replaceChildren(...[tools, folders, items].filter(Boolean));
}

async function showSearch(text) {
  renderBreadcrumbs(breadcrumbs, [{name: `Search: “${text}”`}]);
  document.title = `Search: ${text} · Tessera`;
  content.replaceChildren(await itemsSection('Matching items', {text}, 'No item matches.'));
}

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = searchForm.text.value.trim();
  location.href = text ? `index.html?text=${encodeURIComponent(text)}` : 'index.html';
});

async function main() {
  user = await renderHeader();
  const text = params.get('text');
  if (text) searchForm.text.value = text;
  content.setAttribute('aria-busy', 'true');
  try {
    if (text) await showSearch(text);
    else if (params.get('folder')) await showFolder(params.get('folder'));
    else if (params.get('collection')) await showCollection(params.get('collection'));
    else if (params.get('user')) await showUser(params.get('user'));
    else await showRoot();
  } catch (err) {
    showError(message, err);
  } finally {
    content.removeAttribute('aria-busy');
  }
}

main();
