import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { FIELD_TYPES, fixedSizeOf, validateRecordShape } from '../../src/serialization/record-shape.js';

function badShape(shape: unknown): string {
  try {
    validateRecordShape(shape);
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('ERR_RT_BAD_SHAPE');
    return (error as RuntimeError).message;
  }
  throw new Error('expected ERR_RT_BAD_SHAPE');
}

describe('validateRecordShape', () => {
  it('returns the fields in declaration order', () => {
    expect(validateRecordShape({ ts: 'int64', key: 'int32', name: 'string' })).toEqual([
      { name: 'ts', type: 'int64' },
      { name: 'key', type: 'int32' },
      { name: 'name', type: 'string' },
    ]);
  });

  it('accepts every documented field type', () => {
    expect(FIELD_TYPES).toEqual([
      'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'int64', 'boolean', 'string',
    ]);
    expect(validateRecordShape(Object.fromEntries(FIELD_TYPES.map((type) => [`f_${type}`, type])))).toHaveLength(11);
  });

  it('names the field and the bad type', () => {
    const message = badShape({ key: 'int32', value: 'double' });
    expect(message).toContain('field "value"');
    expect(message).toContain('"double"');
    expect(badShape({ key: 4 })).toContain('field "key" has unknown type 4');
  });

  it('rejects names that would break the object literal or its key order', () => {
    expect(badShape(JSON.parse('{"__proto__": "int32"}'))).toContain('"__proto__"');
    expect(badShape({ 0: 'int32' })).toContain('"0"');
    expect(badShape({ '': 'int32' })).toContain('""');
  });

  it('rejects an empty shape and one that is not an object', () => {
    expect(badShape({})).toContain('at least one field');
    expect(badShape(null)).toContain('got null');
    expect(badShape(['int32'])).toContain('must be an object');
  });
});

describe('fixedSizeOf', () => {
  it('sums the fixed sizes, or is -1 with a string', () => {
    expect(fixedSizeOf(validateRecordShape({ a: 'int8', b: 'int64', c: 'boolean', d: 'float32' }))).toBe(14);
    expect(fixedSizeOf(validateRecordShape({ a: 'int8', s: 'string' }))).toBe(-1);
  });
});
