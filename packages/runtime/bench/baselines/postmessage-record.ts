// Baseline: two worker threads passing one record per postMessage over a MessageChannel, with an ack window.
import { MessageChannel, type Worker } from 'node:worker_threads';
import { createTsWorker } from '@sluice/network';
import type { ConsumerWorkerData, FromWorker, ProducerWorkerData, ToProducer } from './worker-messages.js';

// Worker entries this file starts:
const PRODUCER_ENTRY = new URL('./postmessage-producer-worker.ts', import.meta.url);
const CONSUMER_ENTRY = new URL('./postmessage-consumer-worker.ts', import.meta.url);

/** The consumer acks every this many records: one ack message per 1024 records costs the consumer < 0.1 %. */
export const ACK_EVERY = 1024;
/** At most this many records in flight (four acks' worth), so the consumer's port queue stays bounded. */
export const WINDOW_SIZE = 4 * ACK_EVERY;

/** Beyond `seconds`, how long to wait for the workers (tsx start-up, draining) before giving up. */
const SLACK_MS = 30_000;

/** Result of one {@link runPostMessageRecord} run. */
export interface PostMessageRecordResult {
  readonly case: 'postmessage-record';
  /** Records counted by the consumer, divided by the time from its first record to the end-of-data marker. */
  readonly recordsPerSec: number;
}

/**
 * Runs a producer worker that posts one `{key, value, ts}` object per `postMessage` to a consumer worker over
 * a `MessageChannel` (one port transferred to each), for about `seconds`.
 *
 * Flow control: the consumer posts an ack back over the same port every {@link ACK_EVERY} records, and the
 * producer keeps at most {@link WINDOW_SIZE} records unacknowledged; without a window, the producer outruns
 * the consumer and its queue grows without bound. Timing starts when both workers are loaded (tsx start-up
 * takes ~200 ms per worker and is not measured) and is taken by the consumer, from its first record to the
 * end-of-data marker the producer sends once its deadline passes. Both workers are terminated before this
 * resolves or rejects.
 *
 * @param options.seconds length of the run in seconds (> 0)
 */
export async function runPostMessageRecord(options: { readonly seconds: number }): Promise<PostMessageRecordResult> {
  const { seconds } = options;
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`runPostMessageRecord: seconds must be > 0, got ${seconds}`);

  const { port1, port2 } = new MessageChannel();
  const producer = createTsWorker(PRODUCER_ENTRY, {
    workerData: { port: port1, seconds, windowSize: WINDOW_SIZE } satisfies ProducerWorkerData,
    transferList: [port1],
  });
  const consumer = createTsWorker(CONSUMER_ENTRY, {
    workerData: { port: port2, ackEvery: ACK_EVERY } satisfies ConsumerWorkerData,
    transferList: [port2],
  });
  try {
    const result = await measure(producer, consumer, seconds * 1000 + SLACK_MS);
    return { case: 'postmessage-record', recordsPerSec: result.numRecords / (result.elapsedMs / 1000) };
  } finally {
    await Promise.all([producer.terminate(), consumer.terminate()]);
  }
}

type Result = Extract<FromWorker, { type: 'result' }>;

/** Starts the producer once both workers are ready and resolves to the consumer's result and the producer's count. */
function measure(producer: Worker, consumer: Worker, timeoutMs: number): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    let numReady = 0;
    let numSent: number | undefined;
    let result: Result | undefined;
    const timer = setTimeout(() => fail(new Error(`postmessage-record: no result after ${timeoutMs} ms`)), timeoutMs);

    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    function maybeFinish(): void {
      if (result === undefined || numSent === undefined) return;
      clearTimeout(timer);
      if (result.numRecords !== numSent || !Number.isFinite(result.valueSum)) {
        reject(new Error(`postmessage-record: producer sent ${numSent} records, consumer counted ${result.numRecords}`));
      } else {
        resolve(result);
      }
    }
    function onMessage(msg: FromWorker): void {
      if (msg.type === 'ready') {
        numReady += 1;
        if (numReady === 2) producer.postMessage({ type: 'start' } satisfies ToProducer);
      } else if (msg.type === 'done') {
        numSent = msg.numSent;
        maybeFinish();
      } else {
        result = msg;
        maybeFinish();
      }
    }
    for (const [role, worker] of [['producer', producer], ['consumer', consumer]] as const) {
      worker.on('message', onMessage);
      worker.once('error', (err) => fail(new Error(`postmessage-record: ${role} worker failed: ${err.message}`, { cause: err })));
      worker.once('exit', (code) => {
        // The consumer may exit on its own once it has closed its port; Node delivers its last messages first.
        const hasReported = role === 'consumer' ? result !== undefined : numSent !== undefined;
        if (!hasReported) fail(new Error(`postmessage-record: ${role} worker exited early (code ${code})`));
      });
    }
  });
}
