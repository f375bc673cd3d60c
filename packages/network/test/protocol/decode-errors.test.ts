// Every way FrameDecoder rejects input: the error code, a message naming the cause, and what happens afterwards.

import { describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { FrameDecoder, encodeMessage, idFromHex, type NetworkMessage } from '../../src/protocol/index.js';
import { byteByByte, decodeChunks, fromHex } from './protocol-test-utils.js';

const R = '00112233445566778899aabbccddeeff';
const receiverId = idFromHex(R);
const ADD_CREDIT = fromHex(`0000001e 534c5543 01 06 00000005 ${R}`);
const CLOSE = fromHex('0000000a 534c5543 01 05');

/** Decodes `hex` whole, split in two everywhere, and byte by byte; expects the same single error every time. */
function expectRejected(hex: string, code: string, cause: string | RegExp, maxFrameBytes = 65_536): NetworkError {
  const frame = fromHex(hex);
  const splits: Uint8Array[][] = [[frame], byteByByte(frame)];
  for (let cut = 1; cut < frame.length; cut++) splits.push([frame.subarray(0, cut), frame.subarray(cut)]);
  let first: NetworkError | undefined;
  for (const chunks of splits) {
    const decoded = decodeChunks(chunks, new FrameDecoder({ maxFrameBytes }));
    expect(decoded.messages).toEqual([]);
    expect(decoded.errors).toHaveLength(1);
    const err = decoded.errors[0]!;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.code).toBe(code);
    expect(err.scope).toBe('connection');
    expect(err.message).toMatch(cause);
    first ??= err;
  }
  return first!;
}

describe('FrameDecoder header checks', () => {
  it('rejects a wrong magic number with ERR_NET_BAD_MAGIC', () => {
    expectRejected('0000000a 4241444d 01 05', 'ERR_NET_BAD_MAGIC', 'bad magic 0x4241444D (expected 0x534C5543 "SLUC")');
  });

  it('rejects Flink’s magic number too', () => {
    expectRejected('0000000a badc0ffe 01 05', 'ERR_NET_BAD_MAGIC', /bad magic 0xBADC0FFE/);
  });

  it('rejects another version with ERR_NET_BAD_VERSION', () => {
    expectRejected('0000000a 534c5543 02 05', 'ERR_NET_BAD_VERSION', 'unsupported protocol version 2 (this side speaks 1)');
    expectRejected('0000000a 534c5543 00 05', 'ERR_NET_BAD_VERSION', 'unsupported protocol version 0');
  });

  it.each([3, 8, 9, 11, 255])('rejects message id %i with ERR_NET_UNKNOWN_MESSAGE', (id) => {
    const idHex = id.toString(16).padStart(2, '0');
    expectRejected(`0000000e 534c5543 01 ${idHex} 00000000`, 'ERR_NET_UNKNOWN_MESSAGE', `unknown message id ${id}`);
  });

  it('rejects a frame over the limit with ERR_NET_FRAME_TOO_LARGE, naming both sizes', () => {
    const err = expectRejected(
      `00011170 534c5543 01 00 ${R} 00000000 00000000 01 00011149`,
      'ERR_NET_FRAME_TOO_LARGE',
      'frame of 70000 bytes exceeds the 40000-byte limit (BufferResponse)',
      40_000,
    );
    expect(err.message).toBe(
      'ERR_NET_FRAME_TOO_LARGE: frame of 70000 bytes exceeds the 40000-byte limit (BufferResponse), in the frame at stream offset 0',
    );
  });

  it('rejects a frame over the limit from its header alone, before buffering any body', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 40_000 });
    const decoded = decodeChunks([fromHex('00011170 534c5543 01 00')], decoder);
    expect(decoded.errors.map((e) => e.code)).toEqual(['ERR_NET_FRAME_TOO_LARGE']);
    expect(decoder.numBufferedBytes).toBe(0);
  });

  it('rejects a u32-max frame length without allocating it', () => {
    expectRejected('ffffffff 534c5543 01 00', 'ERR_NET_FRAME_TOO_LARGE', /frame of 4294967295 bytes exceeds the 65536-byte limit/);
  });

  it.each([0, 1, 9])('rejects a frame length of %i, below the header, with ERR_NET_MALFORMED_FRAME', (length) => {
    const lengthHex = length.toString(16).padStart(8, '0');
    expectRejected(`${lengthHex} 534c5543 01 05`, 'ERR_NET_MALFORMED_FRAME', `frame length ${length} is below the 10-byte header`);
  });

  it.each([
    ['AddCredit', `0000001d 534c5543 01 06 00000005 ${R.slice(2)}`, 'AddCredit body of 19 bytes (expected 20)'],
    ['AddCredit', `0000001f 534c5543 01 06 00000005 ${R} 00`, 'AddCredit body of 21 bytes (expected 20)'],
    ['CloseRequest', '0000000b 534c5543 01 05 00', 'CloseRequest body of 1 bytes (expected 0)'],
    ['PartitionRequest', `00000031 534c5543 01 02 ${R}${R} 00000000 000000`, 'PartitionRequest body of 39 bytes (expected 40)'],
    ['CancelPartitionRequest', '0000000b 534c5543 01 04 00', 'CancelPartitionRequest body of 1 bytes (expected 16)'],
    ['ResumeConsumption', `0000001b 534c5543 01 07 ${R} 00`, 'ResumeConsumption body of 17 bytes (expected 16)'],
    ['NewBufferSize', `0000001a 534c5543 01 0a ${R}`, 'NewBufferSize body of 16 bytes (expected 20)'],
    ['BufferResponse', `00000026 534c5543 01 00 ${R} 00000000 00000000 01 000000`, 'BufferResponse body of 28 bytes (expected at least 29)'],
    ['ErrorResponse', '00000010 534c5543 01 01 02 0000 000000', 'ErrorResponse body of 6 bytes (expected at least 7)'],
  ])('rejects a %s with a wrong body length: %s', (_type, hex, cause) => {
    expectRejected(hex, 'ERR_NET_MALFORMED_FRAME', cause);
  });

  it('rejects a wrong fixed body length from the header alone', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const decoded = decodeChunks([fromHex('000003e8 534c5543 01 06')], decoder);
    expect(decoded.errors[0]!.message).toMatch('AddCredit body of 990 bytes (expected 20)');
    expect(decoder.numBufferedBytes).toBe(0);
  });
});

describe('FrameDecoder body checks', () => {
  it.each([0, 3, 10, 255])('rejects a BufferResponse with dataType %i', (dataType) => {
    const hex = `00000027 534c5543 01 00 ${R} 00000000 00000000 ${dataType.toString(16).padStart(2, '0')} 00000000`;
    expectRejected(hex, 'ERR_NET_MALFORMED_FRAME', `BufferResponse with unknown dataType ${dataType} (known: 1 = DATA_BUFFER, 2 = EVENT_BUFFER)`);
  });

  it('rejects a BufferResponse whose size disagrees with the frame length', () => {
    expectRejected(
      `00000029 534c5543 01 00 ${R} 00000000 00000000 01 00000003 abcd`,
      'ERR_NET_MALFORMED_FRAME',
      'BufferResponse payload size 3 does not match the 2 bytes left in the frame',
    );
    expectRejected(
      `00000029 534c5543 01 00 ${R} 00000000 00000000 01 ffffffff abcd`,
      'ERR_NET_MALFORMED_FRAME',
      'BufferResponse payload size 4294967295 does not match the 2 bytes left in the frame',
    );
  });

  it('rejects an AddCredit with credit 0', () => {
    expectRejected(`0000001e 534c5543 01 06 00000000 ${R}`, 'ERR_NET_MALFORMED_FRAME', 'AddCredit with credit 0');
  });

  it('rejects a NewBufferSize of 0', () => {
    expectRejected(`0000001e 534c5543 01 0a 00000000 ${R}`, 'ERR_NET_MALFORMED_FRAME', 'NewBufferSize with bufferSize 0');
  });

  it('rejects a fatal ErrorResponse that carries a receiverId', () => {
    expectRejected(
      `00000021 534c5543 01 01 03 ${R} 0000 00000000`,
      'ERR_NET_MALFORMED_FRAME',
      'ErrorResponse flags 0x03: a fatal error must not carry a receiverId',
    );
  });

  it.each(['00', '04', '81'])('rejects ErrorResponse flags %s', (flags) => {
    expectRejected(`00000011 534c5543 01 01 ${flags} 0000 00000000`, 'ERR_NET_MALFORMED_FRAME', `ErrorResponse flags 0x${flags.toUpperCase()}`);
  });

  it('rejects a channel ErrorResponse too short for its receiverId', () => {
    expectRejected('00000017 534c5543 01 01 01 0000 00000000 000000000000', 'ERR_NET_MALFORMED_FRAME', /too short for a receiverId/);
  });

  it('rejects an ErrorResponse code running past the frame', () => {
    expectRejected('00000013 534c5543 01 01 02 0003 4142 00000000', 'ERR_NET_MALFORMED_FRAME', 'ErrorResponse code length 3 exceeds the 2 bytes left');
  });

  it('rejects an ErrorResponse message length that disagrees with the frame', () => {
    expectRejected('00000012 534c5543 01 01 02 0000 00000002 41', 'ERR_NET_MALFORMED_FRAME', 'ErrorResponse message length 2 does not match the 1 bytes left');
    expectRejected('00000012 534c5543 01 01 02 0000 00000000 41', 'ERR_NET_MALFORMED_FRAME', 'ErrorResponse message length 0 does not match the 1 bytes left');
  });

  it('accepts invalid utf-8 in an ErrorResponse, lossily', () => {
    const decoded = decodeChunks([fromHex('00000015 534c5543 01 01 02 0001 ff 00000003 41c3 28')]);
    expect(decoded).toEqual({ messages: [{ type: 'ErrorResponse', isFatal: true, code: '\ufffd', message: 'A\ufffd(' }], errors: [] });
  });
});

describe('FrameDecoder after an error', () => {
  it('delivers the frames before the bad one, reports once, and names the stream offset', () => {
    const bad = fromHex('0000000a 534c5543 07 05');
    const chunk = new Uint8Array([...ADD_CREDIT, ...CLOSE, ...bad, ...ADD_CREDIT]);
    const decoded = decodeChunks([chunk]);
    expect(decoded.messages.map((m) => m.type)).toEqual(['AddCredit', 'CloseRequest']);
    expect(decoded.errors).toHaveLength(1);
    expect(decoded.errors[0]!.message).toMatch('in the frame at stream offset 40');
  });

  it('ignores all later input, valid or not, and holds no buffers', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const seen: string[] = [];
    const handler = {
      onMessage: (msg: NetworkMessage) => seen.push(msg.type),
      onError: (err: NetworkError) => seen.push(err.code),
    };
    decoder.push(ADD_CREDIT.subarray(0, 15), handler);
    expect(decoder.numPendingBytes).toBe(15);
    decoder.push(fromHex('ffff'), handler); // completes nothing yet: the header was already fine
    decoder.push(fromHex('00 534c5543 01 06'), handler);
    expect(seen).toEqual([]);
    decoder.push(fromHex('00000000'.repeat(4) + '0000000a 4241444d 01 05'), handler);
    expect(seen).toEqual(['AddCredit', 'ERR_NET_BAD_MAGIC']);
    expect(decoder.isPoisoned).toBe(true);
    expect(decoder.numBufferedBytes).toBe(0);
    decoder.push(ADD_CREDIT, handler);
    decoder.push(fromHex('00'), handler);
    expect(seen).toEqual(['AddCredit', 'ERR_NET_BAD_MAGIC']);
  });

  it('lets a throw from onMessage propagate and then stops, without calling onError', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const seen: string[] = [];
    const handler = {
      onMessage: (msg: NetworkMessage) => {
        seen.push(msg.type);
        if (msg.type === 'CloseRequest') throw new Error('handler bug');
      },
      onError: (err: NetworkError) => seen.push(err.code),
    };
    expect(() => decoder.push(new Uint8Array([...ADD_CREDIT, ...CLOSE, ...ADD_CREDIT]), handler)).toThrow('handler bug');
    expect(decoder.isPoisoned).toBe(true);
    decoder.push(ADD_CREDIT, handler);
    expect(seen).toEqual(['AddCredit', 'CloseRequest']);
  });

  it('also stops when onMessage throws on a frame assembled across chunks', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const handler = {
      onMessage: () => {
        throw new Error('handler bug');
      },
      onError: () => {},
    };
    decoder.push(ADD_CREDIT.subarray(0, 12), handler);
    expect(() => decoder.push(ADD_CREDIT.subarray(12), handler)).toThrow('handler bug');
    expect(decoder.isPoisoned).toBe(true);
    expect(decoder.numBufferedBytes).toBe(0);
  });
});

describe('FrameDecoder options', () => {
  it.each([0, 63, 2 ** 30 + 1, 1.5, Number.NaN])('refuses maxFrameBytes %s with a RangeError naming the option', (max) => {
    expect(() => new FrameDecoder({ maxFrameBytes: max })).toThrow(/maxFrameBytes/);
    expect(() => new FrameDecoder({ maxFrameBytes: max })).toThrow(RangeError);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const msg: NetworkMessage = { type: 'BufferResponse', receiverId, sequenceNumber: 0, backlog: 0, dataType: 1, payload: new Uint8Array(25) };
    expect(decodeChunks([encodeMessage(msg)], new FrameDecoder({ maxFrameBytes: 64 }))).toEqual({ messages: [msg], errors: [] });
    expect(decodeChunks([encodeMessage({ ...msg, payload: new Uint8Array(26) })], new FrameDecoder({ maxFrameBytes: 64 })).errors[0]!.code).toBe(
      'ERR_NET_FRAME_TOO_LARGE',
    );
  });
});
