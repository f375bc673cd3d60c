import { describe, expect, it } from 'vitest';
import { createMsgpackrSerializer } from '../../src/serialization/msgpackr-serializer.js';
import { RecordDeserializer } from '../../src/serialization/record-deserializer.js';
import type { TypeSerializer } from '../../src/serialization/type-serializer.js';
import { createTypedSerializer } from '../../src/serialization/typed-serializer.js';
import { frameStream, seededRandom, thrown } from './frames.js';

const typed = createTypedSerializer({ key: 'int32', value: 'float64', name: 'string' }, 'source -> map');
const TYPED_RECORDS = [
  { key: 1, value: 0.5, name: '' },
  { key: -2, value: NaN, name: 'héllo' },
  { key: 3, value: 1e300, name: 'x'.repeat(300) }, // larger than most chunks below
  { key: 4, value: -0, name: '😀' },
  { key: 5, value: 2, name: 'five' },
];
const msgpackr = createMsgpackrSerializer({ edgeName: 'map -> sink', structures: [['id', 'payload']] });
const MSGPACKR_RECORDS: unknown[] = [
  { id: 1, payload: { nested: [1, 2, 3] } },
  'a string record',
  { id: 2, payload: 'p'.repeat(1000) },
  [1, { a: new Date(5) }],
  { other: new Uint8Array([9, 8, 7]) },
];

/**
 * Feeds `stream` cut into the given chunk sizes. Each chunk is copied into its own fresh memory at an odd
 * offset and scribbled over after `feed`, as a recycled network buffer would be, so any record that
 * aliases a chunk or is read after its chunk is gone shows up.
 */
function feedChunks<T>(deserializer: RecordDeserializer<T>, stream: Uint8Array, sizes: number[]): T[] {
  const out: T[] = [];
  let pos = 0;
  for (const size of sizes) {
    const memory = new SharedArrayBuffer(size + 16);
    const bytes = new Uint8Array(memory);
    bytes.set(stream.subarray(pos, pos + size), 7);
    deserializer.feed(new DataView(memory), bytes, 7, size, (record) => out.push(record));
    bytes.fill(0xee);
    pos += size;
  }
  expect(pos).toBe(stream.length);
  return out;
}

describe('RecordDeserializer', () => {
  const cases: [string, TypeSerializer<unknown>, unknown[]][] = [
    ['typed', typed as TypeSerializer<unknown>, TYPED_RECORDS],
    ['msgpackr', msgpackr, MSGPACKR_RECORDS],
  ];

  for (const [name, serializer, records] of cases) {
    describe(`with the ${name} serializer`, () => {
      const stream = frameStream(serializer, records);

      it('reads every record of one buffer in order', () => {
        const deserializer = new RecordDeserializer(serializer);
        expect(feedChunks(deserializer, stream, [stream.length])).toEqual(records);
        expect(deserializer.hasPartialRecord).toBe(false);
      });

      it('reads the same records when the stream is split at any byte boundary', () => {
        for (let split = 0; split <= stream.length; split++) {
          const deserializer = new RecordDeserializer(serializer);
          expect(feedChunks(deserializer, stream, [split, stream.length - split]), `split at ${split}`).toEqual(records);
          expect(deserializer.hasPartialRecord).toBe(false);
        }
      });

      it('reads the same records fed one byte at a time', () => {
        const deserializer = new RecordDeserializer(serializer);
        expect(feedChunks(deserializer, stream, new Array<number>(stream.length).fill(1))).toEqual(records);
      });

      it('reads the same records fed in random chunk sizes, spanning several chunks', () => {
        const random = seededRandom(42);
        for (let round = 0; round < 200; round++) {
          const maxChunk = 1 + Math.floor(random() * 64);
          const sizes: number[] = [];
          for (let left = stream.length; left > 0; ) {
            const size = Math.min(left, Math.floor(random() * (maxChunk + 1))); // empty chunks too
            sizes.push(size);
            left -= size;
          }
          const deserializer = new RecordDeserializer(serializer);
          expect(feedChunks(deserializer, stream, sizes), `round ${round}: ${sizes.join(',')}`).toEqual(records);
        }
      });
    });
  }

  it('reports a partial record until it is complete', () => {
    const stream = frameStream(typed, TYPED_RECORDS.slice(0, 2));
    const firstLength = 4 + new DataView(stream.buffer).getInt32(0);
    const deserializer = new RecordDeserializer(typed);
    const seen: unknown[] = [];
    const view = new DataView(stream.buffer);
    deserializer.feed(view, stream, 0, 2, (r) => seen.push(r)); // half a length prefix
    expect(deserializer.hasPartialRecord).toBe(true);
    deserializer.feed(view, stream, 2, firstLength - 2, (r) => seen.push(r));
    expect(deserializer.hasPartialRecord).toBe(false);
    expect(seen).toEqual([TYPED_RECORDS[0]]);
    deserializer.feed(view, stream, firstLength, 5, (r) => seen.push(r));
    expect(deserializer.hasPartialRecord).toBe(true);
    deserializer.reset();
    expect(deserializer.hasPartialRecord).toBe(false);
    deserializer.feed(view, stream, 0, firstLength, (r) => seen.push(r));
    expect(seen).toEqual([TYPED_RECORDS[0], TYPED_RECORDS[0]]);
  });

  it('rejects a negative length, naming the edge', () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xfe, 0, 0]);
    const error = thrown(() =>
      new RecordDeserializer(typed).feed(new DataView(bytes.buffer), bytes, 0, bytes.length, () => {}),
    );
    expect(error.code).toBe('ERR_RT_DESERIALIZE');
    expect(error.message).toContain('on edge "source -> map"');
    expect(error.message).toContain('record length -2 is negative');
  });

  it('rejects a length over the limit, also when the length spans buffers', () => {
    const bytes = new Uint8Array([0, 0, 0, 101, 1, 2, 3]);
    const view = new DataView(bytes.buffer);
    const whole = thrown(() => new RecordDeserializer(typed, { maxRecordBytes: 100 }).feed(view, bytes, 0, 7, () => {}));
    expect(whole.code).toBe('ERR_RT_DESERIALIZE');
    expect(whole.message).toContain('record length 101 exceeds the limit of 100 bytes');
    const spanning = new RecordDeserializer(typed, { maxRecordBytes: 100 });
    spanning.feed(view, bytes, 0, 3, () => {});
    expect(thrown(() => spanning.feed(view, bytes, 3, 4, () => {})).code).toBe('ERR_RT_DESERIALIZE');
    expect(spanning.hasPartialRecord).toBe(false);
  });

  it('rejects a length over 64 MiB by default', () => {
    const bytes = new Uint8Array([0x04, 0, 0, 0x01]);
    const error = thrown(() => new RecordDeserializer(typed).feed(new DataView(bytes.buffer), bytes, 0, 4, () => {}));
    expect(error.message).toContain('exceeds the limit of 67108864 bytes');
  });

  it('rejects an invalid limit', () => {
    for (const maxRecordBytes of [0, -1, 1.5, 2 ** 31, NaN]) {
      expect(thrown(() => new RecordDeserializer(typed, { maxRecordBytes })).code).toBe('ERR_RT_BAD_OPTION');
    }
  });
});
