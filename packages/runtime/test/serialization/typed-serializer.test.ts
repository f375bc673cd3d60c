import { describe, expect, it } from 'vitest';
import type { RecordShape } from '../../src/serialization/record-shape.js';
import { createTypedSerializer } from '../../src/serialization/typed-serializer.js';
import { deserialize, hex, serialize, thrown } from './frames.js';

const EDGE = 'source -> sink';
const KEY_VALUE_TS = { key: 'int32', value: 'float64', ts: 'float64' } as const;
const EVERY_TYPE = {
  a: 'int8',
  b: 'uint8',
  c: 'int16',
  d: 'uint16',
  e: 'int32',
  f: 'uint32',
  g: 'float32',
  h: 'float64',
  i: 'int64',
  j: 'boolean',
  k: 'string',
} as const satisfies RecordShape;

function roundTrip(shape: RecordShape, record: Record<string, unknown>): Record<string, unknown> {
  const serializer = createTypedSerializer(shape, EDGE);
  return deserialize(serializer, serialize(serializer, record));
}

describe('TypedSerializer', () => {
  it('writes big-endian fields in declaration order', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    expect(hex(serialize(serializer, { key: 1, value: 1.5, ts: -2 }))).toBe(
      '00000001' + '3ff8000000000000' + 'c000000000000000',
    );
  });

  it('follows the declaration order, not the order of the record keys', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    expect(hex(serialize(serializer, { ts: -2, value: 1.5, key: 1 }))).toBe(
      '00000001' + '3ff8000000000000' + 'c000000000000000',
    );
  });

  it('lays out every field type as documented', () => {
    const serializer = createTypedSerializer(EVERY_TYPE, EDGE);
    const record = {
      a: -1,
      b: 200,
      c: -2,
      d: 0xabcd,
      e: -3,
      f: 0xdeadbeef,
      g: 1.5,
      h: -0,
      i: -(2 ** 53 - 1),
      j: true,
      k: 'hé',
    };
    expect(hex(serialize(serializer, record))).toBe(
      'ff' + 'c8' + 'fffe' + 'abcd' + 'fffffffd' + 'deadbeef' + '3fc00000' + '8000000000000000' +
        'ffe0000000000001' + '01' + '00000003' + '68c3a9',
    );
  });

  it('writes int64 as 8 bytes of two\'s complement', () => {
    const serializer = createTypedSerializer({ n: 'int64' }, EDGE);
    const cases: [number, string][] = [
      [0, '0000000000000000'],
      [1, '0000000000000001'],
      [-1, 'ffffffffffffffff'],
      [2 ** 32, '0000000100000000'],
      [-(2 ** 32), 'ffffffff00000000'],
      [2 ** 53 - 1, '001fffffffffffff'],
      [-(2 ** 53 - 1), 'ffe0000000000001'],
      [1_700_000_000_123, '0000018bcfe5687b'],
    ];
    for (const [n, expected] of cases) {
      expect(hex(serialize(serializer, { n })), String(n)).toBe(expected);
    }
  });

  it('round-trips every field type at its edge values', () => {
    const integerEdges: Record<string, number[]> = {
      int8: [-128, -1, 0, 127],
      uint8: [0, 1, 255],
      int16: [-32768, -1, 0, 32767],
      uint16: [0, 65535],
      int32: [-(2 ** 31), -1, 0, 2 ** 31 - 1],
      uint32: [0, 2 ** 32 - 1],
      int64: [-(2 ** 53 - 1), -(2 ** 32) - 1, -1, 0, 2 ** 32 + 1, 2 ** 53 - 1],
    };
    for (const [type, values] of Object.entries(integerEdges)) {
      for (const n of values) {
        expect(roundTrip({ n: type as 'int32' }, { n }), `${type} ${n}`).toEqual({ n });
      }
    }
    for (const n of [NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 0.1]) {
      expect(Object.is(roundTrip({ n: 'float64' }, { n }).n, n), `float64 ${n}`).toBe(true);
    }
    for (const n of [NaN, -0, 1.5, Infinity, -Infinity]) {
      expect(Object.is(roundTrip({ n: 'float32' }, { n }).n, n), `float32 ${n}`).toBe(true);
    }
    expect(roundTrip({ n: 'float32' }, { n: 0.1 }).n).toBe(Math.fround(0.1));
    expect(roundTrip({ t: 'boolean', f: 'boolean' }, { t: true, f: false })).toEqual({ t: true, f: false });
    for (const s of ['', 'a', 'héllo wörld', '日本語のテキスト', '😀 emoji 🚀', 'x'.repeat(10_000), 'ü'.repeat(5000)]) {
      expect(roundTrip({ s: 'string' }, { s }).s).toBe(s);
    }
  });

  it('replaces a lone surrogate with U+FFFD, as utf-8 must', () => {
    expect(roundTrip({ s: 'string' }, { s: 'a\ud800b' }).s).toBe('a\ufffdb');
  });

  it('round-trips a record of every type with several strings', () => {
    const shape = { ...EVERY_TYPE, l: 'string', m: 'int64', n: 'string' } as const;
    const record = {
      a: 5, b: 6, c: 7, d: 8, e: 9, f: 10, g: 0.5, h: Math.PI, i: 1_700_000_000_000, j: false,
      k: 'first', l: '', m: -42, n: 'tröis',
    };
    expect(roundTrip(shape, record)).toEqual(record);
  });

  it('reads a plain object with the fields in declared order', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    const record = deserialize(serializer, serialize(serializer, { ts: 3, extra: 'ignored', value: 2, key: 1 }));
    expect(Object.keys(record)).toEqual(['key', 'value', 'ts']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  it('embeds odd field names safely', () => {
    const shape = { 'a"b': 'int32', 'x\\y': 'string', constructor: 'boolean', '"]; throw 1; //': 'uint8' } as const;
    const record = { 'a"b': 1, 'x\\y': 'two', constructor: true, '"]; throw 1; //': 4 };
    expect(roundTrip(shape, record)).toEqual(record);
  });

  it('reports its fixed size, or -1 with a string field', () => {
    expect(createTypedSerializer(KEY_VALUE_TS, EDGE).fixedSize).toBe(20);
    expect(createTypedSerializer({ ...KEY_VALUE_TS, ts: 'int64', n: 'int8' }, EDGE).fixedSize).toBe(21);
    expect(createTypedSerializer({ ...KEY_VALUE_TS, name: 'string' }, EDGE).fixedSize).toBe(-1);
  });

  it('describes its shape and edge', () => {
    expect(createTypedSerializer(KEY_VALUE_TS, EDGE).description).toBe(
      'typed{key:int32,value:float64,ts:float64} on edge "source -> sink"',
    );
  });

  it('writes at the offset and returns the offset after the record', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    const memory = new SharedArrayBuffer(64);
    const bytes = new Uint8Array(memory);
    const view = new DataView(memory);
    expect(serializer.writeTo({ key: 7, value: 0, ts: 0 }, view, bytes, 13, 33)).toBe(33);
    expect(view.getInt32(13)).toBe(7);
    expect(serializer.readFrom(view, bytes, 13, 20)).toEqual({ key: 7, value: 0, ts: 0 });
  });

  it('returns -1 when the record does not fit before the limit, and writes nothing past it', () => {
    const fixed = createTypedSerializer(KEY_VALUE_TS, EDGE);
    const variable = createTypedSerializer({ key: 'int32', name: 'string', n: 'int16' }, EDGE);
    const bytes = new Uint8Array(200).fill(0xaa);
    const view = new DataView(bytes.buffer);
    expect(fixed.writeTo({ key: 1, value: 2, ts: 3 }, view, bytes, 10, 29)).toBe(-1);
    const record = { key: 1, name: 'héllo', n: 3 }; // 4 + 4 + 6 + 2 = 16 bytes
    for (let limit = 10; limit < 26; limit++) {
      expect(variable.writeTo(record, view, bytes, 10, limit), `limit ${limit}`).toBe(-1);
      expect(bytes.subarray(limit).every((b) => b === 0xaa), `limit ${limit}`).toBe(true);
    }
    expect(variable.writeTo(record, view, bytes, 10, 26)).toBe(26);
    expect(variable.readFrom(view, bytes, 10, 16)).toEqual(record);
    const long = { key: 1, name: 'x'.repeat(100), n: 3 };
    expect(variable.writeTo(long, view, bytes, 10, 119)).toBe(-1);
    expect(bytes.subarray(119).every((b) => b === 0xaa)).toBe(true);
    expect(variable.writeTo(long, view, bytes, 10, 120)).toBe(120);
  });

  it('rejects a value of the wrong type, naming the edge, the field and the value', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    const error = thrown(() => serialize(serializer, { key: 'abc', value: 1, ts: 2 }));
    expect(error.code).toBe('ERR_RT_SERIALIZE');
    expect(error.message).toBe(
      'ERR_RT_SERIALIZE: cannot serialize record on edge "source -> sink": field "key" must be an int32, got "abc"',
    );
  });

  it('rejects integers out of range and non-integers', () => {
    const cases: [RecordShape, unknown, string][] = [
      [{ n: 'int32' }, 2 ** 31, 'an int32, got 2147483648'],
      [{ n: 'int32' }, 1.5, 'an int32, got 1.5'],
      [{ n: 'int32' }, NaN, 'an int32, got NaN'],
      [{ n: 'uint32' }, -1, 'a uint32, got -1'],
      [{ n: 'int8' }, 128, 'an int8, got 128'],
      [{ n: 'uint8' }, 256, 'a uint8, got 256'],
      [{ n: 'int16' }, -32769, 'an int16, got -32769'],
      [{ n: 'uint16' }, 65536, 'a uint16, got 65536'],
      [{ n: 'int64' }, 2 ** 53, 'an int64 (a safe integer), got 9007199254740992'],
      [{ n: 'int64' }, 0.5, 'an int64 (a safe integer), got 0.5'],
      [{ n: 'int64' }, 5n, 'an int64 (a safe integer), got 5n'],
      [{ n: 'float64' }, '1', 'a float64, got "1"'],
      [{ n: 'float32' }, undefined, 'a float32, got undefined'],
      [{ n: 'boolean' }, 1, 'a boolean, got 1'],
      [{ n: 'string' }, null, 'a string, got null'],
    ];
    for (const [shape, n, expected] of cases) {
      const error = thrown(() => serialize(createTypedSerializer(shape, EDGE), { n }));
      expect(error.code).toBe('ERR_RT_SERIALIZE');
      expect(error.message).toContain(`on edge "source -> sink": field "n" must be ${expected}`);
    }
  });

  it('rejects a missing field and a record that is not an object', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    expect(thrown(() => serialize(serializer, { key: 1, value: 2 })).message).toContain(
      'field "ts" must be a float64, got undefined',
    );
    expect(thrown(() => serialize(serializer, null as never)).message).toContain(
      'cannot serialize record on edge "source -> sink": expected an object, got null',
    );
  });

  it('rejects bytes of the wrong length, naming the edge', () => {
    const serializer = createTypedSerializer(KEY_VALUE_TS, EDGE);
    const bytes = new Uint8Array(32);
    const error = thrown(() => serializer.readFrom(new DataView(bytes.buffer), bytes, 0, 19));
    expect(error.code).toBe('ERR_RT_DESERIALIZE');
    expect(error.message).toContain('cannot deserialize record on edge "source -> sink"');
    expect(error.message).toContain('takes 20 bytes, got 19');
  });

  it('rejects corrupt variable-size records', () => {
    const serializer = createTypedSerializer({ key: 'int32', name: 'string' }, EDGE);
    const good = serialize(serializer, { key: 1, name: 'abc' }); // 4 + 4 + 3
    const tooLong = good.slice();
    new DataView(tooLong.buffer).setInt32(4, 4);
    const negative = good.slice();
    new DataView(negative.buffer).setInt32(4, -1);
    const trailing = new Uint8Array([...good, 0]);
    for (const bytes of [tooLong, negative, trailing, good.subarray(0, 7)]) {
      const error = thrown(() => deserialize(serializer, bytes));
      expect(error.code).toBe('ERR_RT_DESERIALIZE');
      expect(error.message).toContain('on edge "source -> sink"');
    }
  });

  it('rejects an int64 outside the safe range and a boolean byte other than 0 or 1', () => {
    const int64 = createTypedSerializer({ n: 'int64' }, EDGE);
    for (const bytes of ['0020000000000000', 'ffe0000000000000', '7fffffffffffffff']) {
      const error = thrown(() => deserialize(int64, Buffer.from(bytes, 'hex')));
      expect(error.message).toContain('int64 field "n" is outside the safe integer range');
    }
    const error = thrown(() => deserialize(createTypedSerializer({ b: 'boolean' }, EDGE), new Uint8Array([2])));
    expect(error.message).toContain('boolean field "b" holds byte 2');
  });

  it('rejects an invalid shape with ERR_RT_BAD_SHAPE', () => {
    expect(thrown(() => createTypedSerializer({ key: 'int33' } as never, EDGE)).code).toBe('ERR_RT_BAD_SHAPE');
  });
});
