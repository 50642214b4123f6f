// Small DOM helpers and the parts every page shows: the header bar with the user, messages,
// breadcrumbs and a pager.

import {currentUser, logout, userName, api} from './api.js';

// el('a', {href: '/', class: 'x'}, 'text', child...): attributes starting with "on" are event
// listeners; `dataset` is an object; null / false children are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'class') {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Runs `render` (which rebuilds controls) and gives the focus back to the control with the
// same id, so keyboard users keep their place.
export function keepFocus(render) {
  const id = document.activeElement?.id;
  render();
  if (id && document.activeElement?.id !== id) document.getElementById(id)?.focus();
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

export function formatDate(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

// A message box: kind is 'error', 'info' or 'success'. Replaces the container's content.
export function showMessage(container, text, kind = 'error') {
  const box = el('div', {class: 'message ' + kind, role: kind === 'error' ? 'alert' : 'status'},
                 text);
  container.replaceChildren(box);
  return box;
}

export function errorText(err) {
  if (!err) return 'Unknown error';
  return err.message || String(err);
}

// An error that says how to get access when the answer was 401.
export function showError(container, err, what = '') {
  const text = (what ? what + ': ' : '') + errorText(err);
  const box = showMessage(container, text, 'error');
  if (err && err.status === 401) {
    box.append(' ', el('a', {href: loginHref()}, 'Log in'));
  }
  return box;
}

export function loginHref() {
  return 'login.html?next=' + encodeURIComponent(location.pathname + location.search);
}

// The header bar: brand, navigation, and the user with a logout button (or a login link).
// Resolves to the current user (or null).
export async function renderHeader() {
  const header = document.getElementById('site-header');
  const userBox = el('div', {class: 'user', 'aria-live': 'polite'});
  header.replaceChildren(
    el('a', {class: 'brand', href: 'index.html'}, 'Tessera'),
    el('nav', {'aria-label': 'Main'}, el('a', {href: 'index.html'}, 'Browse')),
    userBox,
  );
  let user = null;
  try {
    user = await currentUser();
  } catch (err) {
    userBox.append(el('span', {class: 'muted'}, 'Server unavailable'));
    return null;
  }
  if (user) {
    userBox.append(
      el('span', {class: 'user-name', title: user.email || ''},
         el('span', {class: 'muted'}, 'Signed in as '), el('strong', {}, user.login || userName(user))),
      el('button', {
        type: 'button', class: 'secondary', id: 'logout',
        onclick: async () => {
          try {
            await logout();
          } finally {
            location.href = 'login.html';
          }
        },
      }, 'Log out'),
    );
  } else {
    userBox.append(el('a', {class: 'button', id: 'login-link', href: loginHref()}, 'Log in'));
  }
  return user;
}

// --- breadcrumbs

// The path from a collection or user down to a folder, as [{type, id, name}], root first.
// Uses Girder's /folder/{id}/rootpath, or walks /folder/{id} up when that is not there.
export async function folderTrail(folderId) {
  let folder;
  try {
    folder = await api.get(`/folder/${folderId}`);
  } catch (err) {
    return [{type: 'folder', id: folderId, name: folderId}];
  }
  const here = {type: 'folder', id: folder._id, name: folder.name};
  try {
    const root = await api.get(`/folder/${folderId}/rootpath`);
    if (Array.isArray(root)) {
      return root.map(({type, object}) => ({type, id: object._id, name: nameOf(type, object)}))
          .concat([here]);
    }
  } catch {
    // fall through to the walk
  }
  const trail = [here];
  let parentType = folder.parentCollection, parentId = folder.parentId;
  for (let depth = 0; parentId && depth < 64; depth++) {
    try {
      const parent = await api.get(`/${parentType}/${parentId}`);
      trail.unshift({type: parentType, id: parent._id, name: nameOf(parentType, parent)});
      if (parentType !== 'folder') break;
      parentType = parent.parentCollection;
      parentId = parent.parentId;
    } catch {
      trail.unshift({type: parentType, id: parentId, name: parentType});
      break;
    }
  }
  return trail;
}

function nameOf(type, object) {
  if (type === 'user') return object.login || userName(object);
  return object.name || object._id;
}

export function browseHref(type, id) {
  return `index.html?${encodeURIComponent(type)}=${encodeURIComponent(id)}`;
}

// <nav aria-label="Breadcrumb"><ol>…</ol></nav>; the last entry is the current page.
export function renderBreadcrumbs(container, trail) {
  const items = [{name: 'Home', href: 'index.html'}].concat(
    trail.map((t) => ({name: t.name, href: t.href || (t.type ? browseHref(t.type, t.id) : null)})));
  const ol = el('ol');
  items.forEach((t, i) => {
    const last = i === items.length - 1;
    ol.append(el('li', {},
                 last || !t.href ? el('span', {'aria-current': last ? 'page' : null}, t.name)
                                 : el('a', {href: t.href}, t.name)));
  });
  container.replaceChildren(el('nav', {class: 'breadcrumbs', 'aria-label': 'Breadcrumb'}, ol));
}

// --- paging

// "1–50 of 230" with Previous / Next links that set `param` in the page's query string.
export function renderPager(page, param, label) {
  const {offset, limit, rows, hasMore, total} = page;
  if (offset === 0 && !hasMore) return null;
  const link = (to, text, rel) => {
    const params = new URLSearchParams(location.search);
    if (to > 0) params.set(param, String(to)); else params.delete(param);
    return el('a', {class: 'button secondary', href: '?' + params.toString(), rel}, text);
  };
  const first = rows.length ? offset + 1 : offset;
  const range = `${first}–${offset + rows.length}` + (total !== null ? ` of ${total}` : '');
  return el('nav', {class: 'pager', 'aria-label': label + ' pages'},
            offset > 0 ? link(Math.max(0, offset - limit), '‹ Previous', 'prev') : null,
            el('span', {class: 'muted'}, range),
            hasMore ? link(offset + limit, 'Next ›', 'next') : null);
}
