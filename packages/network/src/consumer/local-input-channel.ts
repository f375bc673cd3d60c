// An input channel whose producer runs in the same TaskManager: it reads the producer's queue in place.
import type { WaitOptions } from '../buffer/local-buffer-pool.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import type { BufferSlice } from '../partition/buffer-slice.js';
import { ResultSubpartitionView } from '../partition/result-subpartition-view.js';
import type { InputChannel } from './input-channel.js';

/**
 * Flink's LocalInputChannel: no credit, no copy and no buffers of its own. It reads the producer's
 * subpartition queue directly, slices of the producer's segments in place, and recycling a slice's
 * segment after its last record returns it to the *producer's* pool — so a slow consumer slows its
 * producer simply because buffers come back more slowly.
 *
 * Owned by: the consuming subtask worker thread.
 */
export class LocalInputChannel implements InputChannel {
  isFinished = false;
  private readonly view: ResultSubpartitionView;

  /**
   * @param isRemote true when the queue is a remote channel's receive queue, filled by the TaskManager
   *   main thread from the network: read the same way, recycled to the channel's exclusive or the gate's
   *   floating pool, whose listener signal tells the main thread to announce credit
   */
  constructor(memory: NetworkMemory, readonly channelIndex: number, readonly queueId: number, waitOptions: WaitOptions, readonly isRemote = false) {
    this.view = new ResultSubpartitionView(memory, queueId, waitOptions);
  }

  hasData(): boolean {
    return this.view.hasData();
  }

  poll(slice: BufferSlice): boolean {
    return this.view.poll(slice);
  }

  release(slice: BufferSlice): void {
    this.view.release(slice);
  }

  releaseAll(): void {
    this.view.releaseAll();
  }
}
