// The contract of one input channel of an InputGate: local (reads the producer's queue) or remote.
import type { BufferSlice } from '../partition/buffer-slice.js';

/**
 * One channel of an input gate, reading one producer subpartition. Both kinds read a queue in shared
 * memory in place; they differ in where the queue is filled (by the producer thread itself, or by the
 * TaskManager main thread from the network) and in where a recycled buffer goes.
 *
 * Owned by: the consuming subtask worker thread.
 */
export interface InputChannel {
  /** Position of the channel in its gate. */
  readonly channelIndex: number;
  /** True when the channel's buffers arrive over the network (for numBytesInRemote). */
  readonly isRemote: boolean;
  /** True once end-of-partition was read. */
  isFinished: boolean;
  /** True when {@link poll} would return something now. */
  hasData(): boolean;
  /** Fills `slice` with the next readable bytes or event; false when nothing is readable now. */
  poll(slice: BufferSlice): boolean;
  /** Gives back the slice from the last {@link poll}. */
  release(slice: BufferSlice): void;
  /** Gives back everything the channel still holds (cancel or end). */
  releaseAll(): void;
}
