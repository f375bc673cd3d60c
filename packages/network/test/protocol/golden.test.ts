// Golden frames: the exact bytes of every message, as PROTOCOL.md §3 lays them out, fed to the decoder split every way.
//
// Keep in sync with PROTOCOL.md and src/protocol/constants.ts: a layout change edits all three (PROTOCOL.md §10).

import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  encodeMessage,
  encodeMessages,
  idFromHex,
  type NetworkMessage,
} from '../../src/protocol/index.js';
import { byteByByte, decodeChunks, fromHex, toHex } from './protocol-test-utils.js';

const R = '00112233445566778899aabbccddeeff'; // receiverId
const P = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'; // partitionId
const receiverId = idFromHex(R);
const partitionId = idFromHex(P);

//                 FRAME LENGTH | MAGIC    | VER | ID || BODY
const GOLDEN: { name: string; hex: string; msg: NetworkMessage }[] = [
  {
    name: 'BufferResponse (data, "hello")',
    hex: `0000002c | 534c5543 | 01 | 00 || ${R} | 00000007 | 00000003 | 01 | 00000005 | 68656c6c6f`,
    msg: { type: 'BufferResponse', receiverId, sequenceNumber: 7, backlog: 3, dataType: 1, payload: fromHex('68656c6c6f') },
  },
  {
    name: 'BufferResponse (event, 2 bytes, max u32 fields)',
    hex: `00000029 | 534c5543 | 01 | 00 || ${R} | ffffffff | fffffffe | 02 | 00000002 | cafe`,
    msg: {
      type: 'BufferResponse',
      receiverId,
      sequenceNumber: 0xffffffff,
      backlog: 0xfffffffe,
      dataType: 2,
      payload: fromHex('cafe'),
    },
  },
  {
    name: 'BufferResponse (empty data buffer)',
    hex: `00000027 | 534c5543 | 01 | 00 || ${R} | 00000000 | 00000000 | 01 | 00000000`,
    msg: { type: 'BufferResponse', receiverId, sequenceNumber: 0, backlog: 0, dataType: 1, payload: new Uint8Array(0) },
  },
  {
    name: 'ErrorResponse (channel-scoped)',
    hex:
      `00000048 | 534c5543 | 01 | 01 || 01 | ${R} | ` +
      '001b | 4552525f4e45545f504152544954494f4e5f4e4f545f464f554e44 | 0000000c | 6e6f20706172746974696f6e',
    msg: { type: 'ErrorResponse', isFatal: false, receiverId, code: 'ERR_NET_PARTITION_NOT_FOUND', message: 'no partition' },
  },
  {
    name: 'ErrorResponse (fatal)',
    hex: '0000002b | 534c5543 | 01 | 01 || 02 | 0011 | 4552525f4e45545f4241445f4d41474943 | 00000009 | 626164206d61676963',
    msg: { type: 'ErrorResponse', isFatal: true, code: 'ERR_NET_BAD_MAGIC', message: 'bad magic' },
  },
  {
    name: 'PartitionRequest',
    hex: `00000032 | 534c5543 | 01 | 02 || ${P} | 00000003 | ${R} | 00000002`,
    msg: { type: 'PartitionRequest', partitionId, subpartitionIndex: 3, receiverId, initialCredit: 2 },
  },
  {
    name: 'PartitionRequest (legacy, initial credit 0)',
    hex: `00000032 | 534c5543 | 01 | 02 || ${P} | 00000000 | ${R} | 00000000`,
    msg: { type: 'PartitionRequest', partitionId, subpartitionIndex: 0, receiverId, initialCredit: 0 },
  },
  {
    name: 'CancelPartitionRequest',
    hex: `0000001a | 534c5543 | 01 | 04 || ${R}`,
    msg: { type: 'CancelPartitionRequest', receiverId },
  },
  {
    name: 'CloseRequest',
    hex: '0000000a | 534c5543 | 01 | 05 ||',
    msg: { type: 'CloseRequest' },
  },
  {
    name: 'AddCredit',
    hex: `0000001e | 534c5543 | 01 | 06 || 00000005 | ${R}`,
    msg: { type: 'AddCredit', credit: 5, receiverId },
  },
  {
    name: 'ResumeConsumption',
    hex: `0000001a | 534c5543 | 01 | 07 || ${R}`,
    msg: { type: 'ResumeConsumption', receiverId },
  },
  {
    name: 'NewBufferSize',
    hex: `0000001e | 534c5543 | 01 | 0a || 00008000 | ${R}`,
    msg: { type: 'NewBufferSize', bufferSize: 32_768, receiverId },
  },
];

describe('golden frames', () => {
  describe.each(GOLDEN)('$name', ({ hex, msg }) => {
    const frame = fromHex(hex);

    it('is what the encoder writes', () => {
      expect(toHex(encodeMessage(msg))).toBe(toHex(frame));
    });

    it('decodes from one chunk', () => {
      expect(decodeChunks([frame])).toEqual({ messages: [msg], errors: [] });
    });

    it('decodes when split into two chunks at every byte boundary', () => {
      for (let cut = 0; cut <= frame.length; cut++) {
        const decoded = decodeChunks([frame.subarray(0, cut), frame.subarray(cut)]);
        expect(decoded, `cut at ${cut}`).toEqual({ messages: [msg], errors: [] });
      }
    });

    it('decodes when fed one byte at a time', () => {
      expect(decodeChunks(byteByByte(frame))).toEqual({ messages: [msg], errors: [] });
    });
  });

  it('covers every message type', () => {
    const types = new Set(GOLDEN.map((g) => g.msg.type));
    expect([...types].sort()).toEqual(
      [
        'AddCredit',
        'BufferResponse',
        'CancelPartitionRequest',
        'CloseRequest',
        'ErrorResponse',
        'NewBufferSize',
        'PartitionRequest',
        'ResumeConsumption',
      ].sort(),
    );
  });
});

describe('several frames in one chunk', () => {
  const all = fromHex(GOLDEN.map((g) => g.hex).join(''));
  const expected = { messages: GOLDEN.map((g) => g.msg), errors: [] };

  it('decodes every frame of one chunk in order', () => {
    expect(decodeChunks([all])).toEqual(expected);
  });

  it('decodes them when the chunk is split at every byte boundary', () => {
    for (let cut = 0; cut <= all.length; cut++) {
      expect(decodeChunks([all.subarray(0, cut), all.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('decodes them fed one byte at a time', () => {
    expect(decodeChunks(byteByByte(all))).toEqual(expected);
  });

  it('is what encodeMessages writes for the same messages', () => {
    expect(toHex(encodeMessages(GOLDEN.map((g) => g.msg)))).toBe(toHex(all));
  });
});

describe('BufferResponse payload', () => {
  const frame = fromHex(GOLDEN[0]!.hex);

  it('is a view into the chunk, not a copy, when the frame lies inside one chunk', () => {
    const chunk = new Uint8Array(frame.length + 8);
    chunk.set(frame, 5);
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const payloads: Uint8Array[] = [];
    decoder.push(chunk.subarray(5, 5 + frame.length), {
      onMessage: (msg) => {
        if (msg.type === 'BufferResponse') payloads.push(msg.payload);
      },
      onError: (err) => {
        throw err;
      },
    });
    expect(payloads).toHaveLength(1);
    expect(payloads[0]!.buffer).toBe(chunk.buffer);
    expect(payloads[0]!.byteOffset).toBe(5 + 39);
    expect(toHex(payloads[0]!)).toBe('68656c6c6f');
  });

  it('is assembled in the decoder, not in the caller’s chunks, when the frame spans chunks', () => {
    const first = frame.slice(0, 20);
    const second = frame.slice(20);
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    let payload: Uint8Array | undefined;
    const handler = {
      onMessage: (msg: NetworkMessage) => {
        if (msg.type === 'BufferResponse') payload = msg.payload;
      },
      onError: (err: Error) => {
        throw err;
      },
    };
    decoder.push(first, handler);
    expect(decoder.numPendingBytes).toBe(20);
    expect(decoder.numBufferedBytes).toBe(frame.length);
    decoder.push(second, handler);
    expect(payload!.buffer).not.toBe(first.buffer);
    expect(payload!.buffer).not.toBe(second.buffer);
    expect(toHex(payload!)).toBe('68656c6c6f');
    expect(decoder.numBufferedBytes).toBe(0);
  });
});
