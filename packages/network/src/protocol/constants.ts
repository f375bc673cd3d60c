// Wire constants of the remote channel protocol; each one cites its section of packages/network/PROTOCOL.md.
//
// Keep in sync with PROTOCOL.md and test/protocol/golden.test.ts: a layout change edits all three (§10).

import { ID_LENGTH } from '../ids.js';
import type { NetworkMessageType } from './messages.js';

// ---- Frame header (PROTOCOL.md §2) -------------------------------------------------------------------------
//
//   byte  0               4               8       9       10
//         +---------------+---------------+-------+-------+==================+
//         | FRAME LENGTH  |     MAGIC     |VERSION|  ID   ||      BODY       |
//         |   (4, u32)    | 0x534C5543    | (1)=1 |  (1)  ||  FRAME LENGTH-10 |
//         |               |   "SLUC"      |       |       ||                  |
//         +---------------+---------------+-------+-------+==================+
//
//   All integers are unsigned big-endian. FRAME LENGTH counts the whole frame, itself included.

/** Bytes in every frame header: FRAME LENGTH (4) + MAGIC (4) + VERSION (1) + ID (1) (PROTOCOL.md §2). */
export const FRAME_HEADER_LENGTH = 10;
/** Offset of the u32 FRAME LENGTH field in the header (PROTOCOL.md §2). */
export const FRAME_LENGTH_OFFSET = 0;
/** Offset of the u32 MAGIC field in the header (PROTOCOL.md §2). */
export const MAGIC_OFFSET = 4;
/** Offset of the u8 VERSION field in the header (PROTOCOL.md §2). */
export const VERSION_OFFSET = 8;
/** Offset of the u8 message ID field in the header (PROTOCOL.md §2). */
export const ID_OFFSET = 9;
/** Every frame's magic number, ASCII "SLUC" (PROTOCOL.md §2). */
export const MAGIC = 0x534c5543;
/** The one protocol version this codec speaks (PROTOCOL.md §8). */
export const VERSION = 1;

// ---- Message ids (PROTOCOL.md §3) --------------------------------------------------------------------------

/**
 * The ID byte of every message, keyed by the message's `type` (PROTOCOL.md §3). Numbering follows Flink's
 * `NettyMessage`; see {@link RESERVED_MESSAGE_IDS} for the gaps.
 */
export const MESSAGE_ID = {
  BufferResponse: 0,
  ErrorResponse: 1,
  PartitionRequest: 2,
  CancelPartitionRequest: 4,
  CloseRequest: 5,
  AddCredit: 6,
  ResumeConsumption: 7,
  NewBufferSize: 10,
} as const satisfies Record<NetworkMessageType, number>;

/**
 * Ids kept free so the numbering stays Flink's: 3 `TaskEventRequest`, 8 `AckAllUserRecordsProcessed`,
 * 9 `BacklogAnnouncement` (PROTOCOL.md §3). A frame carrying one fails with `ERR_NET_UNKNOWN_MESSAGE`.
 */
export const RESERVED_MESSAGE_IDS: readonly number[] = [3, 8, 9];

// ---- Bodies (PROTOCOL.md §3.1–§3.8); offsets are relative to the body start -----------------------------------
//
//   BufferResponse (0), §3.1                                  29 + size bytes
//     0                16       20        24   25        29
//     | receiverId (16) | seq (4) | backlog (4) | type (1) | size (4) || payload (size) |
//
//   ErrorResponse (1), §3.2                                   7 (+16) + codeLength + messageLength bytes
//     0           1                   [17]
//     | flags (1) | [receiverId (16)] | codeLength (2) | code | messageLength (4) | message |
//
//   PartitionRequest (2), §3.3                                40 bytes
//     0                 16                    20                36
//     | partitionId (16) | subpartitionIndex (4) | receiverId (16) | initialCredit (4) |
//
//   CancelPartitionRequest (4), §3.4 / ResumeConsumption (7), §3.7     16 bytes
//     | receiverId (16) |
//
//   CloseRequest (5), §3.5                                    0 bytes
//
//   AddCredit (6), §3.6 / NewBufferSize (10), §3.8            20 bytes
//     0                          4
//     | credit or bufferSize (4) | receiverId (16) |

/** Fixed body bytes of a BufferResponse before its payload: 16 + 4 + 4 + 1 + 4 (PROTOCOL.md §3.1). */
export const BUFFER_RESPONSE_FIXED_BODY_LENGTH = ID_LENGTH + 4 + 4 + 1 + 4;
/** Bytes a BufferResponse adds around its payload: frame header + fixed body = 39 (PROTOCOL.md §3.1). */
export const BUFFER_RESPONSE_OVERHEAD = FRAME_HEADER_LENGTH + BUFFER_RESPONSE_FIXED_BODY_LENGTH;
/** Smallest ErrorResponse body: flags (1) + codeLength (2) + messageLength (4), no receiverId (PROTOCOL.md §3.2). */
export const ERROR_RESPONSE_MIN_BODY_LENGTH = 1 + 2 + 4;
/** Body bytes of a PartitionRequest: 16 + 4 + 16 + 4 (PROTOCOL.md §3.3). */
export const PARTITION_REQUEST_BODY_LENGTH = ID_LENGTH + 4 + ID_LENGTH + 4;
/** Body bytes of a CancelPartitionRequest: receiverId (PROTOCOL.md §3.4). */
export const CANCEL_PARTITION_REQUEST_BODY_LENGTH = ID_LENGTH;
/** Body bytes of a CloseRequest: none (PROTOCOL.md §3.5). */
export const CLOSE_REQUEST_BODY_LENGTH = 0;
/** Body bytes of an AddCredit: credit (4) + receiverId (16) (PROTOCOL.md §3.6). */
export const ADD_CREDIT_BODY_LENGTH = 4 + ID_LENGTH;
/** Body bytes of a ResumeConsumption: receiverId (PROTOCOL.md §3.7). */
export const RESUME_CONSUMPTION_BODY_LENGTH = ID_LENGTH;
/** Body bytes of a NewBufferSize: bufferSize (4) + receiverId (16) (PROTOCOL.md §3.8). */
export const NEW_BUFFER_SIZE_BODY_LENGTH = 4 + ID_LENGTH;

/** Largest value of the u16 `codeLength` field of an ErrorResponse, in utf-8 bytes (PROTOCOL.md §3.2). */
export const MAX_ERROR_CODE_BYTES = 0xffff;
/** Largest value of any u32 field (sequence number, backlog, credit, sizes) (PROTOCOL.md §2). */
export const MAX_U32 = 0xffffffff;

// ---- ErrorResponse flags (PROTOCOL.md §3.2) ----------------------------------------------------------------

/** Flag bit 0: a receiverId follows; the error fails that one channel (PROTOCOL.md §3.2, §7). */
export const ERROR_FLAG_HAS_RECEIVER_ID = 0x01;
/** Flag bit 1: the error is fatal and closes the connection; it carries no receiverId (PROTOCOL.md §3.2, §7). */
export const ERROR_FLAG_IS_FATAL = 0x02;

// ---- Data types (PROTOCOL.md §4) ---------------------------------------------------------------------------

/**
 * The `dataType` byte of a BufferResponse, Flink's `Buffer.DataType` ordinals (PROTOCOL.md §4). Only these two
 * are accepted; the other ordinals (0 NONE, 3 PRIORITIZED_EVENT_BUFFER, …) stay free for later versions.
 */
export const DATA_TYPE = {
  /** Serialized records; consumes one credit. */
  DATA_BUFFER: 1,
  /** An event (barrier, end-of-partition, …), opaque bytes to the network; consumes no credit. */
  EVENT_BUFFER: 2,
} as const;

// ---- Limits (PROTOCOL.md §9) -------------------------------------------------------------------------------

/** Smallest allowed `maxFrameBytes` of a decoder: enough for every fixed-size control frame (PROTOCOL.md §9). */
export const MIN_FRAME_LIMIT_BYTES = 64;
/** Largest allowed `maxFrameBytes` of a decoder, 1 GiB: one frame is assembled in one allocation (PROTOCOL.md §9). */
export const MAX_FRAME_LIMIT_BYTES = 2 ** 30;
