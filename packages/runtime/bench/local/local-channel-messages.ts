// Shapes that cross postMessage between the local-channel benchmark's main thread and its subtask threads.
import type { InputGateDescriptor, NetworkAttachment, ResultPartitionDescriptor } from '@sluice/network';
import type { SerializerSpec } from '../../src/serialization/index.js';

/** workerData of a producer or consumer subtask thread. */
export interface LocalChannelWorkerData {
  role: 'producer' | 'consumer';
  /** Subtask index of this producer or consumer. */
  index: number;
  network: NetworkAttachment;
  partition?: ResultPartitionDescriptor;
  gate?: InputGateDescriptor;
  serializer: SerializerSpec;
  edgeName: string;
  /** Int32Array over this: [0] = stop flag set by the main thread; [1 + consumer index] = that consumer stalls while set. */
  control: SharedArrayBuffer;
  /** Per-subtask I/O metrics (TaskIoMetrics). */
  metrics: SharedArrayBuffer;
  /** 'bench': emit until stopped; 'verify': emit exactly `numRecords`, key = sequence, and check order downstream. */
  mode: 'bench' | 'verify';
  numRecords: number;
  numProducers: number;
  numConsumers: number;
  /** Records per second a consumer may process; 0 = unthrottled. */
  consumerRecordsPerSec: number;
  /** A payload string of this length is added to every record (msgpackr only); 0 = none. */
  payloadChars: number;
}

export type FromLocalChannelWorker =
  | { type: 'ready' }
  | { type: 'produced'; index: number; numRecords: number }
  | { type: 'consumed'; index: number; numRecords: number; elapsedMs: number; checksum: number; errors: string[]; perProducer: number[] };

export type ToLocalChannelWorker = { type: 'start' };
