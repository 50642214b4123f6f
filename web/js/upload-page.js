// Upload page: choose or drop files, upload each into the folder (?folderId=) with a progress
// bar, then link to the new items.

import {el, renderHeader, renderBreadcrumbs, folderTrail, showError, showMessage, formatBytes,
        loginHref} from './ui.js';
import {uploadFile} from './upload.js';

const folderId = new URLSearchParams(location.search).get('folderId');
const form = document.getElementById('upload-form');
const input = document.getElementById('file-input');
const drop = document.getElementById('drop-zone');
const chosen = document.getElementById('chosen');
const start = document.getElementById('upload-start');
const list = document.getElementById('uploads');
const message = document.getElementById('message');

let files = [];

function choose(fileList) {
  files = Array.from(fileList || []);
  chosen.textContent = files.length
    ? files.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ')
    : 'No file chosen.';
  start.disabled = files.length === 0;
}

input.addEventListener('change', () => choose(input.files));
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop']) {
  drop.addEventListener(type, () => drop.classList.remove('dragging'));
}
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  if (e.dataTransfer?.files?.length) choose(e.dataTransfer.files);
});

async function uploadOne(file) {
  const bar = el('progress', {max: file.size || 1, value: 0, 'aria-label': `${file.name} progress`});
  const status = el('span', {class: 'upload-status', role: 'status'}, 'Starting…');
  const row = el('li', {class: 'upload', dataset: {name: file.name, state: 'running'}},
                 el('div', {class: 'upload-name'}, file.name), bar, status);
  list.append(row);
  try {
    const doc = await uploadFile(file, folderId, {
      onProgress(sent, total) {
        bar.max = total || 1;
        bar.value = sent;
        status.textContent = `${formatBytes(sent)} of ${formatBytes(total)} (` +
            (total ? Math.floor(100 * sent / total) : 100) + '%)';
      },
    });
    bar.value = bar.max;
    row.dataset.state = 'done';
    row.dataset.itemId = doc.itemId;
    status.replaceChildren('Done. ', el('a', {class: 'item-link', href:
        `item.html?id=${encodeURIComponent(doc.itemId)}`}, `Open ${doc.name || file.name}`));
  } catch (err) {
    row.dataset.state = 'failed';
    showError(status, err, 'Upload failed');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!files.length) return;
  start.disabled = true;
  input.disabled = true;
  const batch = files;
  choose([]);
  for (const file of batch) await uploadOne(file);  // one at a time: the server's bandwidth
  input.disabled = false;
  input.value = '';
});

async function main() {
  const user = await renderHeader();
  if (!folderId) {
    showMessage(message, 'No folder given (upload.html?folderId=…).');
    form.hidden = true;
    return;
  }
  if (!user) {
    const box = showMessage(message, 'You must be logged in to upload.');
    box.append(' ', el('a', {href: loginHref()}, 'Log in'));
    form.hidden = true;
    return;
  }
  try {
    const trail = await folderTrail(folderId);
    renderBreadcrumbs(document.getElementById('breadcrumbs'), trail.concat([{name: 'Upload'}]));
    document.title = `Upload to ${trail[trail.length - 1].name} · Tessera`;
  } catch (err) {
    showError(message, err);
  }
}

main();
