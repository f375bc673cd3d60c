import { describe, expect, it } from 'vitest';
import { createSerializer, type SerializerSpec } from '../../src/serialization/create-serializer.js';
import { deserialize, serialize } from './frames.js';

describe('createSerializer', () => {
  it('builds interoperable ends from a spec that went through JSON, as a job graph does', () => {
    const specs: [SerializerSpec, unknown][] = [
      [{ kind: 'typed', shape: { key: 'int32', value: 'float64', ts: 'int64' } }, { key: 1, value: 2.5, ts: 1_700_000_000_000 }],
      [{ kind: 'msgpackr', structures: [['word', 'count']] }, { word: 'flink', count: 3 }],
      [{ kind: 'msgpackr' }, { anything: ['goes', { here: true }] }],
    ];
    for (const [spec, record] of specs) {
      const writer = createSerializer(spec, 'a -> b');
      const reader = createSerializer(JSON.parse(JSON.stringify(spec)) as SerializerSpec, 'a -> b');
      expect(deserialize(reader, serialize(writer, record))).toEqual(record);
    }
  });

  it('picks the serializer the spec names', () => {
    expect(createSerializer({ kind: 'typed', shape: { key: 'int32' } }, 'a -> b').description).toBe(
      'typed{key:int32} on edge "a -> b"',
    );
    expect(createSerializer({ kind: 'msgpackr' }, 'a -> b').description).toBe('msgpackr{structures:0} on edge "a -> b"');
  });
});
