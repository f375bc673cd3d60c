// The typed fast path: a TypeSerializer compiled from a declared record shape into straight-line DataView code.

import { RuntimeError } from '../errors.js';
import {
  FIXED_FIELD_SIZES,
  describeValue,
  fixedSizeOf,
  formatRecordShape,
  validateRecordShape,
  type FieldSpec,
  type FieldType,
  type RecordShape,
} from './record-shape.js';
import type { TypeSerializer } from './type-serializer.js';

// ---------------------------------------------------------------------------------------------------
// Code generation
//
// For `{ key: 'int32', value: 'float64', ts: 'int64' }` the compiled pair is, in essence:
//
//   writeTo(r, view, bytes, offset, limit) {
//     if (r === null || typeof r !== 'object') failRecord(r);
//     const v0 = r["key"];   if (typeof v0 !== 'number' || (v0 | 0) !== v0) failField(0, v0);
//     const v1 = r["value"]; if (typeof v1 !== 'number') failField(1, v1);
//     const v2 = r["ts"];    if (typeof v2 !== 'number' || !Number.isSafeInteger(v2)) failField(2, v2);
//     if (limit - offset < 20) return -1;
//     view.setInt32(offset, v0); view.setFloat64(offset + 4, v1);
//     const h2 = Math.floor(v2 / 4294967296); view.setInt32(offset + 12, h2); view.setUint32(offset + 16, v2 - h2 * 4294967296);
//     return offset + 20;
//   }
//   readFrom(view, bytes, offset, length) {
//     if (length !== 20) failLength(length);
//     const f0 = view.getInt32(offset); const f1 = view.getFloat64(offset + 4); const f2 = <int64 at offset + 12>;
//     return { "key": f0, "value": f1, "ts": f2 };       // one object literal: one hidden class
//   }
//
// Shapes with `string` fields write at a running offset `o` and check room field by field instead.
// Field names only ever appear inside JSON.stringify'd string literals, never as code.
// ---------------------------------------------------------------------------------------------------

const TWO_POW_32 = 4294967296;
/** int64 high words whose value is a safe integer: [-2^21, 2^21 - 1], except -2^53 itself. */
const INT64_MIN_HI = -2097152;
const INT64_MAX_HI = 2097151;

/** The check that rejects a value `v` of `type`; the value passes when the expression is false. */
function invalidValueCheck(type: FieldType, v: string): string {
  switch (type) {
    case 'int8':
      return `typeof ${v} !== 'number' || ((${v} << 24) >> 24) !== ${v}`;
    case 'uint8':
      return `typeof ${v} !== 'number' || (${v} & 0xff) !== ${v}`;
    case 'int16':
      return `typeof ${v} !== 'number' || ((${v} << 16) >> 16) !== ${v}`;
    case 'uint16':
      return `typeof ${v} !== 'number' || (${v} & 0xffff) !== ${v}`;
    case 'int32':
      return `typeof ${v} !== 'number' || (${v} | 0) !== ${v}`;
    case 'uint32':
      return `typeof ${v} !== 'number' || (${v} >>> 0) !== ${v}`;
    case 'float32':
    case 'float64':
      return `typeof ${v} !== 'number'`;
    case 'int64':
      return `typeof ${v} !== 'number' || !Number.isSafeInteger(${v})`;
    case 'boolean':
      return `typeof ${v} !== 'boolean'`;
    case 'string':
      return `typeof ${v} !== 'string'`;
  }
}

/** Statements writing the fixed-size value `v` at byte offset expression `at`. */
function writeFixed(type: Exclude<FieldType, 'string'>, v: string, at: string, i: number): string {
  switch (type) {
    case 'int8':
      return `view.setInt8(${at}, ${v});`;
    case 'uint8':
      return `view.setUint8(${at}, ${v});`;
    case 'int16':
      return `view.setInt16(${at}, ${v});`;
    case 'uint16':
      return `view.setUint16(${at}, ${v});`;
    case 'int32':
      return `view.setInt32(${at}, ${v});`;
    case 'uint32':
      return `view.setUint32(${at}, ${v});`;
    case 'float32':
      return `view.setFloat32(${at}, ${v});`;
    case 'float64':
      return `view.setFloat64(${at}, ${v});`;
    case 'int64':
      return (
        `const h${i} = Math.floor(${v} / ${TWO_POW_32}); view.setInt32(${at}, h${i}); ` +
        `view.setUint32(${at} + 4, ${v} - h${i} * ${TWO_POW_32});`
      );
    case 'boolean':
      return `view.setUint8(${at}, ${v} ? 1 : 0);`;
  }
}

/** Statements reading the fixed-size field `i` at byte offset expression `at` into `f${i}`. */
function readFixed(type: Exclude<FieldType, 'string'>, at: string, i: number): string {
  switch (type) {
    case 'int8':
      return `const f${i} = view.getInt8(${at});`;
    case 'uint8':
      return `const f${i} = view.getUint8(${at});`;
    case 'int16':
      return `const f${i} = view.getInt16(${at});`;
    case 'uint16':
      return `const f${i} = view.getUint16(${at});`;
    case 'int32':
      return `const f${i} = view.getInt32(${at});`;
    case 'uint32':
      return `const f${i} = view.getUint32(${at});`;
    case 'float32':
      return `const f${i} = view.getFloat32(${at});`;
    case 'float64':
      return `const f${i} = view.getFloat64(${at});`;
    case 'int64':
      return (
        `const h${i} = view.getInt32(${at}), l${i} = view.getUint32(${at} + 4); ` +
        `if (h${i} < ${INT64_MIN_HI} || h${i} > ${INT64_MAX_HI} || (h${i} === ${INT64_MIN_HI} && l${i} === 0)) failInt64(${i}); ` +
        `const f${i} = h${i} * ${TWO_POW_32} + l${i};`
      );
    case 'boolean':
      return `const b${i} = view.getUint8(${at}); if (b${i} > 1) failBoolean(${i}, b${i}); const f${i} = b${i} === 1;`;
  }
}

/** Minimal bytes each field takes (a string at least its 4-byte length prefix). */
function minSize(type: FieldType): number {
  return type === 'string' ? 4 : FIXED_FIELD_SIZES[type];
}

function generateWriteTo(fields: readonly FieldSpec[], fixedSize: number): string {
  const lines: string[] = [`if (record === null || typeof record !== 'object') failRecord(record);`];
  fields.forEach(({ name, type }, i) => {
    lines.push(`const v${i} = record[${JSON.stringify(name)}];`);
    lines.push(`if (${invalidValueCheck(type, `v${i}`)}) failField(${i}, v${i});`);
  });
  if (fixedSize >= 0) {
    lines.push(`if (limit - offset < ${fixedSize}) return -1;`);
    let at = 0;
    fields.forEach(({ type }, i) => {
      lines.push(writeFixed(type as Exclude<FieldType, 'string'>, `v${i}`, at === 0 ? 'offset' : `offset + ${at}`, i));
      at += FIXED_FIELD_SIZES[type as Exclude<FieldType, 'string'>];
    });
    lines.push(`return offset + ${fixedSize};`);
    return lines.join('\n');
  }
  // Variable size: check the minimum up front, then give each string only the room the fields after it
  // leave, so the fixed fields never need their own checks.
  let after = fields.reduce((sum, f) => sum + minSize(f.type), 0);
  lines.push(`if (limit - offset < ${after}) return -1;`, 'let o = offset;');
  fields.forEach(({ type }, i) => {
    after -= minSize(type);
    if (type === 'string') {
      lines.push(`o = writeString(v${i}, view, bytes, o, limit - ${after}); if (o < 0) return -1;`);
    } else {
      lines.push(writeFixed(type, `v${i}`, 'o', i), `o += ${FIXED_FIELD_SIZES[type]};`);
    }
  });
  lines.push('return o;');
  return lines.join('\n');
}

function generateReadFrom(fields: readonly FieldSpec[], fixedSize: number): string {
  const literal = `return { ${fields.map(({ name }, i) => `${JSON.stringify(name)}: f${i}`).join(', ')} };`;
  const lines: string[] = [];
  if (fixedSize >= 0) {
    lines.push(`if (length !== ${fixedSize}) failLength(length);`);
    let at = 0;
    fields.forEach(({ type }, i) => {
      lines.push(readFixed(type as Exclude<FieldType, 'string'>, at === 0 ? 'offset' : `offset + ${at}`, i));
      at += FIXED_FIELD_SIZES[type as Exclude<FieldType, 'string'>];
    });
    lines.push(literal);
    return lines.join('\n');
  }
  let after = fields.reduce((sum, f) => sum + minSize(f.type), 0);
  lines.push(`if (length < ${after}) failLength(length);`, 'const end = offset + length;', 'let o = offset;');
  fields.forEach(({ type }, i) => {
    after -= minSize(type);
    if (type === 'string') {
      lines.push(
        `const n${i} = view.getInt32(o); o += 4;`,
        `if (n${i} < 0 || n${i} > end - o - ${after}) failStringLength(${i}, n${i}, end - o - ${after});`,
        `const f${i} = readString(bytes, o, n${i}); o += n${i};`,
      );
    } else {
      lines.push(readFixed(type, 'o', i), `o += ${FIXED_FIELD_SIZES[type]};`);
    }
  });
  lines.push('if (o !== end) failLength(length);', literal);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// utf-8 helpers for `string` fields (shared by every compiled serializer of this thread)
// ---------------------------------------------------------------------------------------------------

/** Strings up to this many UTF-16 units try the inline ASCII loop before Node's utf-8 codec. */
const SHORT_STRING = 32;

// One Buffer over the memory of the last `bytes` seen, for Buffer#write/#toString at the same offsets
// without a subarray per string. Works for SharedArrayBuffer-backed views too.
let lastBytes: Uint8Array | null = null;
let lastBuffer: Buffer = Buffer.alloc(0);

function bufferOver(bytes: Uint8Array): Buffer {
  if (bytes !== lastBytes) {
    lastBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    lastBytes = bytes;
  }
  return lastBuffer;
}

/** Writes `| byteLength: int32 | utf-8 |` at `o`; returns the offset after it, or -1 past `limit`. */
function writeString(s: string, view: DataView, bytes: Uint8Array, o: number, limit: number): number {
  const start = o + 4;
  const numUnits = s.length;
  if (limit - start < numUnits) return -1; // utf-8 never needs fewer bytes than UTF-16 units
  if (numUnits <= SHORT_STRING) {
    let i = 0;
    for (; i < numUnits; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[start + i] = c;
    }
    if (i === numUnits) {
      view.setInt32(o, numUnits);
      return start + numUnits;
    }
  }
  const byteLength = Buffer.byteLength(s, 'utf8');
  if (limit - start < byteLength) return -1;
  bufferOver(bytes).write(s, start, byteLength, 'utf8');
  view.setInt32(o, byteLength);
  return start + byteLength;
}

/** Reads `byteLength` bytes of utf-8 at `o` (malformed sequences become U+FFFD). */
function readString(bytes: Uint8Array, o: number, byteLength: number): string {
  if (byteLength <= SHORT_STRING) {
    let s = '';
    let i = 0;
    for (; i < byteLength; i++) {
      const c = bytes[o + i];
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === byteLength) return s;
  }
  return bufferOver(bytes).toString('utf8', o, o + byteLength);
}

// ---------------------------------------------------------------------------------------------------
// createTypedSerializer
// ---------------------------------------------------------------------------------------------------

const ARTICLE_AN = new Set<FieldType>(['int8', 'int16', 'int32', 'int64']);

type WriteTo = TypeSerializer<Record<string, unknown>>['writeTo'];
type ReadFrom = TypeSerializer<Record<string, unknown>>['readFrom'];

/**
 * Compiles a serializer for records of `shape` on the edge `edgeName` (see {@link FIXED_FIELD_SIZES}
 * for the layout: fields back to back in declaration order, big-endian, no padding and no header).
 *
 * `writeTo` checks every value cheaply (type, integer range) and `readFrom` returns a fresh plain object
 * literal with the fields in declared order, so all records of an edge share one hidden class. Nothing
 * returned by `readFrom` refers to the memory it was read from.
 *
 * Owned by: one subtask worker thread, like every TypeSerializer. The compiled pair itself is stateless;
 * string fields share a per-thread Buffer view of the last memory they touched.
 *
 * @param shape the declared field types, e.g. `{ key: 'int32', value: 'float64', ts: 'int64' }`
 * @param edgeName names the edge in errors, e.g. `source -> map`
 * @throws RuntimeError `ERR_RT_BAD_SHAPE` when the shape is invalid (see {@link validateRecordShape})
 */
export function createTypedSerializer(shape: RecordShape, edgeName: string): TypeSerializer<Record<string, unknown>> {
  const fields = validateRecordShape(shape);
  const fixedSize = fixedSizeOf(fields);
  const description = `typed${formatRecordShape(fields)} on edge ${JSON.stringify(edgeName)}`;
  const writePrefix = `cannot serialize record on edge ${JSON.stringify(edgeName)}`;
  const readPrefix = `cannot deserialize record on edge ${JSON.stringify(edgeName)}`;

  const failRecord = (record: unknown): never => {
    throw new RuntimeError('ERR_RT_SERIALIZE', `${writePrefix}: expected an object, got ${describeValue(record)}`);
  };
  const failField = (i: number, value: unknown): never => {
    const { name, type } = fields[i];
    const expected = `${ARTICLE_AN.has(type) ? 'an' : 'a'} ${type}${type === 'int64' ? ' (a safe integer)' : ''}`;
    throw new RuntimeError(
      'ERR_RT_SERIALIZE',
      `${writePrefix}: field ${JSON.stringify(name)} must be ${expected}, got ${describeValue(value)}`,
    );
  };
  const failLength = (length: number): never => {
    const needed = fixedSize >= 0 ? `${fixedSize} bytes` : 'the bytes its fields declare';
    throw new RuntimeError('ERR_RT_DESERIALIZE', `${readPrefix}: a ${description} record takes ${needed}, got ${length}`);
  };
  const failStringLength = (i: number, byteLength: number, available: number): never => {
    throw new RuntimeError(
      'ERR_RT_DESERIALIZE',
      `${readPrefix}: string field ${JSON.stringify(fields[i].name)} claims ${byteLength} bytes, ${available} are left`,
    );
  };
  const failInt64 = (i: number): never => {
    throw new RuntimeError(
      'ERR_RT_DESERIALIZE',
      `${readPrefix}: int64 field ${JSON.stringify(fields[i].name)} is outside the safe integer range`,
    );
  };
  const failBoolean = (i: number, byte: number): never => {
    throw new RuntimeError(
      'ERR_RT_DESERIALIZE',
      `${readPrefix}: boolean field ${JSON.stringify(fields[i].name)} holds byte ${byte}, not 0 or 1`,
    );
  };

  const source =
    `'use strict';\n` +
    `function writeTo(record, view, bytes, offset, limit) {\n${generateWriteTo(fields, fixedSize)}\n}\n` +
    `function readFrom(view, bytes, offset, length) {\n${generateReadFrom(fields, fixedSize)}\n}\n` +
    `return { writeTo, readFrom };`;
  // Dynamic code, but its only inputs are validated field types and JSON string literals.
  const compile = new Function(
    'failRecord',
    'failField',
    'failLength',
    'failStringLength',
    'failInt64',
    'failBoolean',
    'writeString',
    'readString',
    source,
  ) as (...helpers: unknown[]) => { writeTo: WriteTo; readFrom: ReadFrom };
  const { writeTo, readFrom } = compile(
    failRecord,
    failField,
    failLength,
    failStringLength,
    failInt64,
    failBoolean,
    writeString,
    readString,
  );
  return { description, fixedSize, writeTo, readFrom };
}
