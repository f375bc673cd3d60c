// The receiving end of one remote channel, on the TaskManager main thread: buffers, credit, backlog, sequence.
import type { LocalBufferPool } from '../buffer/local-buffer-pool.js';
import { NetworkError } from '../errors.js';
import { idToKey, type AbstractId, type IdKey } from '../ids.js';
import { copyBytes } from '../memory/copy-bytes.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import { encodeEvent, EVENT_CHANNEL_FAILED } from '../partition/events.js';
import type { ResultSubpartition } from '../partition/result-subpartition.js';
import { DATA_TYPE } from '../protocol/constants.js';
import type { BufferResponse } from '../protocol/messages.js';
import type { NetworkConnection } from '../transport/network-connection.js';

/** The partition a remote channel reads. */
export interface RemoteChannelSpec {
  partitionId: AbstractId;
  subpartitionIndex: number;
}

/** A free buffer reserved for this channel: one credit. */
interface ReservedBuffer {
  segment: number;
  pool: LocalBufferPool;
}

/**
 * Flink's RemoteInputChannel, network side. It owns `buffers-per-channel` exclusive buffers (its own
 * pool, taken from the TaskManager's NetworkBufferPool at setup) and borrows floating buffers from its
 * gate. Every free buffer reserved for the channel is one credit; the initial credit travels in the
 * PartitionRequest, and later credit is announced incrementally: only the 0 → n transition of
 * unannounced credit queues an AddCredit, which carries whatever accumulated by the time it is sent.
 *
 * An arriving data buffer is copied once, into a reserved segment, and appended to the channel's receive
 * queue, which the consuming subtask reads in place; the subtask's recycle returns the segment to its
 * pool and wakes this thread (the pool's listener signal), which reserves it again as new credit. The
 * backlog on every buffer sets the target of reserved buffers (backlog + exclusive): below it the channel
 * asks its gate for floating buffers — but only once its consumer has recycled something since the last
 * look, not on every arrival as Flink does. So a channel whose consumer is stalled holds only its
 * exclusive buffers and floating buffers go to channels that move (a Sluice refinement).
 *
 * Legacy mode (`isCreditBased` false): no credit is announced; an arriving buffer takes any free
 * buffer, and when there is none the connection is paused (see PartitionRequestClient).
 *
 * Owned by: the TaskManager main thread.
 */
export class RemoteInputChannel {
  readonly key: IdKey;
  /** Free buffers reserved for arriving data. */
  private readonly reserved: ReservedBuffer[] = [];
  private unannouncedCredit = 0;
  /** Credit the sender has been told of and not yet used: a data buffer beyond it is a violation. */
  private numCreditsGranted = 0;
  private expectedSequenceNumber = 0;
  private senderBacklog = 0;
  private lastConsumedIndex = 0;
  private connection: NetworkConnection | null = null;
  /** Set when the channel failed; nothing more is accepted. */
  failure: NetworkError | null = null;
  isReleased = false;
  /** True while the channel is waiting for a floating buffer from its gate. */
  isWaitingForFloating = false;
  /** Data buffers received, for metrics. */
  numBuffersIn = 0;
  numBytesIn = 0;

  constructor(
    readonly memory: NetworkMemory,
    readonly receiverId: AbstractId,
    readonly spec: RemoteChannelSpec,
    readonly exclusivePool: LocalBufferPool,
    readonly floatingPool: LocalBufferPool,
    /** Producer side of the queue the consuming subtask reads. */
    readonly receiveQueue: ResultSubpartition,
    readonly isCreditBased: boolean,
    /** Called when unannounced credit goes from 0 to n: the gate sends one AddCredit soon. */
    private readonly onCreditAvailable: (channel: RemoteInputChannel) => void,
  ) {
    this.key = idToKey(receiverId);
  }

  /** Exclusive buffers, Flink's initial credit. */
  get initialCredit(): number {
    return this.exclusivePool.maxSegments;
  }

  /** Free buffers reserved for arriving data now (= credit known to the sender, plus unannounced). */
  get numReservedBuffers(): number {
    return this.reserved.length;
  }

  /** Reserved buffers that are floating (borrowed from the gate). */
  get numReservedFloating(): number {
    let n = 0;
    for (const buffer of this.reserved) if (buffer.pool === this.floatingPool) n++;
    return n;
  }

  /** Credit not yet announced to the sender. */
  get numUnannouncedCredit(): number {
    return this.unannouncedCredit;
  }

  /** Backlog the sender reported with its last buffer. */
  get backlog(): number {
    return this.senderBacklog;
  }

  /** Buffers the consuming subtask holds and has not recycled yet. */
  get numQueuedBuffers(): number {
    return this.receiveQueue.numBuffers;
  }

  private retryBackoffMs = 0;
  private retryDeadlineMs = 0;
  /** First and longest backoff between partition requests (`taskmanager.network.request-backoff.initial/max`). */
  static readonly REQUEST_BACKOFF_INITIAL_MS = 100;
  static readonly REQUEST_BACKOFF_MAX_MS = 2_000;
  /** How long a channel keeps asking for a partition that is not there (its producer may deploy late). */
  static readonly REQUEST_TIMEOUT_MS = 60_000;

  /**
   * Sends the PartitionRequest again after a backoff, when the producer answered that it does not have
   * the partition (yet).
   * @returns false when the channel has asked long enough and should fail
   */
  retryPartitionRequest(): boolean {
    const now = Date.now();
    if (this.retryBackoffMs === 0) {
      this.retryBackoffMs = RemoteInputChannel.REQUEST_BACKOFF_INITIAL_MS;
      this.retryDeadlineMs = now + RemoteInputChannel.REQUEST_TIMEOUT_MS;
    } else {
      this.retryBackoffMs = Math.min(this.retryBackoffMs * 2, RemoteInputChannel.REQUEST_BACKOFF_MAX_MS);
    }
    if (now > this.retryDeadlineMs || this.connection === null) return false;
    const connection = this.connection;
    setTimeout(() => {
      if (this.isReleased || this.failure !== null) return;
      this.sendPartitionRequest(connection);
    }, this.retryBackoffMs).unref();
    return true;
  }

  /** Reserves every exclusive buffer and sends the PartitionRequest carrying them as initial credit. */
  requestPartition(connection: NetworkConnection): void {
    this.connection = connection;
    for (;;) {
      const segment = this.exclusivePool.requestSegment();
      if (segment < 0) break;
      this.reserved.push({ segment, pool: this.exclusivePool });
    }
    this.numCreditsGranted = this.isCreditBased ? this.reserved.length : 0;
    this.sendPartitionRequest(connection);
  }

  /** A PartitionRequest whose initial credit is the credit granted so far (0 in legacy mode). */
  private sendPartitionRequest(connection: NetworkConnection): void {
    connection.sendMessage({
      type: 'PartitionRequest',
      partitionId: this.spec.partitionId,
      subpartitionIndex: this.spec.subpartitionIndex,
      receiverId: this.receiverId,
      initialCredit: this.numCreditsGranted,
    });
  }

  /**
   * Takes one arriving buffer or event. Returns false (legacy mode only) when no free buffer can take a
   * data buffer now: the caller keeps it and pauses the connection.
   * @throws NetworkError `ERR_NET_NO_CREDIT` (credit mode, fatal for the connection) or `ERR_NET_SEQUENCE_GAP` (this channel)
   */
  onBuffer(message: BufferResponse): boolean {

    if (this.isReleased || this.failure !== null) return true; // dropped: the channel is gone
    if (message.sequenceNumber !== this.expectedSequenceNumber) {
      throw new NetworkError('ERR_NET_SEQUENCE_GAP', `channel ${this.key} expected buffer ${this.expectedSequenceNumber} but received ${message.sequenceNumber} from ${this.connection?.remoteAddress ?? 'its producer'}`);
    }
    if (message.dataType === DATA_TYPE.EVENT_BUFFER) {
      this.expectedSequenceNumber = (this.expectedSequenceNumber + 1) >>> 0;
      this.receiveQueue.addEvent(message.payload);
      return true;
    }
    // This thread is awake anyway: take back what the subtask recycled since, instead of waiting for the
    // loop's wake-up (each hop through the event loop is latency the credit round trip pays).
    this.reclaim();
    if (this.isCreditBased && this.numCreditsGranted <= 0) {
      throw new NetworkError('ERR_NET_NO_CREDIT', `${this.connection?.remoteAddress ?? 'the producer'} sent a data buffer to channel ${this.key}, which had given it no credit`);
    }
    const buffer = this.takeBufferForData();
    if (buffer === null) {
      if (this.isCreditBased) throw new Error(`channel ${this.key}: granted credit without a reserved buffer`); // keep in sync with addReserved
      return false;
    }
    if (this.isCreditBased) {
      this.numCreditsGranted--;
      this.updateWakeWanted();
      this.maybeQueueAnnouncement();
    }
    this.expectedSequenceNumber = (this.expectedSequenceNumber + 1) >>> 0;
    const length = message.payload.length;
    copyBytes(message.payload, 0, this.memory.bytes, this.memory.segmentOffset(buffer.segment), length); // the one copy
    this.receiveQueue.appendFinishedBuffer(buffer.segment, buffer.pool.poolId, length);
    this.numBuffersIn++;
    this.numBytesIn += length;
    this.senderBacklog = message.backlog;
    return true;
  }

  /** Re-reserves exclusive buffers the subtask recycled (each is new credit) and tops up floating ones. */
  reclaim(): void {
    if (this.isReleased) return;
    this.reclaimExclusive();
    // Floating buffers only for a channel whose consumer moved since the last look (or that already waits).
    const consumed = this.receiveQueue.consumedIndex;
    if (consumed !== this.lastConsumedIndex || this.isWaitingForFloating) {
      this.lastConsumedIndex = consumed;
      this.requestFloatingBuffers();
    }
  }

  private reclaimExclusive(): void {
    if (this.isReleased) return;
    for (;;) {
      const segment = this.exclusivePool.requestSegment();
      if (segment < 0) break;
      const floatingIndex = this.reserved.length >= this.targetBuffers() ? this.reserved.findIndex((b) => b.pool === this.floatingPool) : -1;
      if (floatingIndex >= 0) {
        // More free buffers than the backlog needs: give a floating one back instead; credit is unchanged.
        const [floating] = this.reserved.splice(floatingIndex, 1, { segment, pool: this.exclusivePool });
        this.floatingPool.recycle(floating.segment);
      } else {
        this.addReserved({ segment, pool: this.exclusivePool });
      }
    }
  }

  /** Takes the unannounced credit for an AddCredit being sent now. */
  takeUnannouncedCredit(): number {
    const credit = this.unannouncedCredit;
    this.unannouncedCredit = 0;
    return credit;
  }

  /** Sends an AddCredit carrying all unannounced credit, if any (called by the gate, coalesced). */
  announceCredit(): void {
    this.isAnnouncementQueued = false;
    if (this.connection === null || !this.isCreditBased || this.isReleased || this.failure !== null) return;
    const credit = this.takeUnannouncedCredit();
    if (credit === 0) return;
    this.numCreditsGranted += credit;
    this.updateWakeWanted();

    this.connection.sendMessage({ type: 'AddCredit', credit, receiverId: this.receiverId });
  }

  /**
   * Fails the channel: the consuming subtask reads a channel-failed event carrying the error code, and
   * the TaskManager reports the cause (the job-level reaction comes with the runtime).
   */
  fail(error: NetworkError): void {
    if (this.failure !== null || this.isReleased) return;
    this.failure = error;
    if (!this.receiveQueue.isFinished) {
      const body = new TextEncoder().encode(error.code.slice(0, 32));
      this.receiveQueue.addEvent(encodeEvent(EVENT_CHANNEL_FAILED, body));
    }
  }

  /** Gives back every reserved buffer and tells the producer to stop (CancelPartitionRequest). */
  release(sendCancel = true): void {
    if (this.isReleased) return;
    this.isReleased = true;
    for (const buffer of this.reserved.splice(0)) buffer.pool.recycle(buffer.segment);
    if (sendCancel && this.connection !== null) {
      try {
        this.connection.sendMessage({ type: 'CancelPartitionRequest', receiverId: this.receiverId });
      } catch {
        // the connection is already gone: nothing to cancel
      }
    }
  }

  /** Credit at or below which every recycle must wake this thread (half the channel's window). */
  get wakeThreshold(): number {
    return Math.max(1, Math.floor((this.initialCredit + this.floatingPool.maxSegments) / 2));
  }

  /**
   * Tells the pools whether a recycle must wake this thread: only while the sender holds little credit
   * (or the channel waits for floating buffers). Above that, data is on its way, and `onBuffer` reclaims
   * recycled buffers on arrival. After asking to be woken, look once more: a recycle that came before the
   * flag was raised did not wake anyone.
   */
  private updateWakeWanted(): void {
    const wanted = !this.isCreditBased || this.numCreditsGranted <= this.wakeThreshold || this.isWaitingForFloating;
    if (wanted === this.isWakeWanted) return;
    this.isWakeWanted = wanted;
    this.exclusivePool.setListenerWanted(wanted);
    this.onWakeWantedChange();
    if (wanted) this.reclaimExclusive();
  }

  private isWakeWanted = true;
  /** Set by the gate: recomputes whether its floating pool must wake this thread. */
  onWakeWantedChange: () => void = () => {};

  /** True while a recycle into this channel's pools must wake the main thread. */
  get wantsWake(): boolean {
    return this.isWakeWanted;
  }

  private targetBuffers(): number {
    return this.senderBacklog + this.initialCredit;
  }

  private takeBufferForData(): ReservedBuffer | null {
    // Floating buffers are used before exclusive ones, so exclusive buffers come back as credit first.
    const floatingIndex = this.reserved.findIndex((b) => b.pool === this.floatingPool);
    if (floatingIndex >= 0) return this.reserved.splice(floatingIndex, 1)[0];
    const buffer = this.reserved.pop();
    if (buffer !== undefined) return buffer;
    if (!this.isCreditBased) {
      // No credit, so no reservation to honour: any free buffer of the channel or its gate will do.
      for (const pool of [this.exclusivePool, this.floatingPool]) {
        const segment = pool.requestSegment();
        if (segment >= 0) return { segment, pool };
      }
    }
    return null;
  }

  /** Asks the gate's floating pool for buffers while below target (called only when the consumer moved, or it already waits). */
  requestFloatingBuffers(): void {
    if (!this.isCreditBased || this.isReleased || this.failure !== null) return;
    if (this.isWaitingForFloating) {
      this.isWaitingForFloating = false;
      this.updateWakeWanted();
    }
    while (this.reserved.length < this.targetBuffers()) {
      const segment = this.floatingPool.requestSegment();
      if (segment < 0) {
        this.isWaitingForFloating = true;
        this.updateWakeWanted();
        return;
      }
      this.addReserved({ segment, pool: this.floatingPool });
    }
  }

  private addReserved(buffer: ReservedBuffer): void {
    this.reserved.push(buffer);
    if (!this.isCreditBased) return;
    this.unannouncedCredit++;
    this.maybeQueueAnnouncement();
  }

  private isAnnouncementQueued = false;

  /**
   * Queues one AddCredit (sent by the gate after the current event, carrying all credit accrued by then)
   * once announcing is worth a message: when the sender is low on credit, or a window's half accrued.
   * While the sender still holds plenty, credit accrues unannounced and rides in one later message.
   */
  private maybeQueueAnnouncement(): void {
    if (this.isAnnouncementQueued || this.unannouncedCredit === 0) return;
    const threshold = this.wakeThreshold;
    if (this.numCreditsGranted > threshold && this.unannouncedCredit < threshold) return;
    this.isAnnouncementQueued = true;
    this.onCreditAvailable(this);
  }
}
