// Item list: every item with its thumbnail, linking to the viewer.
'use strict';

const grid = document.getElementById('items');
const search = document.getElementById('search');

function card(id, name, detail) {
  const a = document.createElement('a');
  a.className = 'card';
  a.href = 'viewer.html?id=' + encodeURIComponent(id);
  const img = document.createElement('img');
  img.loading = 'lazy';
  img.alt = name;
  img.src = '/api/v1/item/' + id + '/tiles/thumbnail?width=240&height=180&fill=%23f4f4f4';
  const title = document.createElement('div');
  title.className = 'name';
  title.textContent = name;
  const info = document.createElement('div');
  info.className = 'detail';
  info.textContent = detail;
  a.append(img, title, info);
  return a;
}

async function load() {
  const text = search.value.trim();
  const res = await fetch('/api/v1/item?limit=500' + (text ? '&text=' + encodeURIComponent(text) : ''));
  const items = await res.json();
  grid.replaceChildren();
  for (const item of items) {
    if (!item.largeImage) continue;
    grid.append(card(item._id, item.name, item.largeImage.sourceName));
  }
  if (!text) grid.append(card('test', 'Synthetic test image', 'test'));
}

search.addEventListener('input', () => load());
load();
