// Runs producers and consumers in TaskManager processes connected by real WebSockets (credit or legacy mode).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { idToHex, randomId, type NetworkOptions } from '@sluice/network';
import type { SerializerSpec } from '../../src/serialization/index.js';
import { benchNetworkOverrides, benchTaskManagerNodeArgs } from '../bench-env.js';
import type { BenchTaskManagerArgs, ConsumerSpec, FromBenchTaskManager, ProducerSpec, ToBenchTaskManager } from './bench-messages.js';

// Process entry: ./bench-task-manager.ts
const TASK_MANAGER_ENTRY = fileURLToPath(new URL('./bench-task-manager.ts', import.meta.url));

/** A TaskManager process and its IPC channel. */
export class BenchTaskManager {
  readonly messages: FromBenchTaskManager[] = [];
  private waiters: Array<() => void> = [];
  private exitError: Error | null = null;
  url = '';

  private constructor(readonly name: string, readonly child: ChildProcess) {
    child.on('message', (message: FromBenchTaskManager) => {
      this.messages.push(message);
      if (message.type === 'error') this.exitError = new Error(`${name}: ${message.message}`);
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 && this.exitError === null) this.exitError = new Error(`${name} exited with ${signal ?? code}`);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Starts a TaskManager process and waits until its data server listens. */
  static async start(name: string, network: NetworkOptions): Promise<BenchTaskManager> {
    const args: BenchTaskManagerArgs = { name, network };
    const child = spawn(process.execPath, [...benchTaskManagerNodeArgs(), '--import', 'tsx', TASK_MANAGER_ENTRY, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const tm = new BenchTaskManager(name, child);
    const listening = await tm.next('listening');
    tm.url = listening.url;
    return tm;
  }

  send(message: ToBenchTaskManager): void {
    this.child.send(message);
  }

  /** Resolves with the next message of `type` not yet taken. */
  async next<T extends FromBenchTaskManager['type']>(type: T, timeoutMs = 120_000): Promise<Extract<FromBenchTaskManager, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => m.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Extract<FromBenchTaskManager, { type: T }>;
      if (this.exitError !== null) throw this.exitError;
      if (Date.now() > deadline) throw new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  /** Takes every message of `type` received so far. */
  take<T extends FromBenchTaskManager['type']>(type: T): Array<Extract<FromBenchTaskManager, { type: T }>> {
    const out = this.messages.filter((m) => m.type === type) as Array<Extract<FromBenchTaskManager, { type: T }>>;
    for (const m of out) this.messages.splice(this.messages.indexOf(m), 1);
    return out;
  }

  async sample(): Promise<Extract<FromBenchTaskManager, { type: 'sample' }>> {
    this.send({ type: 'sample' });
    return this.next('sample');
  }

  /** Stops the process cleanly and returns how many segments it leaked (0 expected). */
  async shutdown(): Promise<number> {
    if (this.child.exitCode !== null) return 0;
    this.send({ type: 'shutdown' });
    const closed = await this.next('closed', 30_000);
    await new Promise((resolve) => (this.child.exitCode !== null ? resolve(0) : this.child.once('exit', resolve)));
    return closed.leakedSegments;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export interface RemoteTopologyOptions {
  /** Producer subtasks per TaskManager, and consumer subtasks per TaskManager (one entry per TM). */
  producersPerTm: number[];
  consumersPerTm: number[];
  serializer: SerializerSpec;
  creditModel: boolean;
  network?: NetworkOptions;
  mode: 'bench' | 'verify';
  seconds?: number;
  numRecords?: number;
  payloadChars?: number;
  /** Consumers (global index) stalled from the start: they read nothing until `during` releases them. */
  stalledConsumers?: number[];
  /** 'all-to-all' (default): every consumer reads every producer; 'one-to-one': consumer i reads only producer i. */
  pairing?: 'all-to-all' | 'one-to-one';
  /** Called after start with the TaskManagers, e.g. to stall a consumer or sample; the run stops when it resolves (bench mode). */
  during?: (tms: BenchTaskManager[]) => Promise<void>;
}

export interface RemoteTopologyResult {
  numProduced: number;
  numConsumed: number;
  recordsPerSec: number;
  bytesPerSec: number;
  errors: string[];
  perProducer: number[][];
  leakedSegments: number;
}

/**
 * Starts one TaskManager process per entry of `producersPerTm`, deploys producers (one partition of
 * `numConsumers` subpartitions each) and consumers (each reading its subpartition of every producer:
 * all-to-all; local channels inside a TM, remote ones over the TMs' one shared connection), runs, and
 * shuts every process down, checking for leaked segments.
 */
export async function runRemoteTopology(options: RemoteTopologyOptions): Promise<RemoteTopologyResult> {
  const network: NetworkOptions = { ...(options.network ?? {}), ...benchNetworkOverrides(), creditModel: options.creditModel };
  const numTms = options.producersPerTm.length;
  const tms = await Promise.all(Array.from({ length: numTms }, (_, i) => BenchTaskManager.start(`tm-${i}`, network)));
  try {
    const numProducers = options.producersPerTm.reduce((a, b) => a + b, 0);
    const numConsumers = options.consumersPerTm.reduce((a, b) => a + b, 0);
    const producers: Array<ProducerSpec & { tm: number }> = [];
    const oneToOne = options.pairing === 'one-to-one';
    if (oneToOne && numProducers !== numConsumers) throw new RangeError('one-to-one pairing needs as many producers as consumers');
    for (let tm = 0; tm < numTms; tm++) {
      for (let i = 0; i < options.producersPerTm[tm]; i++) producers.push({ tm, index: producers.length, partitionId: idToHex(randomId()), numSubpartitions: oneToOne ? 1 : numConsumers });
    }
    const consumers: Array<ConsumerSpec & { tm: number }> = [];
    for (let tm = 0; tm < numTms; tm++) {
      for (let i = 0; i < options.consumersPerTm[tm]; i++) {
        const index = consumers.length;
        const channels = oneToOne
          ? [{ producerUrl: tms[producers[index].tm].url, partitionId: producers[index].partitionId, subpartitionIndex: 0 }]
          : producers.map((p) => ({ producerUrl: tms[p.tm].url, partitionId: p.partitionId, subpartitionIndex: index }));
        consumers.push({ tm, index, channels });
      }
    }
    for (let tm = 0; tm < numTms; tm++) {
      tms[tm].send({
        type: 'deploy', serializer: options.serializer, mode: options.mode, numRecords: options.numRecords ?? 0,
        numConsumers: oneToOne ? 1 : numConsumers, numProducers, payloadChars: options.payloadChars ?? 0,
        producers: producers.filter((p) => p.tm === tm), consumers: consumers.filter((c) => c.tm === tm),
      });
    }
    await Promise.all(tms.map((tm) => tm.next('deployed')));
    for (const index of options.stalledConsumers ?? []) tms[consumers[index].tm].send({ type: 'stall', consumer: index, stalled: true });
    for (const tm of tms) tm.send({ type: 'start' });
    if (options.mode === 'bench') {
      if (options.during) await options.during(tms);
      else await new Promise((resolve) => setTimeout(resolve, (options.seconds ?? 5) * 1000));
      for (const tm of tms) tm.send({ type: 'stop' });
    }
    const consumed = (await Promise.all(tms.map(async (tm, i) => {
      const mine = consumers.filter((c) => c.tm === i).length;
      const out = [];
      for (let k = 0; k < mine; k++) out.push(await tm.next('consumed')); return out;
    }))).flat();
    const produced = (await Promise.all(tms.map(async (tm, i) => {
      const mine = producers.filter((p) => p.tm === i).length;
      const out = [];
      for (let k = 0; k < mine; k++) out.push(await tm.next('produced')); return out;
    }))).flat();
    let leakedSegments = 0;
    for (const tm of tms) leakedSegments += await tm.shutdown();
    const numConsumed = consumed.reduce((sum, m) => sum + m.numRecords, 0);
    const numProduced = produced.reduce((sum, m) => sum + m.numRecords, 0);
    const elapsedMs = Math.max(...consumed.map((m) => m.elapsedMs));
    const bytes = consumed.reduce((sum, m) => sum + m.bytesIn, 0);
    const errors = consumed.flatMap((m) => m.errors);
    if (numConsumed !== numProduced) errors.push(`produced ${numProduced} records but consumed ${numConsumed}`);
    if (leakedSegments !== 0) errors.push(`${leakedSegments} segments leaked`);
    return {
      numProduced, numConsumed, errors, leakedSegments,
      recordsPerSec: numConsumed / (elapsedMs / 1000),
      bytesPerSec: bytes / (elapsedMs / 1000),
      perProducer: consumed.sort((a, b) => a.index - b.index).map((m) => m.perProducer),
    };
  } finally {
    for (const tm of tms) tm.kill();
  }
}
