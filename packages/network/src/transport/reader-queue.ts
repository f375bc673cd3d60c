// Server side of one connection (Flink's PartitionRequestQueue): serves subpartitions to a remote consumer TM.
import type { WaitOptions } from '../buffer/local-buffer-pool.js';
import { NetworkError } from '../errors.js';
import { idToKey, type AbstractId, type IdKey } from '../ids.js';
import { alignmentPadding } from '../memory/copy-bytes.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import { BufferSlice } from '../partition/buffer-slice.js';
import { EVENT_END_OF_PARTITION, eventTypeOf } from '../partition/events.js';
import type { ResultPartitionManager } from '../partition/result-partition-manager.js';
import { ResultSubpartition } from '../partition/result-subpartition.js';
import { ResultSubpartitionView } from '../partition/result-subpartition-view.js';
import { BUFFER_RESPONSE_OVERHEAD, DATA_TYPE } from '../protocol/constants.js';
import { encodeBufferResponse, encodeBufferResponseInto } from '../protocol/encode.js';
import type { NetworkMessage } from '../protocol/messages.js';
import type { FlowControlHandler, NetworkConnection } from './network-connection.js';
import type { NetworkLoop, NetworkPoller } from './network-loop.js';

/** Most frames one poll writes before it lets other I/O of the main thread run. */
const MAX_FRAMES_PER_POLL = 64;

/**
 * Frame buffers kept for reuse once the socket is done with them. A fresh 32 KiB buffer per frame costs an
 * allocation, page faults on first touch and, at ~20 000 frames/s, the external-memory pressure that makes
 * V8 run full collections on this thread; a reused one is warm in cache. Frames in flight beyond this
 * many are simply left to the garbage collector.
 */
const MAX_POOLED_FRAMES = 16;

/** One requested subpartition, read for one remote input channel. */
interface Reader {
  readonly receiverId: AbstractId;
  readonly key: IdKey;
  readonly queueId: number;
  readonly view: ResultSubpartitionView;
  /** Buffers the receiver has room for (credit mode); a data buffer is sent only while > 0. */
  numCreditsAvailable: number;
}

/** What a ReaderQueue needs from its TaskManager. */
export interface ReaderQueueContext {
  memory: NetworkMemory;
  waitOptions: WaitOptions;
  partitions: ResultPartitionManager;
  loop: NetworkLoop;
}

/**
 * The sender of one connection. Every PartitionRequest creates a reader over the requested
 * subpartition's queue and points the queue's signal at the network loop, so a producer that finishes
 * or flushes a buffer wakes this thread. Each poll sends, round-robin over the readers, one buffer at a
 * time from every reader that may send, while the socket is writable (the safety valve).
 *
 * Credit mode (`isCreditBased`): a reader may send a data buffer only while it holds credit; the
 * initial credit comes with the PartitionRequest and AddCredit adds to it; every data buffer costs one;
 * events cost none. Legacy mode: credit is ignored; the reader sends while the socket accepts, and the
 * receiver's only brake is to stop reading the socket.
 *
 * Owned by: the TaskManager main thread.
 */
export class ReaderQueue implements FlowControlHandler, NetworkPoller {
  private readonly readers = new Map<IdKey, Reader>();
  /** Receivers served once and released: late messages for them are dropped, not errors. */
  private readonly released = new Set<IdKey>();
  private order: Reader[] = [];
  private next = 0;
  private waitingForWritable = false;
  private connection: NetworkConnection | null = null;
  private readonly slice = new BufferSlice();
  private closed = false;
  /** Data frames whose bytes the socket no longer needs (see {@link MAX_POOLED_FRAMES}). */
  private readonly freeFrames: Uint8Array[] = [];
  private readonly frameBytes: number;
  private readonly reuseFrame = (frame: Uint8Array): void => {
    if (this.freeFrames.length < MAX_POOLED_FRAMES) this.freeFrames.push(frame);
  };

  constructor(private readonly context: ReaderQueueContext, readonly isCreditBased: boolean) {
    this.frameBytes = BUFFER_RESPONSE_OVERHEAD + context.memory.segmentSize;
    context.loop.add(this);
  }

  /** Readers serving a remote channel now. */
  get numReaders(): number {
    return this.readers.size;
  }

  /** Credit a reader holds now (for tests and metrics). */
  creditOf(receiverId: AbstractId): number {
    return this.readers.get(idToKey(receiverId))?.numCreditsAvailable ?? 0;
  }

  onMessage(message: NetworkMessage, connection: NetworkConnection): void {
    this.connection = connection;
    switch (message.type) {
      case 'PartitionRequest':
        this.addReader(message.partitionId, message.subpartitionIndex, message.receiverId, message.initialCredit, connection);
        break;
      case 'AddCredit': {
        const key = idToKey(message.receiverId);
        const reader = this.readers.get(key);
        if (reader === undefined) {
          // Released already: credits in flight are dropped. Never requested: tell the consumer (PROTOCOL.md).
          if (!this.released.has(key)) {
            connection.sendMessage({
              type: 'ErrorResponse', isFatal: false, receiverId: message.receiverId, code: 'ERR_NET_UNKNOWN_RECEIVER',
              message: `AddCredit for receiver ${key}, which never requested a partition on this connection`,
            });
          }
          return;
        }
        if (this.isCreditBased) {
          if (reader.numCreditsAvailable === 0 && message.credit > 0) reader.view.setWakeWanted(true); // the poll below looks for data
          reader.numCreditsAvailable += message.credit;
        }
        this.context.loop.schedule();
        break;
      }
      case 'CancelPartitionRequest':
        this.removeReader(idToKey(message.receiverId));
        break;
      case 'CloseRequest':
        this.releaseAll();
        break;
      case 'ResumeConsumption':
      case 'NewBufferSize':
        break; // reserved for aligned checkpoints and buffer debloating
      case 'ErrorResponse':
        if (message.isFatal) this.releaseAll();
        else this.removeReader(idToKey(message.receiverId));
        break;
      case 'BufferResponse':
        connection.closeWithError(new NetworkError('ERR_NET_MALFORMED_FRAME', `a consumer sent a BufferResponse to ${connection.remoteAddress}'s server side; only producers send buffers`));
        this.releaseAll();
        break;
    }
  }

  onClose(): void {
    this.releaseAll();
  }

  /** Sends what credit and the socket allow, one buffer per reader per round. */
  poll(): void {
    const connection = this.connection;
    if (connection === null || this.closed || this.order.length === 0) return;
    let numSent = 0;
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (let tried = 0; tried < this.order.length; tried++) {
        if (!connection.isWritable()) {
          this.awaitWritable(connection);
          return;
        }
        if (numSent >= MAX_FRAMES_PER_POLL) {
          setImmediate(() => this.context.loop.schedule());
          return;
        }
        const index = this.next;
        const reader = this.order[index];
        this.next = index + 1 >= this.order.length ? 0 : index + 1;
        if (this.canSend(reader)) {
          this.sendOne(reader, connection);
          numSent++;
          progressed = true;
          break; // restart the round from the next reader: one buffer at a time, round-robin
        }
      }
    }
  }

  private canSend(reader: Reader): boolean {
    if (!this.isCreditBased) return reader.view.hasData();
    return reader.numCreditsAvailable > 0 ? reader.view.hasData() : reader.view.isNextEvent();
  }

  private sendOne(reader: Reader, connection: NetworkConnection): void {
    const slice = this.slice;
    if (!reader.view.poll(slice)) return;
    if (slice.isEvent) {
      const event = slice.event!;
      const isEndOfPartition = eventTypeOf(event) === EVENT_END_OF_PARTITION;
      const frame = encodeBufferResponse(reader.receiverId, slice.sequenceNumber >>> 0, this.backlogAfter(reader, slice), DATA_TYPE.EVENT_BUFFER, event, 0, event.length);
      reader.view.release(slice);
      connection.sendFrame(frame);
      if (isEndOfPartition) this.removeReader(reader.key);
      return;
    }
    const frame = this.freeFrames.pop() ?? this.newFrame();
    const length = encodeBufferResponseInto(frame, reader.receiverId, slice.sequenceNumber >>> 0, this.backlogAfter(reader, slice), DATA_TYPE.DATA_BUFFER, this.context.memory.bytes, slice.offset, slice.length);
    // Out of credit: the producer need not wake this thread for every buffer it finishes; AddCredit will.
    if (this.isCreditBased && --reader.numCreditsAvailable === 0) reader.view.setWakeWanted(false);
    reader.view.release(slice); // the bytes are in the frame: the producer's segment goes back at once
    connection.sendFrame(frame.subarray(0, length), () => this.reuseFrame(frame));
  }

  /** A frame buffer whose payload (BUFFER_RESPONSE_OVERHEAD bytes in) starts on a word boundary, so copying it out of the segment is word-wise. */
  private newFrame(): Uint8Array {
    const padding = alignmentPadding(BUFFER_RESPONSE_OVERHEAD);
    return new Uint8Array(padding + this.frameBytes).subarray(padding);
  }

  private backlogAfter(reader: Reader, slice: BufferSlice): number {
    const backlog = reader.view.backlog - (!slice.isEvent && slice.isLast ? 1 : 0);
    return backlog > 0 ? backlog : 0;
  }

  private awaitWritable(connection: NetworkConnection): void {
    if (this.waitingForWritable) return;
    this.waitingForWritable = true;
    connection.onceWritable(() => {
      this.waitingForWritable = false;
      this.context.loop.schedule();
    });
  }

  private addReader(partitionId: AbstractId, subpartitionIndex: number, receiverId: AbstractId, initialCredit: number, connection: NetworkConnection): void {
    const key = idToKey(receiverId);
    let queueId: number;
    try {
      if (this.readers.has(key)) throw new NetworkError('ERR_NET_MALFORMED_FRAME', `receiver ${key} requested a partition twice on one connection`);
      queueId = this.context.partitions.queueOf(partitionId, subpartitionIndex);
    } catch (error) {
      const e = error as NetworkError;
      connection.sendMessage({ type: 'ErrorResponse', isFatal: false, receiverId, code: e.code, message: e.message });
      return;
    }
    const reader: Reader = {
      receiverId, key, queueId,
      view: new ResultSubpartitionView(this.context.memory, queueId, this.context.waitOptions),
      numCreditsAvailable: this.isCreditBased ? initialCredit : 0,
    };
    this.readers.set(key, reader);
    this.order.push(reader);
    ResultSubpartition.bindConsumer(this.context.memory, queueId, this.context.loop.signal);
    this.context.loop.schedule();
  }

  private removeReader(key: IdKey): void {
    const reader = this.readers.get(key);
    if (reader === undefined) return;
    this.readers.delete(key);
    this.released.add(key);
    this.order = this.order.filter((r) => r !== reader);
    if (this.next >= this.order.length) this.next = 0;
    reader.view.releaseAll();
  }

  private releaseAll(): void {
    this.closed = true;
    for (const key of [...this.readers.keys()]) this.removeReader(key);
    this.context.loop.delete(this);
  }
}
