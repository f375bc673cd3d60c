// The TaskManager main thread's network: memory, the network loop, served partitions and remote input gates.
import type { InputGateDescriptor } from './consumer/input-gate.js';
import { RemoteInputChannel, type RemoteChannelSpec } from './consumer/remote-input-channel.js';
import { RemoteInputGate } from './consumer/remote-input-gate.js';
import { randomId } from './ids.js';
import { P_SIGNAL } from './memory/layout.js';
import { ResultSubpartition } from './partition/result-subpartition.js';
import { ResultPartitionManager } from './partition/result-partition-manager.js';
import { NetworkEnvironment } from './network-environment.js';
import { createTransport, type Transport } from './transport/create-transport.js';
import type { NetworkConnection } from './transport/network-connection.js';
import { NetworkLoop } from './transport/network-loop.js';
import type { PartitionRequestClient } from './transport/partition-request-client.js';
import type { ReaderQueue } from './transport/reader-queue.js';

/** A connection to a producer TaskManager, with the client handler that routes its buffers. */
export interface ProducerConnection {
  connection: NetworkConnection;
  client: PartitionRequestClient;
}

/** One channel of a gate to build: a local queue, or a remote subpartition reached over `producer`. */
export type GateChannelSpec =
  | { kind: 'local'; queueId: number }
  | ({ kind: 'remote'; producer: ProducerConnection } & RemoteChannelSpec);

/** An input gate built by {@link NetworkService.createInputGate}. */
export interface BuiltInputGate {
  /** What the consuming subtask thread attaches to. */
  descriptor: InputGateDescriptor;
  /** The main-thread side of its remote channels (null when all channels are local). */
  remote: RemoteInputGate | null;
  /** False when the gate shares a signal word that its creator frees. */
  ownsSignal: boolean;
}

/**
 * Flink's NettyShuffleEnvironment: the network of one TaskManager as its main thread sees it. It owns
 * the network memory, the loop that wakes on subtask activity, the registry of partitions served to
 * remote consumers, and the main-thread half of every remote input channel. The flow-control model is
 * chosen once, from `taskmanager.network.credit-model`, through {@link createTransport}.
 *
 * Owned by: the TaskManager main thread.
 */
export class NetworkService {
  readonly loop: NetworkLoop;
  readonly partitions = new ResultPartitionManager();
  readonly transport: Transport;
  private readonly gates = new Set<BuiltInputGate>();

  constructor(readonly env: NetworkEnvironment) {
    this.transport = createTransport(env.options.creditModel);
    this.loop = new NetworkLoop(env.memory.words, env.allocateSignal(), env.options.waitTimeoutMs);
    this.loop.start();
  }

  /** The handler for a connection a consumer TaskManager opened to this one. */
  createServerHandler(): ReaderQueue {
    return this.transport.createServerHandler({ memory: this.env.memory, waitOptions: this.env.waitOptions, partitions: this.partitions, loop: this.loop });
  }

  /** The handler for a connection this TaskManager opens to a producer TaskManager. */
  createClientHandler(): PartitionRequestClient {
    return this.transport.createClientHandler(this.loop);
  }

  /**
   * Builds an input gate for a consuming subtask. Local channels read the producer's queue; each remote
   * channel gets `buffers-per-channel` exclusive buffers, a receive queue, and a PartitionRequest on its
   * producer connection; the gate's floating pool holds up to `floating-buffers-per-gate` buffers. Every
   * pool a subtask recycles into wakes this thread's loop, which turns recycled buffers into credit.
   */
  createInputGate(channels: GateChannelSpec[], sharedSignal?: number): BuiltInputGate {
    const { env } = this;
    // A subtask with several gates sleeps on one word: every gate of it may share the signal.
    const signal = sharedSignal ?? env.allocateSignal();
    const hasRemote = channels.some((c) => c.kind === 'remote');
    let remote: RemoteInputGate | null = null;
    if (hasRemote) {
      const floatingPool = env.createBufferPool(0, env.options.floatingBuffersPerGate, this.loop.signal);
      remote = new RemoteInputGate(floatingPool, () => this.loop.schedule());
    }
    const descriptor: InputGateDescriptor = { signal, channels: [] };
    for (const spec of channels) {
      if (spec.kind === 'local') {
        env.bindConsumer(spec.queueId, signal);
        descriptor.channels.push({ kind: 'local', queueId: spec.queueId });
        continue;
      }
      const exclusivePool = env.createBufferPool(env.options.buffersPerChannel, env.options.buffersPerChannel, this.loop.signal);
      const queueId = env.createReceiveQueue(signal, env.memory.poolBase(exclusivePool.poolId) + P_SIGNAL);
      const channel = new RemoteInputChannel(
        env.memory, randomId(), { partitionId: spec.partitionId, subpartitionIndex: spec.subpartitionIndex },
        exclusivePool, remote!.floatingPool, new ResultSubpartition(env.memory, queueId, 0),
        this.transport.isCreditBased, remote!.onCreditAvailable,
      );
      remote!.add(channel);
      spec.producer.client.requestPartition(channel, spec.producer.connection);
      descriptor.channels.push({ kind: 'remote', queueId });
    }
    if (remote !== null) this.loop.add(remote);
    const gate = { descriptor, remote, ownsSignal: sharedSignal === undefined };
    this.gates.add(gate);
    return gate;
  }

  /**
   * Releases a gate after its subtask released its channels: cancels remote partitions, gives back
   * reserved buffers and frees pools, queues and the signal. Segments a subtask still holds return to the
   * global pool when recycled.
   */
  releaseInputGate(gate: BuiltInputGate): void {
    if (!this.gates.delete(gate)) return;
    const { env } = this;
    if (gate.remote !== null) {
      this.loop.delete(gate.remote);
      for (const channel of gate.remote.channels) {
        channel.release(true);
        env.releasePool(channel.exclusivePool);
        env.freeQueue(channel.receiveQueue.queueId);
      }
      env.releasePool(gate.remote.floatingPool);
    }
    if (gate.ownsSignal) env.releaseInputGate(gate.descriptor);
  }

  async close(): Promise<void> {
    for (const gate of [...this.gates]) this.releaseInputGate(gate);
    await this.loop.stop();
  }
}
