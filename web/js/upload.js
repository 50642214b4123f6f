// Girder's resumable chunked upload:
//   POST /file?parentType=folder&parentId=..&name=..&size=..&mimeType=..  → upload document
//   POST /file/chunk?uploadId=..&offset=n  (body: the raw bytes)          → upload document, or
//                                                                           the file document
//                                                                           after the last one
//   GET  /file/offset?uploadId=..                                         → {"offset": n}
// A chunk that fails on the network (no answer), or that the server refuses for its offset, is
// resent from the offset the server reports. A chunk too large for the server (413, or a
// connection dropped with nothing received) is sent again in halves, down to MIN_CHUNK_BYTES.
// Any other error ends the upload with the server's message.

import {api, ApiError} from './api.js';

export const CHUNK_BYTES = 8 * 1024 * 1024;
export const MIN_CHUNK_BYTES = 256 * 1024;
const RETRIES = 6;

// Girder answers the file (it has an itemId) once every byte is there; an empty file is
// finished at once.
function isFile(doc) {
  return !!doc && (doc._modelType === 'file' || doc.itemId !== undefined);
}

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('Aborted', 'AbortError'));
    }, {once: true});
  });
}

// Uploads `file` (a File or Blob with a name) into the folder. onProgress(bytesSent, total).
// Resolves to Girder's file document {_id, itemId, name, size}.
export async function uploadFile(file, folderId, {onProgress = () => {}, signal,
                                                  chunkBytes = CHUNK_BYTES} = {}) {
  const size = file.size;
  let doc = await api.post('/file', {
    parentType: 'folder', parentId: folderId, name: file.name, size,
    mimeType: file.type || 'application/octet-stream',
  }, {signal});
  if (isFile(doc)) {
    onProgress(size, size);
    return doc;
  }
  const uploadId = doc._id;
  let offset = 0;
  let failures = 0;
  onProgress(0, size);
  while (offset < size) {
    const end = Math.min(size, offset + chunkBytes);
    try {
      doc = await api.post('/file/chunk', {uploadId, offset}, {
        body: file.slice(offset, end),
        headers: {'Content-Type': 'application/octet-stream'},
        signal,
      });
      failures = 0;
      offset = end;
      onProgress(offset, size);
      if (isFile(doc)) return doc;
    } catch (err) {
      if (err.name === 'AbortError' || !(err instanceof ApiError) || ++failures > RETRIES) {
        throw err;
      }
      const tooLarge = err.status === 413;
      if (err.status !== 0 && !tooLarge && err.status !== 400) throw err;
      if (err.status === 0) await pause(250 * 2 ** (failures - 1), signal);
      // Where is the server? (The browser itself may resend a chunk whose connection dropped,
      // so a 400 for the offset can mean the bytes did arrive.)
      let serverOffset;
      try {
        serverOffset = Number((await api.get('/file/offset', {uploadId}, {signal})).offset);
      } catch (again) {
        if (again instanceof ApiError && again.status === 0 && err.status === 0) continue;
        throw err;
      }
      if (!Number.isFinite(serverOffset)) throw err;
      if (serverOffset === offset) {
        if (err.status === 400) throw err;  // refused for another reason
        // Nothing arrived: a chunk the server will not take whole. Smaller ones may pass.
        if (tooLarge && chunkBytes <= MIN_CHUNK_BYTES) throw err;
        chunkBytes = Math.max(MIN_CHUNK_BYTES, Math.floor(chunkBytes / 2));
      }
      offset = serverOffset;
      onProgress(offset, size);
    }
  }
  // The server took every byte but answered no file document.
  throw new ApiError('The upload ended without a file from the server.', 0, doc);
}
