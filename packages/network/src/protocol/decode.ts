// Pure, incremental decoder of the remote channel protocol: byte chunks to messages (PROTOCOL.md §2–§3, §7), no sockets.

import { ID_LENGTH, type AbstractId } from '../ids.js';
import { NetworkError } from '../errors.js';
import {
  ADD_CREDIT_BODY_LENGTH,
  BUFFER_RESPONSE_FIXED_BODY_LENGTH,
  CANCEL_PARTITION_REQUEST_BODY_LENGTH,
  CLOSE_REQUEST_BODY_LENGTH,
  DATA_TYPE,
  ERROR_FLAG_HAS_RECEIVER_ID,
  ERROR_FLAG_IS_FATAL,
  ERROR_RESPONSE_MIN_BODY_LENGTH,
  FRAME_HEADER_LENGTH,
  FRAME_LENGTH_OFFSET,
  ID_OFFSET,
  MAGIC,
  MAGIC_OFFSET,
  MAX_FRAME_LIMIT_BYTES,
  MESSAGE_ID,
  MIN_FRAME_LIMIT_BYTES,
  NEW_BUFFER_SIZE_BODY_LENGTH,
  PARTITION_REQUEST_BODY_LENGTH,
  RESUME_CONSUMPTION_BODY_LENGTH,
  VERSION,
  VERSION_OFFSET,
} from './constants.js';
import type { NetworkMessage, NetworkMessageType } from './messages.js';

/** Receives what {@link FrameDecoder.push} decodes. */
export interface FrameHandler {
  /**
   * Called once per decoded message, in stream order. A BufferResponse `payload` may be a view into the pushed
   * chunk or into the decoder's assembly buffer: it is valid only until this call returns, so copy it to keep it.
   * A throw from here propagates out of `push` and closes the decoder (see {@link FrameDecoder.push}).
   */
  onMessage(msg: NetworkMessage): void;
  /**
   * Called at most once, on the first malformed input; the decoder ignores everything after it. Every such error
   * is connection-scoped: answer with a fatal ErrorResponse naming it and close the connection (PROTOCOL.md §7).
   */
  onError(err: NetworkError): void;
}

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest accepted frame, header included, in [64, 2^30] bytes. A frame announcing more is rejected with
   * `ERR_NET_FRAME_TOO_LARGE` before any of its body is buffered. Size it for the largest BufferResponse:
   * segment size + 39 bytes (PROTOCOL.md §9).
   */
  maxFrameBytes: number;
}

/** How long a message's body may be: exactly `exact` bytes, or at least `min` when `exact` is -1 (PROTOCOL.md §3). */
interface BodyLengthRule {
  readonly name: NetworkMessageType;
  readonly exact: number;
  readonly min: number;
}

const fixedBody = (length: number): Omit<BodyLengthRule, 'name'> => ({ exact: length, min: length });

/** Keep in sync with constants.ts and PROTOCOL.md §3; typed over every message type so none is forgotten. */
const BODY_LENGTHS: Record<NetworkMessageType, Omit<BodyLengthRule, 'name'>> = {
  BufferResponse: { exact: -1, min: BUFFER_RESPONSE_FIXED_BODY_LENGTH },
  ErrorResponse: { exact: -1, min: ERROR_RESPONSE_MIN_BODY_LENGTH },
  PartitionRequest: fixedBody(PARTITION_REQUEST_BODY_LENGTH),
  CancelPartitionRequest: fixedBody(CANCEL_PARTITION_REQUEST_BODY_LENGTH),
  CloseRequest: fixedBody(CLOSE_REQUEST_BODY_LENGTH),
  AddCredit: fixedBody(ADD_CREDIT_BODY_LENGTH),
  ResumeConsumption: fixedBody(RESUME_CONSUMPTION_BODY_LENGTH),
  NewBufferSize: fixedBody(NEW_BUFFER_SIZE_BODY_LENGTH),
};

/**
 * The body length rule of every possible ID byte, checked as soon as a header is complete, before the body is
 * buffered; `undefined` marks an unknown or reserved id. Dense over 0..255 so the lookup never goes out of bounds.
 */
const RULE_BY_ID: readonly (BodyLengthRule | undefined)[] = (() => {
  const rules = new Array<BodyLengthRule | undefined>(256).fill(undefined);
  for (const name of Object.keys(MESSAGE_ID) as NetworkMessageType[]) {
    rules[MESSAGE_ID[name]] = { name, ...BODY_LENGTHS[name] };
  }
  return rules;
})();

/**
 * Turns a stream of byte chunks into protocol messages, for one direction of one connection.
 *
 * Transport-agnostic: chunks may split frames anywhere and one chunk may hold many frames, so it serves WebSocket
 * messages (one or several frames each) and raw byte streams alike.
 *
 * ```
 *   push(chunk) ──► ┌ at a frame boundary, whole frame in the chunk ─► decode in place (payload = view) ─┐
 *                   └ frame split across chunks ─► header scratch (10 B) ─► assembly buffer (≤ max) ───┴─► onMessage
 *                     any validation failure ─► onError once ─► poisoned: all further input is ignored
 * ```
 *
 * Guarantees: its own validation never throws (every problem goes to `onError`, at most once); memory held for
 * an incomplete frame never exceeds `maxFrameBytes`; a FRAME LENGTH outside [10, maxFrameBytes] and a body length
 * wrong for the message id are rejected from the header alone, before the body is buffered; each `push` runs in
 * time linear in the chunk.
 *
 * Owned by: the thread that owns the connection (TaskManager main thread). Not re-entrant: don't call `push` from
 * inside a handler callback.
 */
export class FrameDecoder {
  /** The largest accepted frame in bytes, header included. */
  readonly maxFrameBytes: number;

  #isPoisoned = false;
  /** Bytes of all completed frames so far: where the current frame starts in the stream (for error messages). */
  #numConsumedBytes = 0;
  /** Scratch for a header split across chunks; `#numHeaderBytes` of it are valid. */
  readonly #header = new Uint8Array(FRAME_HEADER_LENGTH);
  #numHeaderBytes = 0;
  /** The frame being assembled across chunks (whole frame, header included), or null. */
  #frame: Uint8Array | null = null;
  #numFrameBytes = 0;

  /**
   * @param options - see {@link FrameDecoderOptions}.
   * @throws RangeError if `maxFrameBytes` is not an integer in [64, 2^30].
   */
  constructor(options: FrameDecoderOptions) {
    const max = options.maxFrameBytes;
    if (!Number.isInteger(max) || max < MIN_FRAME_LIMIT_BYTES || max > MAX_FRAME_LIMIT_BYTES) {
      throw new RangeError(
        `maxFrameBytes must be an integer in [${MIN_FRAME_LIMIT_BYTES}, ${MAX_FRAME_LIMIT_BYTES}], got ${String(max)}`,
      );
    }
    this.maxFrameBytes = max;
  }

  /** Whether the decoder has reported an error and now ignores all input. */
  get isPoisoned(): boolean {
    return this.#isPoisoned;
  }

  /** Bytes received of the incomplete frame (0 at a frame boundary). */
  get numPendingBytes(): number {
    return this.#frame === null ? this.#numHeaderBytes : this.#numFrameBytes;
  }

  /**
   * Bytes of memory held for the incomplete frame: the partial header, or the assembly buffer (sized to the
   * announced FRAME LENGTH). Always ≤ `maxFrameBytes`; 0 at a frame boundary and once poisoned.
   */
  get numBufferedBytes(): number {
    return this.#frame === null ? this.#numHeaderBytes : this.#frame.length;
  }

  /**
   * Decodes every complete frame in `chunk` (plus bytes kept from earlier chunks), calling `handler.onMessage`
   * for each in order, and keeps an incomplete tail for the next call.
   *
   * On the first malformed input it calls `handler.onError` once, drops its buffers and ignores all later input.
   * If `onMessage` throws, the exception propagates out of `push` and the decoder stops as well (without calling
   * `onError`): the rest of the chunk is dropped, so the stream position can no longer be trusted.
   *
   * @param chunk - bytes in stream order; read during this call only, never kept (a split frame is copied).
   */
  push(chunk: Uint8Array, handler: FrameHandler): void {
    if (this.#isPoisoned) return;
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.#frame !== null || this.#numHeaderBytes > 0) {
        pos = this.#continueSplitFrame(chunk, pos, handler);
        continue;
      }
      // At a frame boundary.
      const available = end - pos;
      if (available < FRAME_HEADER_LENGTH) {
        this.#header.set(chunk.subarray(pos, end), 0);
        this.#numHeaderBytes = available;
        return;
      }
      const frameLength = this.#checkHeader(chunk, pos, handler);
      if (frameLength < 0) return;
      if (available < frameLength) {
        this.#frame = new Uint8Array(frameLength);
        this.#frame.set(chunk.subarray(pos, end), 0);
        this.#numFrameBytes = available;
        return;
      }
      if (!this.#decodeAndDeliver(chunk, pos, frameLength, handler)) return;
      pos += frameLength;
    }
  }

  // ---- Split frames --------------------------------------------------------------------------------------------

  /** Feeds bytes to a frame begun in an earlier chunk; returns the new position, or `chunk.length` to stop. */
  #continueSplitFrame(chunk: Uint8Array, pos: number, handler: FrameHandler): number {
    const end = chunk.length;
    if (this.#frame === null) {
      const n = Math.min(FRAME_HEADER_LENGTH - this.#numHeaderBytes, end - pos);
      this.#header.set(chunk.subarray(pos, pos + n), this.#numHeaderBytes);
      this.#numHeaderBytes += n;
      pos += n;
      if (this.#numHeaderBytes < FRAME_HEADER_LENGTH) return end;
      const frameLength = this.#checkHeader(this.#header, 0, handler);
      if (frameLength < 0) return end;
      this.#frame = new Uint8Array(frameLength);
      this.#frame.set(this.#header, 0);
      this.#numFrameBytes = FRAME_HEADER_LENGTH;
      this.#numHeaderBytes = 0;
    }
    const frame = this.#frame;
    const n = Math.min(frame.length - this.#numFrameBytes, end - pos);
    if (n > 0) {
      frame.set(chunk.subarray(pos, pos + n), this.#numFrameBytes);
      this.#numFrameBytes += n;
      pos += n;
    }
    if (this.#numFrameBytes < frame.length) return end;
    this.#frame = null;
    this.#numFrameBytes = 0;
    return this.#decodeAndDeliver(frame, 0, frame.length, handler) ? pos : end;
  }

  // ---- Validation and delivery -----------------------------------------------------------------------------------

  /**
   * Checks the header at `bytes[offset..offset+10)`: magic, version, id, then FRAME LENGTH against the limit and
   * the id's body length rule (PROTOCOL.md §2, §7). Returns the frame length, or -1 after reporting an error.
   */
  #checkHeader(bytes: Uint8Array, offset: number, handler: FrameHandler): number {
    const magic = readU32(bytes, offset + MAGIC_OFFSET);
    if (magic !== MAGIC) {
      return this.#fail(handler, 'ERR_NET_BAD_MAGIC', `bad magic ${hex32(magic)} (expected ${hex32(MAGIC)} "SLUC")`);
    }
    const version = bytes[offset + VERSION_OFFSET]!;
    if (version !== VERSION) {
      return this.#fail(handler, 'ERR_NET_BAD_VERSION', `unsupported protocol version ${version} (this side speaks ${VERSION})`);
    }
    const id = bytes[offset + ID_OFFSET]!;
    const rule = RULE_BY_ID[id];
    if (rule === undefined) {
      return this.#fail(handler, 'ERR_NET_UNKNOWN_MESSAGE', `unknown message id ${id}`);
    }
    const { name, exact, min } = rule;
    const frameLength = readU32(bytes, offset + FRAME_LENGTH_OFFSET);
    if (frameLength > this.maxFrameBytes) {
      return this.#fail(
        handler,
        'ERR_NET_FRAME_TOO_LARGE',
        `frame of ${frameLength} bytes exceeds the ${this.maxFrameBytes}-byte limit (${name})`,
      );
    }
    const bodyLength = frameLength - FRAME_HEADER_LENGTH;
    if (bodyLength < 0) {
      return this.#fail(handler, 'ERR_NET_MALFORMED_FRAME', `frame length ${frameLength} is below the ${FRAME_HEADER_LENGTH}-byte header`);
    }
    if (exact >= 0 ? bodyLength !== exact : bodyLength < min) {
      const expected = exact >= 0 ? `${exact}` : `at least ${min}`;
      return this.#fail(handler, 'ERR_NET_MALFORMED_FRAME', `${name} body of ${bodyLength} bytes (expected ${expected})`);
    }
    return frameLength;
  }

  /** Decodes the header-checked frame at `bytes[offset..offset+frameLength)` and delivers it; false if poisoned. */
  #decodeAndDeliver(bytes: Uint8Array, offset: number, frameLength: number, handler: FrameHandler): boolean {
    const result = decodeBody(bytes, offset + FRAME_HEADER_LENGTH, offset + frameLength);
    if (typeof result === 'string') {
      this.#fail(handler, 'ERR_NET_MALFORMED_FRAME', result);
      return false;
    }
    this.#numConsumedBytes += frameLength;
    let isDelivered = false;
    try {
      handler.onMessage(result);
      isDelivered = true;
    } finally {
      if (!isDelivered) this.#poison();
    }
    return true;
  }

  #fail(handler: FrameHandler, code: ConstructorParameters<typeof NetworkError>[0], cause: string): -1 {
    const at = this.#numConsumedBytes;
    this.#poison();
    handler.onError(new NetworkError(code, `${cause}, in the frame at stream offset ${at}`));
    return -1;
  }

  #poison(): void {
    this.#isPoisoned = true;
    this.#frame = null;
    this.#numFrameBytes = 0;
    this.#numHeaderBytes = 0;
  }
}

// ---- Bodies (read order = PROTOCOL.md §3 layouts; keep in sync with encode.ts) --------------------------------------

/**
 * Decodes the body at `bytes[start..end)` of a frame whose header passed {@link FrameDecoder}'s checks (known id,
 * body length allowed for it). Returns the message, or a string naming why the body is malformed. Never throws.
 */
function decodeBody(bytes: Uint8Array, start: number, end: number): NetworkMessage | string {
  const id = bytes[start - FRAME_HEADER_LENGTH + ID_OFFSET];
  switch (id) {
    case MESSAGE_ID.BufferResponse:
      return decodeBufferResponse(bytes, start, end);
    case MESSAGE_ID.ErrorResponse:
      return decodeErrorResponse(bytes, start, end);
    case MESSAGE_ID.PartitionRequest:
      return {
        type: 'PartitionRequest',
        partitionId: readId(bytes, start),
        subpartitionIndex: readU32(bytes, start + ID_LENGTH),
        receiverId: readId(bytes, start + ID_LENGTH + 4),
        initialCredit: readU32(bytes, start + ID_LENGTH + 4 + ID_LENGTH),
      };
    case MESSAGE_ID.CancelPartitionRequest:
      return { type: 'CancelPartitionRequest', receiverId: readId(bytes, start) };
    case MESSAGE_ID.CloseRequest:
      return { type: 'CloseRequest' };
    case MESSAGE_ID.AddCredit: {
      const credit = readU32(bytes, start);
      if (credit === 0) return 'AddCredit with credit 0 (credit is announced only when > 0)';
      return { type: 'AddCredit', credit, receiverId: readId(bytes, start + 4) };
    }
    case MESSAGE_ID.ResumeConsumption:
      return { type: 'ResumeConsumption', receiverId: readId(bytes, start) };
    case MESSAGE_ID.NewBufferSize: {
      const bufferSize = readU32(bytes, start);
      if (bufferSize === 0) return 'NewBufferSize with bufferSize 0 (must be > 0)';
      return { type: 'NewBufferSize', bufferSize, receiverId: readId(bytes, start + 4) };
    }
    default:
      return `unknown message id ${String(id)}`; // unreachable: the header check knows the same ids
  }
}

/** `| receiverId (16) | seq (4) | backlog (4) | dataType (1) | size (4) || payload (size) |` (PROTOCOL.md §3.1). */
function decodeBufferResponse(bytes: Uint8Array, start: number, end: number): NetworkMessage | string {
  let o = start + ID_LENGTH;
  const sequenceNumber = readU32(bytes, o);
  const backlog = readU32(bytes, o + 4);
  const dataType = bytes[o + 8];
  const size = readU32(bytes, o + 9);
  o += 13;
  if (dataType !== DATA_TYPE.DATA_BUFFER && dataType !== DATA_TYPE.EVENT_BUFFER) {
    return `BufferResponse with unknown dataType ${String(dataType)} (known: 1 = DATA_BUFFER, 2 = EVENT_BUFFER)`;
  }
  if (size !== end - o) {
    return `BufferResponse payload size ${size} does not match the ${end - o} bytes left in the frame`;
  }
  return {
    type: 'BufferResponse',
    receiverId: readId(bytes, start),
    sequenceNumber,
    backlog,
    dataType,
    // A view, not a copy: valid only during onMessage (see FrameHandler.onMessage).
    payload: new Uint8Array(bytes.buffer, bytes.byteOffset + o, size),
  };
}

/** `| flags (1) | [receiverId (16)] | codeLength (2) | code | messageLength (4) | message |` (PROTOCOL.md §3.2). */
function decodeErrorResponse(bytes: Uint8Array, start: number, end: number): NetworkMessage | string {
  const flags = bytes[start]!;
  let o = start + 1;
  if (flags !== ERROR_FLAG_HAS_RECEIVER_ID && flags !== ERROR_FLAG_IS_FATAL) {
    return flags === (ERROR_FLAG_HAS_RECEIVER_ID | ERROR_FLAG_IS_FATAL)
      ? 'ErrorResponse flags 0x03: a fatal error must not carry a receiverId'
      : `ErrorResponse flags ${hex8(flags)} (expected 0x01 = channel error with receiverId or 0x02 = fatal)`;
  }
  const receiverOffset = o;
  if (flags === ERROR_FLAG_HAS_RECEIVER_ID) {
    if (end - o < ID_LENGTH + 2 + 4) return `ErrorResponse body of ${end - start} bytes is too short for a receiverId`;
    o += ID_LENGTH;
  }
  const codeLength = (bytes[o]! << 8) | bytes[o + 1]!;
  o += 2;
  if (codeLength > end - o - 4) {
    return `ErrorResponse code length ${codeLength} exceeds the ${end - o - 4} bytes left in the frame`;
  }
  const code = readUtf8(bytes, o, codeLength);
  o += codeLength;
  const messageLength = readU32(bytes, o);
  o += 4;
  if (messageLength !== end - o) {
    return `ErrorResponse message length ${messageLength} does not match the ${end - o} bytes left in the frame`;
  }
  const message = readUtf8(bytes, o, messageLength);
  return flags === ERROR_FLAG_IS_FATAL
    ? { type: 'ErrorResponse', isFatal: true, code, message }
    : { type: 'ErrorResponse', isFatal: false, receiverId: readId(bytes, receiverOffset), code, message };
}

// ---- Primitive readers (no bounds checks: callers have checked lengths) -------------------------------------------

/** Copies the 16-byte id at `offset` into a new, owned id: ids outlive the callback, unlike payload views. */
function readId(bytes: Uint8Array, offset: number): AbstractId {
  const id = new Uint8Array(ID_LENGTH);
  for (let i = 0; i < ID_LENGTH; i++) id[i] = bytes[offset + i]!;
  return id as AbstractId;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Lossy utf-8: invalid sequences become U+FFFD; a byte-order mark is kept. */
function readUtf8(bytes: Uint8Array, offset: number, length: number): string {
  if (length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('utf8');
}

function hex32(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;
}

function hex8(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}
