// The shapes that cross postMessage in the baselines: main thread ⇄ node-streams worker, ⇄ producer/consumer workers.
import type { MessagePort } from 'node:worker_threads';
import type { BenchRecord } from './bench-record.js';
import type { NodeStreamsResult } from './node-streams-pipeline.js';

// ─── node-streams ───────────────────────────────────────────────────────────────────────────────────────────

/** `workerData` of `node-streams-worker.ts`. */
export interface NodeStreamsWorkerData {
  readonly seconds: number;
}

/** node-streams worker → main thread: its one result, posted just before it exits. */
export type FromNodeStreamsWorker = NodeStreamsResult;

// ─── postmessage-record ─────────────────────────────────────────────────────────────────────────────────────

/** `workerData` of `postmessage-producer-worker.ts`; `port` is transferred, so it is detached in the main thread. */
export interface ProducerWorkerData {
  readonly port: MessagePort;
  readonly seconds: number;
  /** Most records sent but not yet acknowledged by the consumer; at least `ackEvery`. */
  readonly windowSize: number;
}

/** `workerData` of `postmessage-consumer-worker.ts`; `port` is transferred, so it is detached in the main thread. */
export interface ConsumerWorkerData {
  readonly port: MessagePort;
  /** The consumer sends one {@link AckMessage} per this many records. */
  readonly ackEvery: number;
}

/** Producer → consumer over the port: one record per message, then `null` for end of data. */
export type DataMessage = BenchRecord | null;

/** Consumer → producer over the port: how many records were consumed since the previous ack. */
export type AckMessage = number;

/** Main thread → producer worker. */
export type ToProducer = { readonly type: 'start' };

/** Either worker → main thread. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly numSent: number }
  | { readonly type: 'result'; readonly numRecords: number; readonly elapsedMs: number; readonly valueSum: number };
