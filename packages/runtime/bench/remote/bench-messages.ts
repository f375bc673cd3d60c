// Shapes that cross the IPC channel between the remote benchmarks and their TaskManager processes.
import type { NetworkOptions } from '@sluice/network';
import type { SerializerSpec } from '../../src/serialization/index.js';

/** One producer subtask: a partition of `numSubpartitions` subpartitions, known to consumers by `partitionId` (hex). */
export interface ProducerSpec {
  index: number;
  partitionId: string;
  numSubpartitions: number;
}

/** One consumer subtask: one channel per producer subpartition it reads; local when the producer is in the same TM. */
export interface ConsumerSpec {
  index: number;
  channels: Array<{ producerUrl: string; partitionId: string; subpartitionIndex: number }>;
}

/** Sent once as argv[2] (JSON) to a TaskManager process. */
export interface BenchTaskManagerArgs {
  name: string;
  network: NetworkOptions;
}

export type ToBenchTaskManager =
  | {
      type: 'deploy';
      producers: ProducerSpec[];
      consumers: ConsumerSpec[];
      serializer: SerializerSpec;
      mode: 'bench' | 'verify';
      numRecords: number;
      /** Consumers across the whole job, for the order check (consumer index = subpartition index). */
      numConsumers: number;
      numProducers: number;
      payloadChars: number;
    }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'stall'; consumer: number; stalled: boolean }
  | { type: 'sample' }
  | { type: 'shutdown' };

export type FromBenchTaskManager =
  | { type: 'listening'; url: string }
  | { type: 'deployed' }
  | { type: 'produced'; index: number; numRecords: number }
  | { type: 'consumed'; index: number; numRecords: number; elapsedMs: number; errors: string[]; perProducer: number[]; bytesIn: number }
  | { type: 'sample'; atMs: number; consumers: Array<{ index: number; numRecordsIn: number }>; pools: PoolSample[] }
  | { type: 'closed'; leakedSegments: number }
  | { type: 'error'; message: string };

/** Buffers a remote gate holds, for the credit invariant. */
export interface PoolSample {
  consumer: number;
  buffersHeld: number;
  maxBuffers: number;
  /** Per remote channel: free buffers reserved (credit), floating among them, buffers the subtask holds, sender backlog. */
  channels: Array<{ reserved: number; floating: number; queued: number; backlog: number }>;
}
