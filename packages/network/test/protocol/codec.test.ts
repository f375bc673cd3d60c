// Round trips of every message through the encoder and FrameDecoder, batching, the fast BufferResponse path, and the encoder's own checks.

import { describe, expect, it } from 'vitest';
import {
  BUFFER_RESPONSE_OVERHEAD,
  DATA_TYPE,
  encodeBufferResponse,
  encodeBufferResponseInto,
  encodedLength,
  encodeMessage,
  encodeMessageInto,
  encodeMessages,
  FrameDecoder,
  randomId,
  type AbstractId,
  type NetworkMessage,
} from '../../src/protocol/index.js';
import { decodeChunks, toHex } from './protocol-test-utils.js';

const receiverId = randomId();
const partitionId = randomId();

const MESSAGES: NetworkMessage[] = [
  { type: 'BufferResponse', receiverId, sequenceNumber: 0, backlog: 0, dataType: 1, payload: new Uint8Array(0) },
  { type: 'BufferResponse', receiverId, sequenceNumber: 41, backlog: 5, dataType: 1, payload: new Uint8Array(32_768).fill(7) },
  { type: 'BufferResponse', receiverId, sequenceNumber: 0xffffffff, backlog: 0xffffffff, dataType: 2, payload: Uint8Array.of(1, 2, 3) },
  { type: 'ErrorResponse', isFatal: false, receiverId, code: 'ERR_NET_SEQUENCE_GAP', message: 'expected 4, got 6' },
  { type: 'ErrorResponse', isFatal: true, code: 'ERR_NET_NO_CREDIT', message: '' },
  { type: 'ErrorResponse', isFatal: true, code: '', message: 'ünïcödé ✓ 🚀 \u{feff}' },
  { type: 'PartitionRequest', partitionId, subpartitionIndex: 0xffffffff, receiverId, initialCredit: 0 },
  { type: 'PartitionRequest', partitionId, subpartitionIndex: 12, receiverId, initialCredit: 2 },
  { type: 'CancelPartitionRequest', receiverId },
  { type: 'CloseRequest' },
  { type: 'AddCredit', credit: 1, receiverId },
  { type: 'AddCredit', credit: 0xffffffff, receiverId },
  { type: 'ResumeConsumption', receiverId },
  { type: 'NewBufferSize', bufferSize: 4096, receiverId },
];

describe('encodeMessage / FrameDecoder round trip', () => {
  it.each(MESSAGES.map((msg) => [`${msg.type} ${JSON.stringify(msg, (k, v) => (k === 'payload' || k.endsWith('Id') ? undefined : v))}`, msg]))(
    'decodes %s back to an equal message',
    (_name, msg) => {
      const frame = encodeMessage(msg);
      expect(frame.length).toBe(encodedLength(msg));
      expect(decodeChunks([frame])).toEqual({ messages: [msg], errors: [] });
    },
  );

  it('replaces lone surrogates in error strings with U+FFFD, and says so in encodedLength', () => {
    const msg: NetworkMessage = { type: 'ErrorResponse', isFatal: true, code: 'X\ud800', message: '\udc00!' };
    const frame = encodeMessage(msg);
    expect(frame.length).toBe(encodedLength(msg));
    expect(decodeChunks([frame]).messages).toEqual([{ ...msg, code: 'X\ufffd', message: '\ufffd!' }]);
  });

  it('gives decoded ids their own memory', () => {
    const frame = encodeMessage({ type: 'AddCredit', credit: 1, receiverId });
    const { messages } = decodeChunks([frame]);
    frame.fill(0);
    expect(messages[0]).toEqual({ type: 'AddCredit', credit: 1, receiverId });
  });
});

describe('encodeMessages', () => {
  it('writes several frames back to back into one buffer that decodes to all of them', () => {
    const batch = encodeMessages(MESSAGES);
    expect(batch.length).toBe(MESSAGES.reduce((sum, msg) => sum + encodedLength(msg), 0));
    expect(toHex(batch)).toBe(MESSAGES.map((msg) => toHex(encodeMessage(msg))).join(''));
    expect(decodeChunks([batch])).toEqual({ messages: MESSAGES, errors: [] });
  });

  it('encodes an empty batch as zero bytes', () => {
    expect(encodeMessages([]).length).toBe(0);
  });
});

describe('encodeMessageInto', () => {
  it('writes at an offset and returns the offset past the frame', () => {
    const msg: NetworkMessage = { type: 'AddCredit', credit: 3, receiverId };
    const target = new Uint8Array(100);
    expect(encodeMessageInto(msg, target, 7)).toBe(37);
    expect(toHex(target.subarray(7, 37))).toBe(toHex(encodeMessage(msg)));
  });

  it('throws a RangeError and writes nothing when the frame does not fit', () => {
    const target = new Uint8Array(29);
    expect(() => encodeMessageInto({ type: 'AddCredit', credit: 3, receiverId }, target, 0)).toThrow(RangeError);
    expect(target.every((b) => b === 0)).toBe(true);
  });
});

describe('encodeBufferResponse', () => {
  const segment = new Uint8Array(new SharedArrayBuffer(64 * 1024));
  for (let i = 0; i < segment.length; i++) segment[i] = (i * 31) & 0xff;

  it('writes the same bytes as encodeMessage, copying the payload out of a shared segment', () => {
    const payload = segment.subarray(1000, 1000 + 32_768);
    const frame = encodeBufferResponse(receiverId, 9, 2, DATA_TYPE.DATA_BUFFER, segment, 1000, 32_768);
    const viaMessage = encodeMessage({
      type: 'BufferResponse',
      receiverId,
      sequenceNumber: 9,
      backlog: 2,
      dataType: 1,
      payload: new Uint8Array(payload),
    });
    expect(toHex(frame)).toBe(toHex(viaMessage));
    expect(frame.buffer).toBeInstanceOf(ArrayBuffer);
    expect(frame.byteOffset).toBe(0);
    expect(frame.buffer.byteLength).toBe(BUFFER_RESPONSE_OVERHEAD + 32_768);
  });

  it('keeps the frame intact when the segment is reused afterwards', () => {
    const copy = new Uint8Array(segment.subarray(0, 16));
    const frame = encodeBufferResponse(receiverId, 0, 0, DATA_TYPE.EVENT_BUFFER, segment, 0, 16);
    segment.fill(0, 0, 16);
    expect(toHex(frame.subarray(BUFFER_RESPONSE_OVERHEAD))).toBe(toHex(copy));
    for (let i = 0; i < 16; i++) segment[i] = (i * 31) & 0xff;
  });

  it('rejects a payload range outside the given bytes', () => {
    expect(() => encodeBufferResponse(receiverId, 0, 0, 1, segment, segment.length - 4, 5)).toThrow(RangeError);
    expect(() => encodeBufferResponse(receiverId, 0, 0, 1, segment, -1, 5)).toThrow(RangeError);
    expect(() => encodeBufferResponse(receiverId, 0, 0, 1, segment, 0, -5)).toThrow(RangeError);
  });
});

describe('encoder checks', () => {
  const shortId = new Uint8Array(15) as AbstractId;
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError][] = [
    ['AddCredit with credit 0', () => encodeMessage({ type: 'AddCredit', credit: 0, receiverId }), RangeError],
    ['NewBufferSize with bufferSize 0', () => encodeMessage({ type: 'NewBufferSize', bufferSize: 0, receiverId }), RangeError],
    ['a 15-byte receiverId', () => encodeMessage({ type: 'CancelPartitionRequest', receiverId: shortId }), TypeError],
    [
      'a 15-byte partitionId',
      () => encodeMessage({ type: 'PartitionRequest', partitionId: shortId, subpartitionIndex: 0, receiverId, initialCredit: 0 }),
      TypeError,
    ],
    [
      'a negative sequence number',
      () => encodeBufferResponse(receiverId, -1, 0, 1, new Uint8Array(1), 0, 1),
      RangeError,
    ],
    ['a backlog of 2^32', () => encodeBufferResponse(receiverId, 0, 2 ** 32, 1, new Uint8Array(1), 0, 1), RangeError],
    ['a fractional credit', () => encodeMessage({ type: 'AddCredit', credit: 1.5, receiverId }), RangeError],
    ['an unknown dataType', () => encodeBufferResponse(receiverId, 0, 0, 3 as 1, new Uint8Array(1), 0, 1), TypeError],
    [
      'an error code over 65 535 bytes',
      () => encodeMessage({ type: 'ErrorResponse', isFatal: true, code: 'x'.repeat(65_536), message: '' }),
      RangeError,
    ],
    ['an unknown message type', () => encodeMessage({ type: 'Nope' } as unknown as NetworkMessage), TypeError],
  ];

  it.each(cases)('refuses %s', (_name, encode, errorClass) => {
    expect(encode).toThrow(errorClass);
  });

  it('accepts an error code of exactly 65 535 bytes', () => {
    const msg: NetworkMessage = { type: 'ErrorResponse', isFatal: true, code: 'x'.repeat(65_535), message: 'm' };
    const { messages, errors } = decodeChunks([encodeMessage(msg)], new FrameDecoder({ maxFrameBytes: 1 << 20 }));
    expect(errors).toEqual([]);
    expect(messages.length === 1 && messages[0]!.type === 'ErrorResponse' && messages[0].code === msg.code).toBe(true);
  });
});

describe('encodeBufferResponseInto', () => {
  it('writes the bytes encodeBufferResponse returns, from shared memory at any alignment, into a reused target', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(4096));
    for (let i = 0; i < shared.length; i++) shared[i] = (i * 13) & 0xff;
    const padding = 8 - (BUFFER_RESPONSE_OVERHEAD % 8);
    const target = new Uint8Array(padding + BUFFER_RESPONSE_OVERHEAD + 2048).subarray(padding); // as ReaderQueue pads its frames
    for (const offset of [0, 1, 7, 64, 1000]) {
      const length = encodeBufferResponseInto(target, receiverId, offset, 3, DATA_TYPE.DATA_BUFFER, shared, offset, 2000);
      expect(length).toBe(BUFFER_RESPONSE_OVERHEAD + 2000);
      expect(toHex(target.subarray(0, length))).toBe(toHex(encodeBufferResponse(receiverId, offset, 3, DATA_TYPE.DATA_BUFFER, shared, offset, 2000)));
    }
  });

  it('refuses a target too short for the frame', () => {
    expect(() => encodeBufferResponseInto(new Uint8Array(BUFFER_RESPONSE_OVERHEAD + 9), receiverId, 0, 0, DATA_TYPE.DATA_BUFFER, new Uint8Array(10), 0, 10)).toThrow(RangeError);
  });
});
