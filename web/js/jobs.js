// Making an item a large image: POST /item/{id}/tiles starts a conversion job (or answers null
// when the file can be tiled as it is); the job is polled until it ends, with its progress.

import {api} from './api.js';
import {el} from './ui.js';

export const JobStatus = {INACTIVE: 0, QUEUED: 1, RUNNING: 2, SUCCESS: 3, ERROR: 4, CANCELED: 5};
const STATUS_TEXT = ['Inactive', 'Queued', 'Running', 'Done', 'Failed', 'Canceled'];
const POLL_MS = 1000;

export function isFinished(job) {
  return job.status === JobStatus.SUCCESS || job.status === JobStatus.ERROR ||
         job.status === JobStatus.CANCELED;
}

// A <progress> with a status line, updated from job documents.
export function jobProgress() {
  const bar = el('progress', {max: 1, 'aria-label': 'Conversion progress'});
  const text = el('span', {class: 'job-text', role: 'status'});
  const node = el('div', {class: 'job'}, bar, text);
  return {
    node,
    update(job) {
      const p = job.progress || {};
      if (p.total > 0) {
        bar.max = p.total;
        bar.value = Math.min(p.current || 0, p.total);
      } else if (job.status === JobStatus.SUCCESS) {
        bar.max = 1;
        bar.value = 1;
      } else {
        bar.removeAttribute('value');  // indeterminate
      }
      const parts = [STATUS_TEXT[job.status] || `Status ${job.status}`];
      if (p.message) parts.push(p.message);
      if (p.total > 0 && job.status === JobStatus.RUNNING) {
        parts.push(Math.round(100 * (p.current || 0) / p.total) + '%');
      }
      text.textContent = parts.join(' · ');
      node.dataset.status = String(job.status);
    },
  };
}

// Polls a job until it ends; calls onUpdate with every document. Resolves to the last one.
export async function waitForJob(jobOrId, onUpdate, {signal} = {}) {
  let job = typeof jobOrId === 'string' ? await api.get(`/job/${jobOrId}`) : jobOrId;
  onUpdate(job);
  while (!isFinished(job)) {
    await new Promise((resolve, reject) => {
      const t = setTimeout(resolve, POLL_MS);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new DOMException('Aborted', 'AbortError'));
      }, {once: true});
    });
    job = await api.get(`/job/${job._id}`);
    onUpdate(job);
  }
  return job;
}

// Starts the conversion and follows it in `container`. Resolves to the item as it is afterwards;
// rejects with an Error saying why the job failed.
export async function makeLargeImage(itemId, container) {
  const progress = jobProgress();
  container.replaceChildren(progress.node);
  const job = await api.post(`/item/${itemId}/tiles`);
  if (job) {
    const last = await waitForJob(job, progress.update);
    if (last.status !== JobStatus.SUCCESS) {
      const why = last.progress?.message || STATUS_TEXT[last.status] || 'failed';
      throw new Error(`The conversion did not finish: ${why}`);
    }
  }
  return api.get(`/item/${itemId}`);
}

// Whether the item is a usable large image, is being made into one, or neither.
export function largeImageState(item) {
  const li = item.largeImage;
  if (!li) return 'none';
  if (li.expected || (li.jobId && !li.sourceName && !li.fileId)) return 'pending';
  return 'ready';
}
