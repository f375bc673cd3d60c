// The network side of an input gate with remote channels: floating buffers, credit announcements, reclaiming.
import type { LocalBufferPool } from '../buffer/local-buffer-pool.js';
import type { NetworkPoller } from '../transport/network-loop.js';
import type { RemoteInputChannel } from './remote-input-channel.js';

/**
 * Holds a gate's floating pool (min 0, max `floating-buffers-per-gate`) and its remote channels on the
 * TaskManager main thread. When woken (a subtask recycled a buffer of one of its pools) it lets every
 * channel reclaim its exclusive buffers, hands floating buffers to channels that wait for them in
 * arrival order, and sends the coalesced AddCredits.
 *
 * Owned by: the TaskManager main thread.
 */
export class RemoteInputGate implements NetworkPoller {
  readonly channels: RemoteInputChannel[] = [];
  private readonly pendingCredit: RemoteInputChannel[] = [];

  constructor(readonly floatingPool: LocalBufferPool, private readonly scheduleAnnouncement: () => void) {}

  /** Called by a channel whose unannounced credit went from 0 to n. */
  readonly onCreditAvailable = (channel: RemoteInputChannel): void => {
    this.pendingCredit.push(channel);
    this.scheduleAnnouncement();
  };

  add(channel: RemoteInputChannel): void {
    this.channels.push(channel);
    channel.onWakeWantedChange = () => this.floatingPool.setListenerWanted(this.channels.some((c) => c.wantsWake));
  }

  poll(): void {
    for (const channel of this.channels) channel.reclaim();
    for (const channel of this.channels) if (channel.isWaitingForFloating) channel.requestFloatingBuffers();
    this.announceCredit();
  }

  /** Sends one AddCredit per channel that gained credit since the last announcement. */
  announceCredit(): void {
    for (const channel of this.pendingCredit.splice(0)) channel.announceCredit();
  }

  /** Buffers of this gate in use or reserved: exclusive of every channel plus floating. */
  get numBuffersHeld(): number {
    let n = this.floatingPool.numRequested;
    for (const channel of this.channels) n += channel.exclusivePool.numRequested;
    return n;
  }
}
