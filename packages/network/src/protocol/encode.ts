// Pure encoder of the remote channel protocol: messages to frames (PROTOCOL.md §2–§3), no sockets (ws's Sender.frame).

import { copyBytes } from '../memory/copy-bytes.js';
import { ID_LENGTH, type AbstractId } from '../ids.js';
import {
  ADD_CREDIT_BODY_LENGTH,
  BUFFER_RESPONSE_OVERHEAD,
  CANCEL_PARTITION_REQUEST_BODY_LENGTH,
  CLOSE_REQUEST_BODY_LENGTH,
  DATA_TYPE,
  ERROR_FLAG_HAS_RECEIVER_ID,
  ERROR_FLAG_IS_FATAL,
  ERROR_RESPONSE_MIN_BODY_LENGTH,
  FRAME_HEADER_LENGTH,
  MAGIC,
  MAX_ERROR_CODE_BYTES,
  MAX_U32,
  MESSAGE_ID,
  NEW_BUFFER_SIZE_BODY_LENGTH,
  PARTITION_REQUEST_BODY_LENGTH,
  RESUME_CONSUMPTION_BODY_LENGTH,
  VERSION,
} from './constants.js';
import type { DataType, ErrorResponse, NetworkMessage } from './messages.js';

const textEncoder = new TextEncoder();

/** Below this many bytes `new Uint8Array` (zero-filled, often on the V8 heap) is cheaper than an unsafe allocation. */
const SMALL_FRAME_BYTES = 1024;

// ---- Public API --------------------------------------------------------------------------------------------

/**
 * Returns the number of bytes {@link encodeMessage} writes for `msg`, header included (the FRAME LENGTH).
 *
 * @throws RangeError or TypeError if a field is out of range (see {@link encodeMessage}).
 */
export function encodedLength(msg: NetworkMessage): number {
  switch (msg.type) {
    case 'BufferResponse':
      return BUFFER_RESPONSE_OVERHEAD + msg.payload.length;
    case 'ErrorResponse':
      return (
        FRAME_HEADER_LENGTH +
        ERROR_RESPONSE_MIN_BODY_LENGTH +
        (msg.isFatal ? 0 : ID_LENGTH) +
        errorCodeByteLength(msg.code) +
        Buffer.byteLength(msg.message, 'utf8')
      );
    case 'PartitionRequest':
      return FRAME_HEADER_LENGTH + PARTITION_REQUEST_BODY_LENGTH;
    case 'CancelPartitionRequest':
      return FRAME_HEADER_LENGTH + CANCEL_PARTITION_REQUEST_BODY_LENGTH;
    case 'CloseRequest':
      return FRAME_HEADER_LENGTH + CLOSE_REQUEST_BODY_LENGTH;
    case 'AddCredit':
      return FRAME_HEADER_LENGTH + ADD_CREDIT_BODY_LENGTH;
    case 'ResumeConsumption':
      return FRAME_HEADER_LENGTH + RESUME_CONSUMPTION_BODY_LENGTH;
    case 'NewBufferSize':
      return FRAME_HEADER_LENGTH + NEW_BUFFER_SIZE_BODY_LENGTH;
    default:
      return unknownType(msg);
  }
}

/**
 * Encodes one message into one freshly allocated frame (PROTOCOL.md §2–§3).
 *
 * The encoder refuses what the decoder would reject, so every frame it returns decodes back to an equal message.
 * For the hot path of sending buffers use {@link encodeBufferResponse}; to batch small frames (e.g. several
 * AddCredits) into one WebSocket message use {@link encodeMessages}.
 *
 * @throws TypeError if an id is not 16 bytes or `type`/`dataType` is unknown; RangeError if a number is not a
 *   u32, `credit`/`bufferSize` is 0, or an ErrorResponse code exceeds 65 535 utf-8 bytes. These are programming
 *   errors of the caller, never wire errors.
 */
export function encodeMessage(msg: NetworkMessage): Uint8Array {
  const length = encodedLength(msg);
  const frame = allocFrame(length);
  encodeMessageInto(msg, frame, 0);
  return frame;
}

/**
 * Encodes several messages back to back into one freshly allocated buffer: one WebSocket message carrying several
 * frames, which the decoder splits again (frames are self-delimiting, PROTOCOL.md §2).
 *
 * @throws like {@link encodeMessage}.
 */
export function encodeMessages(msgs: readonly NetworkMessage[]): Uint8Array {
  let total = 0;
  for (const msg of msgs) total += encodedLength(msg);
  const out = allocFrame(total);
  let offset = 0;
  for (const msg of msgs) offset = encodeMessageInto(msg, out, offset);
  return out;
}

/**
 * Encodes one message into `target` at `offset` and returns the offset just past the frame.
 *
 * @param target - where to write; needs {@link encodedLength}`(msg)` bytes free from `offset`.
 * @param offset - where the frame starts in `target`.
 * @throws like {@link encodeMessage}; RangeError if the frame does not fit, in which case nothing is written.
 */
export function encodeMessageInto(msg: NetworkMessage, target: Uint8Array, offset: number): number {
  const length = encodedLength(msg);
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    throw new RangeError(`a ${length}-byte ${msg.type} frame does not fit ${target.length} bytes at offset ${offset}`);
  }
  switch (msg.type) {
    case 'BufferResponse': {
      const { receiverId, sequenceNumber, backlog, dataType, payload } = msg;
      checkBufferResponse(receiverId, sequenceNumber, backlog, dataType, payload, 0, payload.length);
      return writeBufferResponse(target, offset, receiverId, sequenceNumber, backlog, dataType, payload, 0, payload.length);
    }
    case 'ErrorResponse':
      return writeErrorResponse(target, offset, length, msg);
    case 'PartitionRequest': {
      checkId(msg.partitionId, 'PartitionRequest.partitionId');
      checkU32(msg.subpartitionIndex, 'PartitionRequest.subpartitionIndex');
      checkId(msg.receiverId, 'PartitionRequest.receiverId');
      checkU32(msg.initialCredit, 'PartitionRequest.initialCredit');
      let o = writeHeader(target, offset, length, MESSAGE_ID.PartitionRequest);
      o = writeId(target, o, msg.partitionId);
      o = writeU32(target, o, msg.subpartitionIndex);
      o = writeId(target, o, msg.receiverId);
      return writeU32(target, o, msg.initialCredit);
    }
    case 'CancelPartitionRequest':
    case 'ResumeConsumption': {
      checkId(msg.receiverId, `${msg.type}.receiverId`);
      const o = writeHeader(target, offset, length, MESSAGE_ID[msg.type]);
      return writeId(target, o, msg.receiverId);
    }
    case 'CloseRequest':
      return writeHeader(target, offset, length, MESSAGE_ID.CloseRequest);
    case 'AddCredit':
      return writePositiveAndId(target, offset, length, msg.type, 'credit', msg.credit, msg.receiverId);
    case 'NewBufferSize':
      return writePositiveAndId(target, offset, length, msg.type, 'bufferSize', msg.bufferSize, msg.receiverId);
    default:
      return unknownType(msg);
  }
}

/**
 * Encodes a BufferResponse straight from a slice of a (shared) memory segment: header and payload go into ONE
 * freshly allocated, unshared buffer, so the payload is copied exactly once and the segment can be recycled as
 * soon as this returns. The result owns its `ArrayBuffer` (byteOffset 0) and may be sent or transferred.
 *
 * @param receiverId - the receiving input channel.
 * @param sequenceNumber - the channel's next sequence number (u32).
 * @param backlog - data buffers still queued for the channel after this one (u32).
 * @param dataType - {@link DATA_TYPE}`.DATA_BUFFER` or `.EVENT_BUFFER`.
 * @param payloadBytes - a view holding the payload, typically over a SharedArrayBuffer segment.
 * @param payloadOffset - where the payload starts in `payloadBytes`.
 * @param payloadLength - payload bytes.
 * @throws TypeError/RangeError on an invalid field or a payload range outside `payloadBytes`.
 */
export function encodeBufferResponse(
  receiverId: AbstractId,
  sequenceNumber: number,
  backlog: number,
  dataType: DataType,
  payloadBytes: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): Uint8Array {
  checkBufferResponse(receiverId, sequenceNumber, backlog, dataType, payloadBytes, payloadOffset, payloadLength);
  const frame = allocFrame(BUFFER_RESPONSE_OVERHEAD + payloadLength);
  writeBufferResponse(frame, 0, receiverId, sequenceNumber, backlog, dataType, payloadBytes, payloadOffset, payloadLength);
  return frame;
}

/**
 * {@link encodeBufferResponse} into `target` from offset 0, for a sender that reuses its frame buffers.
 * @returns the frame's length: send `target.subarray(0, length)`
 * @throws RangeError when `target` is shorter than the frame
 */
export function encodeBufferResponseInto(
  target: Uint8Array,
  receiverId: AbstractId,
  sequenceNumber: number,
  backlog: number,
  dataType: DataType,
  payloadBytes: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): number {
  checkBufferResponse(receiverId, sequenceNumber, backlog, dataType, payloadBytes, payloadOffset, payloadLength);
  const length = BUFFER_RESPONSE_OVERHEAD + payloadLength;
  if (target.length < length) throw new RangeError(`a ${length}-byte BufferResponse does not fit a ${target.length}-byte target`);
  writeBufferResponse(target, 0, receiverId, sequenceNumber, backlog, dataType, payloadBytes, payloadOffset, payloadLength);
  return length;
}

// ---- Writers (write order = PROTOCOL.md layouts; keep in sync with decode.ts) ------------------------------------

function writeBufferResponse(
  target: Uint8Array,
  offset: number,
  receiverId: AbstractId,
  sequenceNumber: number,
  backlog: number,
  dataType: DataType,
  payloadBytes: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): number {
  // header + receiverId (16), sequenceNumber (4), backlog (4), dataType (1), size (4), payload (size)
  let o = writeHeader(target, offset, BUFFER_RESPONSE_OVERHEAD + payloadLength, MESSAGE_ID.BufferResponse);
  o = writeId(target, o, receiverId);
  o = writeU32(target, o, sequenceNumber);
  o = writeU32(target, o, backlog);
  target[o++] = dataType;
  o = writeU32(target, o, payloadLength);
  if (payloadLength > 0) copyBytes(payloadBytes, payloadOffset, target, o, payloadLength); // word-wise even from shared memory
  return o + payloadLength;
}

function checkBufferResponse(
  receiverId: AbstractId,
  sequenceNumber: number,
  backlog: number,
  dataType: DataType,
  payloadBytes: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): void {
  checkId(receiverId, 'BufferResponse.receiverId');
  checkU32(sequenceNumber, 'BufferResponse.sequenceNumber');
  checkU32(backlog, 'BufferResponse.backlog');
  if (dataType !== DATA_TYPE.DATA_BUFFER && dataType !== DATA_TYPE.EVENT_BUFFER) {
    throw new TypeError(`BufferResponse.dataType must be 1 (DATA_BUFFER) or 2 (EVENT_BUFFER), got ${String(dataType)}`);
  }
  if (
    !Number.isInteger(payloadOffset) ||
    !Number.isInteger(payloadLength) ||
    payloadOffset < 0 ||
    payloadLength < 0 ||
    payloadOffset + payloadLength > payloadBytes.length
  ) {
    throw new RangeError(`payload range [${payloadOffset}, +${payloadLength}) lies outside ${payloadBytes.length} bytes`);
  }
}

function writeErrorResponse(target: Uint8Array, offset: number, length: number, msg: ErrorResponse): number {
  if (!msg.isFatal) checkId(msg.receiverId, 'ErrorResponse.receiverId');
  // header + flags (1), [receiverId (16)], codeLength (2), code, messageLength (4), message
  let o = writeHeader(target, offset, length, MESSAGE_ID.ErrorResponse);
  if (msg.isFatal) {
    target[o++] = ERROR_FLAG_IS_FATAL;
  } else {
    target[o++] = ERROR_FLAG_HAS_RECEIVER_ID;
    o = writeId(target, o, msg.receiverId);
  }
  const codeLength = Buffer.byteLength(msg.code, 'utf8');
  target[o++] = codeLength >>> 8;
  target[o++] = codeLength & 0xff;
  o = writeUtf8(target, o, msg.code, codeLength);
  const messageLength = offset + length - o - 4;
  o = writeU32(target, o, messageLength);
  return writeUtf8(target, o, msg.message, messageLength);
}

/** Writes AddCredit or NewBufferSize: `| value (4, > 0) | receiverId (16) |` (PROTOCOL.md §3.6, §3.8). */
function writePositiveAndId(
  target: Uint8Array,
  offset: number,
  length: number,
  type: 'AddCredit' | 'NewBufferSize',
  field: string,
  value: number,
  receiverId: AbstractId,
): number {
  checkU32(value, `${type}.${field}`);
  if (value === 0) throw new RangeError(`${type}.${field} must be greater than 0`);
  checkId(receiverId, `${type}.receiverId`);
  let o = writeHeader(target, offset, length, MESSAGE_ID[type]);
  o = writeU32(target, o, value);
  return writeId(target, o, receiverId);
}

/** Writes `| FRAME LENGTH (4) | MAGIC (4) | VERSION (1) | ID (1) |` (PROTOCOL.md §2); returns the body offset. */
function writeHeader(target: Uint8Array, offset: number, frameLength: number, id: number): number {
  if (frameLength > MAX_U32) throw new RangeError(`a frame of ${frameLength} bytes exceeds the u32 FRAME LENGTH`);
  let o = writeU32(target, offset, frameLength);
  o = writeU32(target, o, MAGIC);
  target[o++] = VERSION;
  target[o++] = id;
  return o;
}

function writeU32(target: Uint8Array, offset: number, value: number): number {
  target[offset] = value >>> 24;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
  return offset + 4;
}

function writeId(target: Uint8Array, offset: number, id: AbstractId): number {
  for (let i = 0; i < ID_LENGTH; i++) target[offset + i] = id[i]!;
  return offset + ID_LENGTH;
}

function writeUtf8(target: Uint8Array, offset: number, text: string, byteLength: number): number {
  if (byteLength > 0) textEncoder.encodeInto(text, target.subarray(offset, offset + byteLength));
  return offset + byteLength;
}

// ---- Checks and allocation ---------------------------------------------------------------------------------

function checkU32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new RangeError(`${field} must be an integer in [0, ${MAX_U32}], got ${String(value)}`);
  }
}

function checkId(id: AbstractId, field: string): void {
  if (!(id instanceof Uint8Array) || id.length !== ID_LENGTH) {
    throw new TypeError(`${field} must be a ${ID_LENGTH}-byte id`);
  }
}

function errorCodeByteLength(code: string): number {
  if (typeof code !== 'string') throw new TypeError('ErrorResponse.code must be a string');
  const length = Buffer.byteLength(code, 'utf8');
  if (length > MAX_ERROR_CODE_BYTES) {
    throw new RangeError(`ErrorResponse.code has ${length} utf-8 bytes, more than ${MAX_ERROR_CODE_BYTES}`);
  }
  return length;
}

/**
 * Allocates a frame. Every byte of it gets written, so large frames skip zero-filling: the payload copy is then
 * the only pass over their memory. The result is a plain `Uint8Array` owning its `ArrayBuffer` from offset 0.
 */
function allocFrame(length: number): Uint8Array {
  if (length < SMALL_FRAME_BYTES) return new Uint8Array(length);
  const unsafe = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(unsafe.buffer, unsafe.byteOffset, length);
}

function unknownType(msg: never): never {
  throw new TypeError(`unknown message type ${JSON.stringify((msg as { type?: unknown }).type)}`);
}
