// The TaskManager's network memory and the allocator of its pools, queues and signals.
import { LocalBufferPool, type WaitOptions } from './buffer/local-buffer-pool.js';
import { NetworkBufferPool } from './buffer/network-buffer-pool.js';
import type { InputGateDescriptor } from './consumer/input-gate.js';
import { NetworkError } from './errors.js';
import { P_IN_USE, P_SIGNAL } from './memory/layout.js';
import { NetworkMemory } from './memory/network-memory.js';
import { resolveNetworkOptions, type NetworkOptions, type ResolvedNetworkOptions } from './options.js';
import type { ResultPartitionDescriptor } from './partition/result-partition.js';
import { ResultSubpartition } from './partition/result-subpartition.js';
import { ResultSubpartitionView } from './partition/result-subpartition-view.js';

/** Everything a thread of the TaskManager needs to attach to its network memory. */
export interface NetworkAttachment {
  sab: SharedArrayBuffer;
  options: ResolvedNetworkOptions;
}

/**
 * Flink's NettyShuffleEnvironment, memory part: creates the TaskManager's one SharedArrayBuffer of
 * network memory and allocates pool slots, queue slots and signal words in it. Only this object
 * allocates; subtask threads attach to what it allocated through descriptors (plain data that crosses
 * postMessage).
 *
 * Owned by: the TaskManager main thread (or a test's or benchmark's main thread).
 */
export class NetworkEnvironment {
  readonly memory: NetworkMemory;
  readonly globalPool: NetworkBufferPool;
  private readonly freePools: number[] = [];
  private readonly freeQueues: number[] = [];
  private readonly freeSignals: number[] = [];
  /** Destroyed pools whose segments are not all back yet; their slots are freed once they are. */
  private readonly pendingPools: LocalBufferPool[] = [];

  constructor(options: NetworkOptions | ResolvedNetworkOptions = {}) {
    this.options = resolveNetworkOptions(options);
    this.memory = NetworkMemory.create(this.options);
    this.globalPool = new NetworkBufferPool(this.memory);
    for (let i = this.options.maxPools - 1; i >= 0; i--) this.freePools.push(i);
    for (let i = this.options.maxQueues - 1; i >= 0; i--) this.freeQueues.push(i);
    for (let i = this.options.maxQueues - 1; i >= 0; i--) this.freeSignals.push(i);
  }

  readonly options: ResolvedNetworkOptions;

  /** What another thread passes to {@link NetworkMemory.attach}, plus the resolved options. */
  get attachment(): NetworkAttachment {
    return { sab: this.memory.sab, options: this.options };
  }

  /** Spin and sleep settings for waits. */
  get waitOptions(): WaitOptions {
    return { spinBeforeWaitMicros: this.options.spinBeforeWaitMicros, waitTimeoutMs: this.options.waitTimeoutMs };
  }

  /** Allocates a signal word (e.g. for an input gate) and returns its word index. */
  allocateSignal(): number {
    const signal = this.freeSignals.pop();
    if (signal === undefined) throw new NetworkError('ERR_NET_TABLE_FULL', `all ${this.options.maxQueues} signal words are in use (raise taskmanager.network.max-subpartition-queues)`);
    const index = this.memory.signalIndex(signal);
    Atomics.store(this.memory.words, index, 0);
    return index;
  }

  /** Returns a signal word allocated by {@link allocateSignal}. */
  freeSignal(index: number): void {
    this.freeSignals.push(index - this.memory.layout.signals);
  }

  /**
   * Allocates a LocalBufferPool with quota [min, max] and reserves its minimum.
   * @throws NetworkError `ERR_NET_POOL_EXHAUSTED` when the minimum cannot be reserved
   */
  createBufferPool(min: number, max: number, listenerSignal = -1): LocalBufferPool {
    this.collectReleasedPools();
    const poolId = this.freePools.pop();
    if (poolId === undefined) throw new NetworkError('ERR_NET_TABLE_FULL', `all ${this.options.maxPools} buffer pools are in use (raise taskmanager.network.max-buffer-pools)`);
    try {
      LocalBufferPool.initialize(this.memory, poolId, min, max, listenerSignal);
    } catch (error) {
      this.freePools.push(poolId);
      throw error;
    }
    return new LocalBufferPool(this.memory, poolId, this.waitOptions);
  }

  /**
   * Allocates a result partition with `numSubpartitions` queues and its pool, sized as Flink sizes a
   * streaming partition: min = subpartitions + 1 (no stall with every subpartition holding a half-filled
   * buffer), max = subpartitions × buffers-per-channel + floating-buffers-per-gate.
   * @param consumerSignals per subpartition, the signal its consumer sleeps on, or -1 when not yet known
   */
  createResultPartition(numSubpartitions: number, consumerSignals: number[] = []): ResultPartitionDescriptor {
    const { buffersPerChannel, floatingBuffersPerGate, maxBuffersPerChannel } = this.options;
    const min = numSubpartitions + 1;
    const max = Math.max(min, numSubpartitions * Math.max(1, buffersPerChannel) + floatingBuffersPerGate);
    const pool = this.createBufferPool(min, max);
    const producerSignal = this.memory.poolBase(pool.poolId) + P_SIGNAL;
    const queueIds: number[] = [];
    for (let i = 0; i < numSubpartitions; i++) {
      const queueId = this.allocateQueue();
      ResultSubpartition.initialize(this.memory, queueId, pool.poolId, maxBuffersPerChannel, consumerSignals[i] ?? -1, producerSignal);
      queueIds.push(queueId);
    }
    return { poolId: pool.poolId, queueIds };
  }

  /** Points a subpartition's queue at the signal of the gate that consumes it. */
  bindConsumer(queueId: number, consumerSignal: number): void {
    ResultSubpartition.bindConsumer(this.memory, queueId, consumerSignal);
  }

  /** Describes a gate reading the given local queues, with a fresh signal bound to all of them. */
  createLocalInputGate(queueIds: number[]): InputGateDescriptor {
    const signal = this.allocateSignal();
    for (const queueId of queueIds) this.bindConsumer(queueId, signal);
    return { signal, channels: queueIds.map((queueId) => ({ kind: 'local' as const, queueId })) };
  }

  /**
   * Releases a partition after its producer and consumers are done: recycles what its queues still
   * hold, destroys its pool and frees the slots.
   * @returns segments of the pool still handed out (0 unless a thread still holds one)
   */
  releasePartition(descriptor: ResultPartitionDescriptor): number {
    for (const queueId of descriptor.queueIds) {
      new ResultSubpartitionView(this.memory, queueId, this.waitOptions).releaseAll();
      this.freeQueues.push(queueId);
    }
    return this.releasePool(new LocalBufferPool(this.memory, descriptor.poolId, this.waitOptions));
  }

  /**
   * Allocates a queue that the TaskManager main thread fills with buffers arriving for one remote input
   * channel, and the consuming subtask reads (the receive side of a remote channel).
   */
  createReceiveQueue(consumerSignal: number, producerSignal: number): number {
    const queueId = this.allocateQueue();
    ResultSubpartition.initialize(this.memory, queueId, -1, 0, consumerSignal, producerSignal);
    return queueId;
  }

  /** Frees a queue from {@link createReceiveQueue} after its consumer released it. */
  freeQueue(queueId: number): void {
    this.freeQueues.push(queueId);
  }

  /** Destroys a pool and frees its slot once every segment came back; returns segments still out. */
  releasePool(pool: LocalBufferPool): number {
    const stillOut = pool.destroy();
    if (stillOut === 0) this.freePoolSlot(pool.poolId);
    else this.pendingPools.push(pool);
    return stillOut;
  }

  /** Frees the slots of destroyed pools whose last segments came back since. */
  collectReleasedPools(): void {
    for (let i = this.pendingPools.length - 1; i >= 0; i--) {
      const pool = this.pendingPools[i];
      if (pool.isFullyReleased) {
        this.pendingPools.splice(i, 1);
        this.freePoolSlot(pool.poolId);
      }
    }
  }

  /** Releases a gate's signal word. */
  releaseInputGate(descriptor: InputGateDescriptor): void {
    this.freeSignal(descriptor.signal);
  }

  /**
   * Throws unless every segment is back in the global pool: the leak check tests end with.
   * @throws NetworkError `ERR_NET_SEGMENT_LEAK`
   */
  assertNoLeaks(): void {
    const free = this.globalPool.numAvailable;
    if (free !== this.globalPool.numTotal) {
      throw new NetworkError('ERR_NET_SEGMENT_LEAK', `${this.globalPool.numTotal - free} of ${this.globalPool.numTotal} segments were not returned to the network buffer pool`);
    }
  }

  private allocateQueue(): number {
    const queueId = this.freeQueues.pop();
    if (queueId === undefined) throw new NetworkError('ERR_NET_TABLE_FULL', `all ${this.options.maxQueues} subpartition queues are in use (raise taskmanager.network.max-subpartition-queues)`);
    return queueId;
  }

  private freePoolSlot(poolId: number): void {
    Atomics.store(this.memory.words, this.memory.poolBase(poolId) + P_IN_USE, 0);
    this.freePools.push(poolId);
  }
}
