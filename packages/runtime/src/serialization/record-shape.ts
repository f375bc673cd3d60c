// The declared shape of a typed edge's records (field names and wire types, in declaration order) and its validation.

import { RuntimeError } from '../errors.js';

/**
 * Wire size in bytes of every field type; `string` is variable (a 4-byte length prefix plus its utf-8
 * bytes), so it has none here.
 *
 * ```
 * int8 1 | uint8 1 | int16 2 | uint16 2 | int32 4 | uint32 4 | float32 4 | float64 8 | int64 8 | boolean 1
 * string: | byteLength: int32 (4) | utf-8 bytes (byteLength) |
 * ```
 * All multi-byte fields are big-endian. `int64` carries a JS number that is a safe integer (|n| ≤ 2^53 - 1),
 * written as 8 bytes of two's complement; `boolean` is one byte, 0 or 1.
 */
export const FIXED_FIELD_SIZES = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
  int64: 8,
  boolean: 1,
} as const;

/** Every field type a record shape may declare. */
export type FieldType = keyof typeof FIXED_FIELD_SIZES | 'string';

/** Every field type a record shape may declare, as a list (validation and messages). */
export const FIELD_TYPES: readonly FieldType[] = [...(Object.keys(FIXED_FIELD_SIZES) as FieldType[]), 'string'];

/**
 * The declared shape of a typed edge's records, e.g. `{ key: 'int32', value: 'float64', ts: 'int64' }`.
 * Fields are written in declaration order (the object's own key order). Plain data, so it can travel
 * in a job graph.
 */
export type RecordShape = Readonly<Record<string, FieldType>>;

/** The JS type of records of shape `S`: numbers for numeric types, `boolean` and `string` otherwise. */
export type RecordOf<S extends RecordShape> = {
  -readonly [K in keyof S]: S[K] extends 'boolean' ? boolean : S[K] extends 'string' ? string : number;
};

/** One field of a validated shape. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
}

// Names that would make an object literal misbehave: `__proto__` sets the prototype, and array-index
// names are ordered before every other key, breaking declaration order (and the one hidden class).
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Checks `shape` and returns its fields in declaration order.
 * @throws RuntimeError `ERR_RT_BAD_SHAPE` naming the field and its bad type (or name), or when `shape`
 *   is not a non-empty plain object
 */
export function validateRecordShape(shape: unknown): FieldSpec[] {
  if (shape === null || typeof shape !== 'object' || Array.isArray(shape)) {
    throw new RuntimeError('ERR_RT_BAD_SHAPE', `a record shape must be an object of field types, got ${describeValue(shape)}`);
  }
  const fields: FieldSpec[] = [];
  for (const [name, type] of Object.entries(shape)) {
    if (name === '' || name === '__proto__' || ARRAY_INDEX.test(name)) {
      throw new RuntimeError('ERR_RT_BAD_SHAPE', `field name ${JSON.stringify(name)} is not allowed in a record shape`);
    }
    if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
      throw new RuntimeError(
        'ERR_RT_BAD_SHAPE',
        `field ${JSON.stringify(name)} has unknown type ${describeValue(type)} (expected one of ${FIELD_TYPES.join(', ')})`,
      );
    }
    fields.push({ name, type: type as FieldType });
  }
  if (fields.length === 0) {
    throw new RuntimeError('ERR_RT_BAD_SHAPE', 'a record shape needs at least one field');
  }
  return fields;
}

/** Serialized size of every record of `fields` in bytes, or -1 when a `string` field makes it vary. */
export function fixedSizeOf(fields: readonly FieldSpec[]): number {
  let size = 0;
  for (const { type } of fields) {
    if (type === 'string') return -1;
    size += FIXED_FIELD_SIZES[type];
  }
  return size;
}

/** Short form of a shape for descriptions and errors: `{key:int32,value:float64}`. */
export function formatRecordShape(fields: readonly FieldSpec[]): string {
  return `{${fields.map(({ name, type }) => `${name}:${type}`).join(',')}}`;
}

/**
 * Renders any value for an error message: strings quoted, numbers as JS prints them (`NaN`, `-0`),
 * bigints with `n`, objects as bounded JSON.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'boolean':
    case 'symbol':
      return String(value);
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (value === null) return 'null';
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        json = undefined;
      }
      const text = json ?? Object.prototype.toString.call(value);
      return text.length > 64 ? `${text.slice(0, 64)}…` : text;
    }
  }
}
