// Runs producers and consumers as real subtask threads over local channels in one NetworkEnvironment.
import type { Worker } from 'node:worker_threads';
import { benchNetworkOverrides } from '../bench-env.js';
import { createTsWorker, LocalBufferPool, NetworkEnvironment, TaskIoMetrics, type NetworkOptions } from '@sluice/network';
import type { SerializerSpec } from '../../src/serialization/index.js';
import type { FromLocalChannelWorker, LocalChannelWorkerData } from './local-channel-messages.js';

// Worker entry: ./local-channel-worker.ts
const WORKER_ENTRY = new URL('./local-channel-worker.ts', import.meta.url);

/** The benchmark record shape: key an int, value a float, ts epoch ms (20 bytes typed, 24 with the length prefix). */
export const BENCH_SHAPE = { key: 'int32', value: 'float64', ts: 'float64' } as const;

export interface LocalTopologyOptions {
  numProducers: number;
  numConsumers: number;
  serializer: SerializerSpec;
  network?: NetworkOptions;
  /** 'bench': run for `seconds`; 'verify': each producer emits exactly `numRecords` records and consumers check order. */
  mode: 'bench' | 'verify';
  seconds?: number;
  numRecords?: number;
  consumerRecordsPerSec?: number;
  payloadChars?: number;
  /** Called every ~100 ms while running, with the producers' pools (to sample usage and memory). */
  onSample?: (sample: { env: NetworkEnvironment; pools: LocalBufferPool[]; producerMetrics: TaskIoMetrics[] }) => void;
}

export interface LocalTopologyResult {
  numProduced: number;
  numConsumed: number;
  recordsPerSec: number;
  bytesPerSec: number;
  errors: string[];
  /** Per consumer, records received from each producer. */
  perProducer: number[][];
  producerMetrics: ReturnType<TaskIoMetrics['snapshot']>[];
  consumerMetrics: ReturnType<TaskIoMetrics['snapshot']>[];
}

/**
 * Builds `numProducers` partitions of `numConsumers` subpartitions each, and `numConsumers` gates each
 * reading subpartition `j` of every producer (all-to-all), starts one thread per subtask, runs, and
 * checks that every segment came back to the network buffer pool.
 */
export async function runLocalTopology(options: LocalTopologyOptions): Promise<LocalTopologyResult> {
  const env = new NetworkEnvironment({ ...(options.network ?? {}), ...benchNetworkOverrides() });
  const gateSignals = Array.from({ length: options.numConsumers }, () => env.allocateSignal());
  const partitions = Array.from({ length: options.numProducers }, () => env.createResultPartition(options.numConsumers, gateSignals));
  const gates = gateSignals.map((signal, j) => ({ signal, channels: partitions.map((p) => ({ kind: 'local' as const, queueId: p.queueIds[j] })) }));
  const control = new SharedArrayBuffer(4);
  const producerMetrics = partitions.map(() => TaskIoMetrics.create());
  const consumerMetrics = gates.map(() => TaskIoMetrics.create());
  const base = {
    network: env.attachment, serializer: options.serializer, edgeName: 'producer -> consumer', control,
    mode: options.mode, numRecords: options.numRecords ?? 0, numProducers: options.numProducers, numConsumers: options.numConsumers,
    consumerRecordsPerSec: options.consumerRecordsPerSec ?? 0, payloadChars: options.payloadChars ?? 0,
  };
  const workers: Worker[] = [];
  const messages: FromLocalChannelWorker[] = [];
  const spawn = (data: LocalChannelWorkerData) => {
    const worker = createTsWorker(WORKER_ENTRY, { workerData: data });
    workers.push(worker);
    return worker;
  };
  partitions.forEach((partition, index) => spawn({ ...base, role: 'producer', index, partition, metrics: producerMetrics[index].sab }));
  gates.forEach((gate, index) => spawn({ ...base, role: 'consumer', index, gate, metrics: consumerMetrics[index].sab }));

  let sampler: NodeJS.Timeout | undefined;
  try {
    const failed = new Promise<never>((_, reject) => {
      for (const worker of workers) {
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`a subtask thread exited with code ${code}`));
        });
      }
    });
    const next = (type: FromLocalChannelWorker['type'], count: number, type2?: FromLocalChannelWorker['type'], count2 = 0) =>
      Promise.race([
        failed,
        new Promise<void>((resolve) => {
          const check = () => {
            if (messages.filter((m) => m.type === type).length >= count && messages.filter((m) => m.type === type2).length >= count2) resolve();
          };
          for (const worker of workers) worker.on('message', (m: FromLocalChannelWorker) => { messages.push(m); check(); });
          check();
        }),
      ]);
    const allReady = next('ready', workers.length);
    await allReady;
    for (const worker of workers) worker.removeAllListeners('message');
    const done = next('consumed', options.numConsumers, 'produced', options.numProducers);
    for (const worker of workers) worker.postMessage({ type: 'start' });
    if (options.onSample) {
      const pools = partitions.map((p) => new LocalBufferPool(env.memory, p.poolId, env.waitOptions));
      sampler = setInterval(() => options.onSample!({ env, pools, producerMetrics }), 100);
    }
    if (options.mode === 'bench') {
      await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, (options.seconds ?? 5) * 1000))]);
      Atomics.store(new Int32Array(control), 0, 1);
    }
    await done;
  } finally {
    if (sampler) clearInterval(sampler);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  for (const partition of partitions) env.releasePartition(partition);
  for (const gate of gates) env.releaseInputGate(gate);
  env.assertNoLeaks();

  const consumed = messages.filter((m): m is Extract<FromLocalChannelWorker, { type: 'consumed' }> => m.type === 'consumed');
  const produced = messages.filter((m): m is Extract<FromLocalChannelWorker, { type: 'produced' }> => m.type === 'produced');
  const numConsumed = consumed.reduce((sum, m) => sum + m.numRecords, 0);
  const numProduced = produced.reduce((sum, m) => sum + m.numRecords, 0);
  const elapsedMs = Math.max(...consumed.map((m) => m.elapsedMs));
  const bytes = consumerMetrics.reduce((sum, m) => sum + m.get('numBytesInLocal'), 0);
  const errors = consumed.flatMap((m) => m.errors);
  if (numConsumed !== numProduced) errors.push(`produced ${numProduced} records but consumed ${numConsumed}`);
  return {
    numProduced, numConsumed, errors,
    recordsPerSec: numConsumed / (elapsedMs / 1000),
    bytesPerSec: bytes / (elapsedMs / 1000),
    perProducer: consumed.sort((a, b) => a.index - b.index).map((m) => m.perProducer),
    producerMetrics: producerMetrics.map((m) => m.snapshot()),
    consumerMetrics: consumerMetrics.map((m) => m.snapshot()),
  };
}
