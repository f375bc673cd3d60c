// Baseline: the one-thread Node streams pipeline (Readable → Transform(map) → Writable) a Node user would write.
import { createTsWorker } from '@sluice/network';
import type { NodeStreamsResult } from './node-streams-pipeline.js';
import type { FromNodeStreamsWorker, NodeStreamsWorkerData } from './worker-messages.js';

// Worker entry this file starts:
const WORKER_ENTRY = new URL('./node-streams-worker.ts', import.meta.url);

/** Beyond `seconds`, how long to wait for the worker (tsx start-up, draining) before giving up. */
const SLACK_MS = 30_000;

/**
 * Runs the Node streams pipeline described at `runNodeStreamsPipeline` (objectMode Readable → Transform(map)
 * → Writable with `pipeline`, default highWaterMark) for about `seconds`, on one thread: a fresh worker thread,
 * while this thread waits.
 *
 * Why a fresh worker per run: only the first pipeline in a V8 isolate runs at full speed (~15 M records/s
 * here); every later one runs ~30 % slower because the first one's teardown generalized the stream objects'
 * maps. A fresh isolate per run gives the baseline its best case and makes `--runs` and the order of cases
 * irrelevant. The worker's start-up (~200 ms for tsx) is not measured; the pipeline times itself.
 *
 * @param options.seconds length of the run in seconds (> 0)
 */
export async function runNodeStreams(options: { readonly seconds: number }): Promise<NodeStreamsResult> {
  const { seconds } = options;
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`runNodeStreams: seconds must be > 0, got ${seconds}`);
  const worker = createTsWorker(WORKER_ENTRY, { workerData: { seconds } satisfies NodeStreamsWorkerData });
  try {
    return await new Promise<NodeStreamsResult>((resolve, reject) => {
      const timeoutMs = seconds * 1000 + SLACK_MS;
      const timer = setTimeout(() => reject(new Error(`node-streams: no result after ${timeoutMs} ms`)), timeoutMs);
      worker.once('message', (result: FromNodeStreamsWorker) => {
        clearTimeout(timer);
        resolve(result);
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`node-streams: worker failed: ${err.message}`, { cause: err }));
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node-streams: worker exited (code ${code}) without a result`));
      });
    });
  } finally {
    await worker.terminate();
  }
}
