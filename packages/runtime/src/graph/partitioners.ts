// Stream partitioners: the plain-data spec each edge carries, and the per-record channel selection a RecordWriter calls.

import type { KeySelector } from '../api/functions.js';
import { RuntimeError } from '../errors.js';
import { checkParallelismPreconditions, computeOperatorIndexForKeyGroup, hashCode, murmurHash } from './key-groups.js';

/**
 * How an edge distributes records over the consumer's subtasks; plain data, so it travels in the job
 * graph. Flink's partitioners, named as Flink prints them in upper case:
 * - `forward` (FORWARD): producer subtask i to consumer subtask i; equal parallelism only; chainable.
 * - `rebalance` (REBALANCE): round-robin over all consumers.
 * - `rescale` (RESCALE): round-robin over a local group of consumers (pointwise connection).
 * - `shuffle` (SHUFFLE): a uniformly random consumer.
 * - `broadcast` (BROADCAST): every record to every consumer.
 * - `global` (GLOBAL): every record to consumer 0.
 * - `hash` (HASH): Flink's KeyGroupStreamPartitioner: `keyGroup = murmurHash(hashCode(key)) % maxParallelism`,
 *   consumer = `keyGroup * parallelism / maxParallelism`; `maxParallelism` is the consumer's.
 */
export type PartitionerSpec =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'rescale' }
  | { readonly kind: 'shuffle' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'global' }
  | { readonly kind: 'hash'; readonly maxParallelism: number };

/** The kinds of partitioner, `PartitionerSpec['kind']`. */
export type PartitionerKind = PartitionerSpec['kind'];

/**
 * How producer and consumer subtasks of an edge connect (Flink's DistributionPattern): `POINTWISE` (forward,
 * rescale: each producer feeds a few consumers) or `ALL_TO_ALL` (every producer feeds every consumer).
 */
export type DistributionPattern = 'POINTWISE' | 'ALL_TO_ALL';

/** The distribution pattern of a partitioner (Flink's `StreamPartitioner.isPointwise()`). */
export function distributionPatternOf(spec: PartitionerSpec): DistributionPattern {
  return spec.kind === 'forward' || spec.kind === 'rescale' ? 'POINTWISE' : 'ALL_TO_ALL';
}

/** The partitioner's name as Flink prints it: `FORWARD`, `REBALANCE`, `RESCALE`, `SHUFFLE`, `BROADCAST`, `GLOBAL`, `HASH`. */
export function formatPartitioner(spec: PartitionerSpec): string {
  return spec.kind.toUpperCase();
}

/**
 * Picks the output channel (subpartition) of each record, Flink's StreamPartitioner/ChannelSelector, set
 * up for one producer subtask's ResultPartition. `selectChannel` runs once per record: no partitioner
 * allocates in it.
 *
 * Owned by: the producing subtask worker thread (some partitioners keep a cursor).
 */
export interface StreamPartitioner<T> {
  /** Flink's name of the partitioner (`REBALANCE`, …). */
  readonly name: string;
  /** The number of subpartitions of the producer's ResultPartition. */
  readonly numberOfChannels: number;
  /**
   * True for `broadcast`: the RecordWriter writes each record to every channel and never calls
   * `selectChannel` (Flink's `isBroadcast()`).
   */
  readonly isBroadcast: boolean;
  /** The channel of `record`, in `[0, numberOfChannels)`. */
  selectChannel(record: T): number;
}

/** Extra inputs some partitioners need. */
export interface PartitionerOptions<T> {
  /** The key selector of a `hash` edge (required for it, ignored by the others). */
  readonly keySelector?: KeySelector<T, unknown>;
  /**
   * Random numbers in [0, 1) for `shuffle` and for `rebalance`'s starting channel (Flink starts each
   * producer at a random channel so that producers don't all hit channel 0 first).
   * @default Math.random
   */
  readonly random?: () => number;
}

/**
 * Sets up the partitioner `spec` describes for one producer subtask with `numberOfChannels` subpartitions
 * (the number of consumers it connects to, see execution-plan.ts).
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when `numberOfChannels` is not a positive integer, a `forward`
 *   edge has more than one channel, or a `hash` edge lacks its key selector or has fewer key groups than channels
 */
export function createPartitioner<T>(
  spec: PartitionerSpec,
  numberOfChannels: number,
  options: PartitionerOptions<T> = {},
): StreamPartitioner<T> {
  if (!Number.isInteger(numberOfChannels) || numberOfChannels < 1) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `a partitioner needs a positive number of channels, got ${numberOfChannels}`);
  }
  const random = options.random ?? Math.random;
  switch (spec.kind) {
    case 'forward':
      if (numberOfChannels !== 1) {
        throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `a FORWARD partitioner has exactly 1 channel, got ${numberOfChannels}`);
      }
      return new FixedChannelPartitioner('FORWARD');
    case 'global':
      return new FixedChannelPartitioner('GLOBAL', numberOfChannels);
    case 'rebalance':
      return new RoundRobinPartitioner('REBALANCE', numberOfChannels, Math.floor(random() * numberOfChannels));
    case 'rescale':
      return new RoundRobinPartitioner('RESCALE', numberOfChannels, 0);
    case 'shuffle':
      return new ShufflePartitioner(numberOfChannels, random);
    case 'broadcast':
      return new BroadcastPartitioner(numberOfChannels);
    case 'hash':
      if (options.keySelector === undefined) {
        throw new RuntimeError('ERR_RT_BAD_ARGUMENT', 'a HASH partitioner needs the key selector of its edge');
      }
      return new KeyGroupStreamPartitioner(options.keySelector, spec.maxParallelism, numberOfChannels);
  }
}

/** `forward` (one channel) and `global`: every record to channel 0. */
class FixedChannelPartitioner<T> implements StreamPartitioner<T> {
  readonly isBroadcast = false;
  constructor(
    readonly name: string,
    readonly numberOfChannels = 1,
  ) {}

  selectChannel(_record: T): number {
    return 0;
  }
}

/**
 * `rebalance` and `rescale`: the next channel, round-robin. Rescale (Flink's RescalePartitioner) starts at
 * channel 0; its channels are only the consumers of the producer's local group (see execution-plan.ts).
 */
class RoundRobinPartitioner<T> implements StreamPartitioner<T> {
  readonly isBroadcast = false;
  private nextChannel: number;

  constructor(
    readonly name: string,
    readonly numberOfChannels: number,
    firstChannel: number,
  ) {
    // selectChannel advances before it returns, so start one before the first channel.
    this.nextChannel = firstChannel - 1;
  }

  selectChannel(_record: T): number {
    if (++this.nextChannel >= this.numberOfChannels) this.nextChannel = 0;
    return this.nextChannel;
  }
}

/** `shuffle`: a uniformly random channel per record (Flink's ShufflePartitioner). */
class ShufflePartitioner<T> implements StreamPartitioner<T> {
  readonly name = 'SHUFFLE';
  readonly isBroadcast = false;
  constructor(
    readonly numberOfChannels: number,
    private readonly random: () => number,
  ) {}

  selectChannel(_record: T): number {
    // Math.min guards a `random` that returns exactly 1.
    return Math.min(Math.floor(this.random() * this.numberOfChannels), this.numberOfChannels - 1);
  }
}

/** `broadcast`: the RecordWriter writes every record to all channels (Flink's BroadcastPartitioner). */
class BroadcastPartitioner<T> implements StreamPartitioner<T> {
  readonly name = 'BROADCAST';
  readonly isBroadcast = true;
  constructor(readonly numberOfChannels: number) {}

  selectChannel(_record: T): number {
    throw new RuntimeError(
      'ERR_RT_BAD_ARGUMENT',
      'a BROADCAST partitioner selects no single channel: write the record to every channel (isBroadcast)',
    );
  }
}

/**
 * `hash`: Flink's KeyGroupStreamPartitioner. The key group → channel table is computed once, so a record
 * costs its key selector, an int hash and two array reads; int32 keys are hashed directly, never as strings.
 */
class KeyGroupStreamPartitioner<T> implements StreamPartitioner<T> {
  readonly name = 'HASH';
  readonly isBroadcast = false;
  private readonly channelOfKeyGroup: Int32Array;

  constructor(
    private readonly keySelector: KeySelector<T, unknown>,
    readonly maxParallelism: number,
    readonly numberOfChannels: number,
  ) {
    checkParallelismPreconditions(numberOfChannels, maxParallelism);
    this.channelOfKeyGroup = new Int32Array(maxParallelism);
    for (let keyGroup = 0; keyGroup < maxParallelism; keyGroup++) {
      this.channelOfKeyGroup[keyGroup] = computeOperatorIndexForKeyGroup(maxParallelism, numberOfChannels, keyGroup);
    }
  }

  selectChannel(record: T): number {
    const key = this.keySelector(record);
    const hash = typeof key === 'number' && (key | 0) === key ? key : hashCode(key);
    return this.channelOfKeyGroup[murmurHash(hash) % this.maxParallelism];
  }
}
