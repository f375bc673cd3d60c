// Starts a worker_thread on a TypeScript entry through the tsx bootstrap (ts-worker-bootstrap.mjs).
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('./ts-worker-bootstrap.mjs', import.meta.url));

/**
 * Starts a worker thread that runs the TypeScript module `entry`.
 *
 * @param entry absolute path or `file:` URL of the `.ts` module to run in the new thread
 * @param options ordinary WorkerOptions; `workerData` reaches the entry unchanged
 */
export function createTsWorker(entry: string | URL, options: WorkerOptions = {}): Worker {
  const entryUrl = entry instanceof URL ? entry.href : entry.startsWith('file:') ? entry : new URL(`file://${entry}`).href;
  const data = { ...(options.workerData ?? {}), __entry: entryUrl };
  return new Worker(BOOTSTRAP, { ...options, workerData: data });
}
