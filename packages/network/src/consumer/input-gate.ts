// A subtask's input: one channel per producer subpartition, polled round-robin, woken by one signal word.
import type { WaitOptions } from '../buffer/local-buffer-pool.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import { IO_METRIC, type TaskIoMetrics } from '../metrics/task-io-metrics.js';
import { BufferSlice } from '../partition/buffer-slice.js';
import { EVENT_END_OF_PARTITION, eventTypeOf } from '../partition/events.js';
import { waitForSignal } from '../threads/wait-for-signal.js';
import type { InputChannel } from './input-channel.js';
import { LocalInputChannel } from './local-input-channel.js';

/** What a consuming thread needs to attach to a gate that the TaskManager allocated. */
export interface InputGateDescriptor {
  /** Word index of the signal every producer of this gate bumps when it makes data readable. */
  signal: number;
  /**
   * One entry per channel. `local`: the producer's subpartition queue. `remote`: the receive queue the
   * TaskManager main thread fills from the network (RemoteInputChannel); read the same way.
   */
  channels: Array<{ kind: 'local' | 'remote'; queueId: number }>;
}

/**
 * Flink's SingleInputGate: hands the subtask the next readable slice of any channel, round-robin, and
 * wakes the subtask's thread when any channel has data. End-of-partition events are consumed here: a
 * channel that read one is finished, and the gate is finished when all are. Other events (barriers,
 * later) are returned to the caller in order with the data of their channel.
 *
 * Owned by: the consuming subtask worker thread.
 */
export class InputGate {
  readonly channels: InputChannel[];
  private readonly slice = new BufferSlice();
  private next = 0;
  private numFinished = 0;
  private readonly words: Int32Array;

  constructor(
    readonly memory: NetworkMemory,
    readonly descriptor: InputGateDescriptor,
    private readonly waitOptions: WaitOptions,
    private readonly metrics: TaskIoMetrics | null = null,
    channels?: InputChannel[],
  ) {
    this.words = memory.words;
    this.channels = channels ?? descriptor.channels.map((spec, index) => new LocalInputChannel(memory, index, spec.queueId, waitOptions, spec.kind === 'remote'));
  }

  /** True once every channel read end-of-partition. */
  get isFinished(): boolean {
    return this.numFinished === this.channels.length;
  }

  /** True when {@link pollNext} would return something now. */
  hasData(): boolean {
    for (const channel of this.channels) if (!channel.isFinished && channel.hasData()) return true;
    return false;
  }

  /**
   * The next readable slice of any channel (round-robin), or null when none has data now. The slice is
   * valid until {@link release}; its `channelIndex` names the channel.
   */
  pollNext(): BufferSlice | null {
    const channels = this.channels;
    const n = channels.length;
    const slice = this.slice;
    for (let tried = 0; tried < n; tried++) {
      const index = this.next;
      this.next = index + 1 === n ? 0 : index + 1;
      const channel = channels[index];
      if (channel.isFinished || !channel.poll(slice)) continue;
      slice.channelIndex = index;
      if (slice.isEvent && eventTypeOf(slice.event!) === EVENT_END_OF_PARTITION) {
        channel.release(slice);
        channel.isFinished = true;
        channel.releaseAll();
        this.numFinished++;
        tried = -1; // look at every channel again
        if (this.isFinished) return null;
        continue;
      }
      if (!slice.isEvent && this.metrics !== null) {
        this.metrics.values[channel.isRemote ? IO_METRIC.numBytesInRemote : IO_METRIC.numBytesInLocal] += slice.length;
        if (slice.isLast) this.metrics.values[IO_METRIC.numBuffersIn] += 1;
      }
      return slice;
    }
    return null;
  }

  /** Gives back the slice from the last {@link pollNext}. */
  release(slice: BufferSlice): void {
    this.channels[slice.channelIndex].release(slice);
  }

  /** Waits without blocking the event loop until a channel has data or the gate is finished. Counted as idle time. */
  async waitForData(): Promise<number> {
    this.metrics?.startTimer('idleTimeMs'); // a wait in progress shows as idle to readers on other threads
    try {
      return await waitForSignal(
        this.words,
        this.descriptor.signal,
        () => this.isFinished || this.hasData(),
        this.waitOptions.spinBeforeWaitMicros,
        this.waitOptions.waitTimeoutMs,
      );
    } finally {
      this.metrics?.stopTimer('idleTimeMs');
    }
  }

  /**
   * Waits until any of `gates` has data or is finished: one wait on the signal word they share (a subtask's
   * gates are built on one), counted once as idle time in the first gate's metrics.
   * @throws RangeError when the gates sleep on different signal words
   */
  static async waitForAny(gates: readonly InputGate[]): Promise<number> {
    const [first] = gates;
    if (gates.some((gate) => gate.descriptor.signal !== first.descriptor.signal)) {
      throw new RangeError('InputGate.waitForAny needs gates that share one signal word');
    }
    if (gates.length === 1) return first.waitForData();
    first.metrics?.startTimer('idleTimeMs');
    try {
      return await waitForSignal(
        first.words,
        first.descriptor.signal,
        () => gates.some((gate) => gate.isFinished || gate.hasData()),
        first.waitOptions.spinBeforeWaitMicros,
        first.waitOptions.waitTimeoutMs,
      );
    } finally {
      first.metrics?.stopTimer('idleTimeMs');
    }
  }

  /** Gives back everything every channel holds: cancel. */
  releaseAll(): void {
    for (const channel of this.channels) channel.releaseAll();
  }
}
