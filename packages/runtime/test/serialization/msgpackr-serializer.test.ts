import { describe, expect, it } from 'vitest';
import {
  MAX_SHARED_STRUCTURES,
  createMsgpackrSerializer,
  structuresFromSample,
} from '../../src/serialization/msgpackr-serializer.js';
import { deserialize, hex, serialize, thrown } from './frames.js';

const EDGE = 'map -> sink';

/** A writer and a reader built separately from the same spec, as the two ends of an edge are. */
function edgeEnds(structures?: string[][]) {
  const spec = () => ({ edgeName: EDGE, structures: structures && structuredClone(structures) });
  return { writer: createMsgpackrSerializer(spec()), reader: createMsgpackrSerializer(spec()) };
}

describe('MsgpackrSerializer', () => {
  it('round-trips nested objects, arrays, strings, Dates and Uint8Arrays', () => {
    const { writer, reader } = edgeEnds([['key', 'value', 'ts']]);
    const values: unknown[] = [
      { key: 1, value: 2.5, ts: 1_700_000_000_000 },
      { user: { id: 7, name: 'Ådå', tags: ['a', 'b'], address: { city: '東京', zip: null } }, list: [1, [2, [3]]] },
      [{ a: 1 }, { b: 2 }, { a: 3 }],
      'plain string with 😀',
      '',
      42,
      -1.25,
      NaN,
      true,
      null,
      undefined,
      new Date(1_700_000_000_123),
      { at: new Date(0), bytes: new Uint8Array([0, 1, 254, 255]) },
      new Uint8Array(3000).map((_, i) => i & 0xff),
      { map: new Map<unknown, unknown>([['k', 1], [2, 'two']]), set: new Set([1, 'x']) },
      { big: 2n ** 70n, small: -5n },
      { floats: new Float64Array([1.5, -0.25]), ints: new Int32Array([-1, 2]) },
      { long: 'x'.repeat(70_000) },
    ];
    for (const value of values) {
      expect(deserialize(reader, serialize(writer, value))).toEqual(value);
    }
  });

  it('decodes records whose shapes were not agreed, on an independently built reader', () => {
    // Regression: msgpackr given `structures` otherwise promotes new shapes to shared ids that only the
    // writer knows, and the reader fails with "Data read, but end of buffer not reached".
    const { writer, reader } = edgeEnds([['key', 'value', 'ts']]);
    for (let i = 0; i < 100; i++) {
      const value = { [`field${i}`]: i, nested: { [`inner${i % 7}`]: [i, { deep: i }] }, key: i };
      expect(deserialize(reader, serialize(writer, value)), `value ${i}`).toEqual(value);
    }
    const agreed = { key: 1, value: 2, ts: 3 };
    expect(deserialize(reader, serialize(writer, agreed))).toEqual(agreed);
  });

  it('writes a record of an agreed structure as its id and values only', () => {
    const agreed = edgeEnds([['key', 'value', 'ts']]).writer;
    const bytes = serialize(agreed, { key: 1, value: 0.5, ts: 3 });
    // shared record id 0, then the values: fixint 1, float64 0.5, fixint 3
    expect(hex(bytes)).toBe('40' + '01' + 'cb3fe0000000000000' + '03');
    const inline = serialize(edgeEnds().writer, { key: 1, value: 0.5, ts: 3 });
    expect(inline.length).toBeGreaterThan(bytes.length + 'keyvaluets'.length);
  });

  it('builds the same structures from a sample record', () => {
    const sample = { key: 1, user: { id: 2, name: 'x' }, items: [{ sku: 'a', qty: 1 }], at: new Date(), raw: new Uint8Array(1) };
    expect(structuresFromSample(sample)).toEqual([
      ['key', 'user', 'items', 'at', 'raw'],
      ['id', 'name'],
      ['sku', 'qty'],
    ]);
    const writer = createMsgpackrSerializer({ edgeName: EDGE, sampleRecord: sample });
    const reader = createMsgpackrSerializer({ edgeName: EDGE, sampleRecord: structuredClone(sample) });
    expect(writer.description).toBe('msgpackr{structures:3} on edge "map -> sink"');
    expect(deserialize(reader, serialize(writer, sample))).toEqual(sample);
  });

  it('reports a variable size', () => {
    expect(edgeEnds().writer.fixedSize).toBe(-1);
  });

  it('writes at the offset in shared memory and returns -1 when the record does not fit', () => {
    const { writer, reader } = edgeEnds([['key', 'value', 'ts']]);
    const memory = new SharedArrayBuffer(4096);
    const bytes = new Uint8Array(memory).fill(0xaa);
    const view = new DataView(memory);
    const record = { key: 1, value: 2.5, ts: 3 };
    const size = serialize(writer, record).length;
    expect(writer.writeTo(record, view, bytes, 4000, 4000 + size - 1)).toBe(-1);
    expect(bytes.subarray(4000 + size - 1).every((b) => b === 0xaa)).toBe(true);
    // Within 2 KiB of the end, where msgpackr itself would refuse to start a pack.
    expect(writer.writeTo(record, view, bytes, 4096 - size, 4096)).toBe(4096);
    expect(reader.readFrom(view, bytes, 4096 - size, size)).toEqual(record);
    const big = { blob: 'y'.repeat(5000) };
    expect(writer.writeTo(big, view, bytes, 0, 4096)).toBe(-1);
  });

  it('keeps two serializers of one thread apart', () => {
    const a = edgeEnds([['a']]);
    const b = edgeEnds([['b']]);
    const memory = new Uint8Array(1024);
    const view = new DataView(memory.buffer);
    const ends: number[] = [0];
    for (let i = 0; i < 20; i++) {
      const serializer = i % 2 === 0 ? a.writer : b.writer;
      ends.push(serializer.writeTo(i % 2 === 0 ? { a: i } : { b: String(i) }, view, memory, ends[i], 1024));
    }
    for (let i = 0; i < 20; i++) {
      const reader = i % 2 === 0 ? a.reader : b.reader;
      expect(reader.readFrom(view, memory, ends[i], ends[i + 1] - ends[i])).toEqual(i % 2 === 0 ? { a: i } : { b: String(i) });
    }
  });

  it('returns binary data that does not alias the buffer it was read from', () => {
    const { writer, reader } = edgeEnds();
    const bytes = serialize(writer, { data: new Uint8Array([1, 2, 3]) });
    const record = deserialize(reader, bytes) as { data: Uint8Array };
    bytes.fill(0);
    expect(record.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('rejects a function, naming the edge', () => {
    const { writer } = edgeEnds();
    const error = thrown(() => serialize(writer, { key: 1, callback: function onRecord() {} }));
    expect(error.code).toBe('ERR_RT_SERIALIZE');
    expect(error.message).toContain('cannot serialize record on edge "map -> sink"');
    expect(error.message).toContain('function onRecord');
    // The serializer still works afterwards.
    expect(deserialize(edgeEnds().reader, serialize(writer, { key: 2 }))).toEqual({ key: 2 });
  });

  it('rejects a symbol, naming the edge and the reason', () => {
    const error = thrown(() => serialize(edgeEnds().writer, { tag: Symbol('x') }));
    expect(error.code).toBe('ERR_RT_SERIALIZE');
    expect(error.message).toMatch(/on edge "map -> sink": .*symbol/);
  });

  it('rejects corrupt bytes, naming the edge', () => {
    const { writer, reader } = edgeEnds([['key', 'value', 'ts']]);
    const good = serialize(writer, { key: 1, value: 'text', ts: 3 });
    const corrupt = [
      new Uint8Array([0xc1]), // "never used" byte
      good.subarray(0, good.length - 2), // truncated
      new Uint8Array([0x45, 0x01]), // record id no one defined
      new Uint8Array([...good, 0x01]), // trailing bytes
      new Uint8Array(0),
    ];
    for (const bytes of corrupt) {
      const error = thrown(() => deserialize(reader, bytes));
      expect(error.code).toBe('ERR_RT_DESERIALIZE');
      expect(error.message).toContain('cannot deserialize record on edge "map -> sink"');
    }
    expect(deserialize(reader, good)).toEqual({ key: 1, value: 'text', ts: 3 });
  });

  it('rejects invalid structures with ERR_RT_BAD_SHAPE', () => {
    const tooMany = Array.from({ length: MAX_SHARED_STRUCTURES + 1 }, (_, i) => [`k${i}`]);
    for (const structures of [tooMany, [['a', 'a']], [[1]], 'abc']) {
      const error = thrown(() => createMsgpackrSerializer({ edgeName: EDGE, structures: structures as never }));
      expect(error.code).toBe('ERR_RT_BAD_SHAPE');
      expect(error.message).toContain('"map -> sink"');
    }
  });
});
