// The messages of the remote channel protocol as a discriminated union: the one types file of the wire boundary.

import type { AbstractId } from '../ids.js';
import type { DATA_TYPE } from './constants.js';

/** The `dataType` of a BufferResponse: 1 = DATA_BUFFER, 2 = EVENT_BUFFER (PROTOCOL.md §4). */
export type DataType = (typeof DATA_TYPE)[keyof typeof DATA_TYPE];

/**
 * S→C, id 0 (PROTOCOL.md §3.1): one buffer or event of one channel.
 *
 * A data buffer consumes one credit of the channel; an event consumes none. Every BufferResponse of a channel
 * carries the next sequence number and the sender's backlog after this buffer was taken.
 */
export interface BufferResponse {
  readonly type: 'BufferResponse';
  /** The receiving input channel. */
  readonly receiverId: AbstractId;
  /** Per-channel sequence number, 0, 1, 2, … over buffers and events alike (u32). */
  readonly sequenceNumber: number;
  /** Data buffers still queued at the sender for this channel after this one (u32). */
  readonly backlog: number;
  /** Data or event. */
  readonly dataType: DataType;
  /**
   * The bytes, opaque to the network. When decoded, this may be a view into the chunk given to
   * `FrameDecoder.push`, valid only during the `onMessage` callback: copy it to keep it.
   */
  readonly payload: Uint8Array;
}

/**
 * Both directions, id 1 (PROTOCOL.md §3.2), channel-scoped: fails the one channel named by `receiverId`;
 * the connection and its other channels carry on.
 */
export interface ChannelErrorResponse {
  readonly type: 'ErrorResponse';
  readonly isFatal: false;
  /** The failed channel. */
  readonly receiverId: AbstractId;
  /** A stable error code, e.g. `ERR_NET_PARTITION_NOT_FOUND` (at most 65 535 utf-8 bytes). */
  readonly code: string;
  /** The human-readable cause. */
  readonly message: string;
}

/**
 * Both directions, id 1 (PROTOCOL.md §3.2), fatal: the sender closes the connection after it, and the receiver
 * fails every channel of the connection. Carries no receiverId.
 */
export interface FatalErrorResponse {
  readonly type: 'ErrorResponse';
  readonly isFatal: true;
  /** A stable error code, e.g. `ERR_NET_BAD_MAGIC` (at most 65 535 utf-8 bytes). */
  readonly code: string;
  /** The human-readable cause. */
  readonly message: string;
}

/** Id 1 (PROTOCOL.md §3.2): an error, either channel-scoped or fatal (Flink's `isFatalError()`). */
export type ErrorResponse = ChannelErrorResponse | FatalErrorResponse;

/** C→S, id 2 (PROTOCOL.md §3.3): asks for one subpartition and opens a channel with its initial credit. */
export interface PartitionRequest {
  readonly type: 'PartitionRequest';
  /** The producing result partition. */
  readonly partitionId: AbstractId;
  /** Which subpartition of it (u32). */
  readonly subpartitionIndex: number;
  /** The requesting input channel; every later message of the channel names it. */
  readonly receiverId: AbstractId;
  /** The channel's exclusive buffers (u32); 0 in legacy mode or when the channel has no exclusive buffers. */
  readonly initialCredit: number;
}

/** C→S, id 4 (PROTOCOL.md §3.4): the consumer releases one channel; the connection stays open. */
export interface CancelPartitionRequest {
  readonly type: 'CancelPartitionRequest';
  readonly receiverId: AbstractId;
}

/** C→S, id 5 (PROTOCOL.md §3.5): the consumer closes the connection; the producer releases every reader on it. */
export interface CloseRequest {
  readonly type: 'CloseRequest';
}

/** C→S, id 6 (PROTOCOL.md §3.6): announces more credit for one channel, incrementally. */
export interface AddCredit {
  readonly type: 'AddCredit';
  /** Newly freed buffers, always > 0 (u32). */
  readonly credit: number;
  readonly receiverId: AbstractId;
}

/** C→S, id 7 (PROTOCOL.md §3.7), reserved for aligned checkpoints: unblocks a subpartition after alignment. */
export interface ResumeConsumption {
  readonly type: 'ResumeConsumption';
  readonly receiverId: AbstractId;
}

/** C→S, id 10 (PROTOCOL.md §3.8), reserved for buffer debloating: the consumer asks for a new buffer size. */
export interface NewBufferSize {
  readonly type: 'NewBufferSize';
  /** The new size in bytes, always > 0 (u32). */
  readonly bufferSize: number;
  readonly receiverId: AbstractId;
}

/** Every message of the remote channel protocol, discriminated by `type` (the message's name). */
export type NetworkMessage =
  | BufferResponse
  | ErrorResponse
  | PartitionRequest
  | CancelPartitionRequest
  | CloseRequest
  | AddCredit
  | ResumeConsumption
  | NewBufferSize;

/** The name of a message, its `type`. */
export type NetworkMessageType = NetworkMessage['type'];
