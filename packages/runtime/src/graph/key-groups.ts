// Flink's KeyGroupRangeAssignment in TypeScript: key hashing, key groups, max parallelism and each subtask's key-group range.

import { RuntimeError } from '../errors.js';
import { describeValue } from '../serialization/record-shape.js';

/** Flink's lower bound of the derived max parallelism (`KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM`). */
export const DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 128;

/** The largest max parallelism (2^15), Flink's `UPPER_BOUND_MAX_PARALLELISM`: key groups fit in 2 bytes. */
export const UPPER_BOUND_MAX_PARALLELISM = 32_768;

/**
 * The key groups `[startKeyGroup, endKeyGroup]` (both inclusive) one subtask owns, Flink's KeyGroupRange.
 * Plain data, so it travels with a subtask's deployment.
 */
export interface KeyGroupRange {
  readonly startKeyGroup: number;
  readonly endKeyGroup: number;
}

/**
 * Flink's `MathUtils.murmurHash(int)`: Murmur3_32 of one 4-byte block with seed 0, made non-negative.
 * The input is taken as an int32 (`code | 0`). 32-bit multiplication uses `Math.imul`, so the result
 * equals Java's bit for bit.
 * @returns an integer in `[0, 2^31 - 1]`
 */
export function murmurHash(code: number): number {
  code = Math.imul(code, 0xcc9e2d51);
  code = (code << 15) | (code >>> 17);
  code = Math.imul(code, 0x1b873593);
  code = (code << 13) | (code >>> 19);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;
  code ^= 4;
  // fmix32
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  code ^= code >>> 16;
  return code >= 0 ? code : code === -0x80000000 ? 0 : -code;
}

// Scratch for reading a double's bits without allocating; module-level, so one per thread.
const doubleScratch = new DataView(new ArrayBuffer(8));
const TWO_POW_32 = 4_294_967_296;
const MAX_KEY_DEPTH = 32;

/**
 * A deterministic 32-bit hash of a key, the same in every process and thread (Java's `hashCode()` in
 * spirit, and equal to it where Java has the same value):
 * - a number that is an int32 (`-0` counts as `0`): the number itself (`Integer.hashCode`);
 * - any other safe integer: `Long.hashCode` (low word XOR high word); any other number: `Double.hashCode`
 *   (NaN canonical);
 * - a string: `String.hashCode` over UTF-16 code units (`s[0]*31^(n-1) + … + s[n-1]`);
 * - a boolean: 1231 / 1237 (`Boolean.hashCode`); a bigint: `Long.hashCode` of its low 64 bits;
 * - a Date: `Long.hashCode` of its time;
 * - an array or typed array: `List.hashCode` (`31 * h + hash(element)`, starting at 1; `null` elements 0);
 * - a Set: the sum of its elements' hashes; a Map or plain object: the sum of `hash(key) ^ hash(value)` over
 *   its entries (own enumerable string keys), like `AbstractMap.hashCode`, so key order does not matter.
 *
 * Keys that are equal as values hash equally; that is all key groups need.
 * @throws RuntimeError `ERR_RT_BAD_KEY` for `null`/`undefined` keys (Flink rejects null keys), symbols,
 *   functions, and keys nested deeper than 32 levels (a cycle)
 */
export function hashCode(key: unknown): number {
  return hashValue(key, 0, true);
}

function hashValue(key: unknown, depth: number, isTopLevel: boolean): number {
  switch (typeof key) {
    case 'number':
      return hashNumber(key);
    case 'string':
      return hashString(key);
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return (Number(BigInt.asUintN(32, key)) ^ Number(BigInt.asIntN(32, key >> 32n))) | 0;
    case 'object':
      if (key !== null) return hashObject(key, depth);
      if (!isTopLevel) return 0;
      break;
    case 'undefined':
      if (!isTopLevel) return 0;
      break;
    default:
      break;
  }
  throw new RuntimeError(
    'ERR_RT_BAD_KEY',
    `cannot hash key ${describeValue(key)}: a key must not be null or undefined, a symbol or a function`,
  );
}

function hashNumber(value: number): number {
  if ((value | 0) === value) return value | 0;
  if (Number.isSafeInteger(value)) {
    const high = Math.floor(value / TWO_POW_32);
    const low = value - high * TWO_POW_32;
    return (low ^ high) | 0;
  }
  if (value !== value) return 0x7ff80000; // Double.doubleToLongBits(NaN) = 0x7ff8000000000000
  doubleScratch.setFloat64(0, value);
  return (doubleScratch.getInt32(0) ^ doubleScratch.getInt32(4)) | 0;
}

function hashString(value: string): number {
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (Math.imul(31, h) + value.charCodeAt(i)) | 0;
  return h;
}

function hashObject(value: object, depth: number): number {
  if (depth >= MAX_KEY_DEPTH) {
    throw new RuntimeError('ERR_RT_BAD_KEY', `cannot hash a key nested deeper than ${MAX_KEY_DEPTH} levels (is it cyclic?)`);
  }
  const next = depth + 1;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = value as ArrayLike<unknown>;
    let h = 1;
    for (let i = 0; i < items.length; i++) h = (Math.imul(31, h) + hashValue(items[i], next, false)) | 0;
    return h;
  }
  if (value instanceof Date) return hashNumber(value.getTime());
  let h = 0;
  if (value instanceof Map) {
    for (const [k, v] of value) h = (h + (hashValue(k, next, false) ^ hashValue(v, next, false))) | 0;
    return h;
  }
  if (value instanceof Set) {
    for (const element of value) h = (h + hashValue(element, next, false)) | 0;
    return h;
  }
  const record = value as Record<string, unknown>;
  for (const k in record) {
    if (Object.hasOwn(record, k)) h = (h + (hashString(k) ^ hashValue(record[k], next, false))) | 0;
  }
  return h;
}

/**
 * The key group of `key`: `murmurHash(hashCode(key)) % maxParallelism` (Flink's `assignToKeyGroup`).
 * Int32 keys skip the general hash.
 */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  const hash = typeof key === 'number' && (key | 0) === key ? key : hashCode(key);
  return murmurHash(hash) % maxParallelism;
}

/** The key group of a key whose {@link hashCode} is `keyHash` (Flink's `computeKeyGroupForKeyHash`). */
export function computeKeyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  return murmurHash(keyHash) % maxParallelism;
}

/**
 * The subtask that owns `keyGroup`: `keyGroup * parallelism / maxParallelism`, integer division
 * (Flink's `computeOperatorIndexForKeyGroup`). Exact: both factors are at most 2^15.
 */
export function computeOperatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask (of `parallelism`) that owns `key` (Flink's `assignKeyToParallelOperator`). */
export function assignKeyToParallelOperator(key: unknown, maxParallelism: number, parallelism: number): number {
  return computeOperatorIndexForKeyGroup(maxParallelism, parallelism, assignToKeyGroup(key, maxParallelism));
}

/**
 * The contiguous key groups subtask `operatorIndex` owns: `[(i*maxP + p - 1) / p, ((i+1)*maxP - 1) / p]`,
 * integer division (Flink's `computeKeyGroupRangeForOperatorIndex`); e.g. maxP 128, p 3 → 0–42, 43–85, 86–127.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when the arguments break `0 <= i < p <= maxP <= 2^15`
 */
export function computeKeyGroupRangeForOperatorIndex(
  maxParallelism: number,
  parallelism: number,
  operatorIndex: number,
): KeyGroupRange {
  checkParallelismPreconditions(parallelism, maxParallelism);
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `operator index ${operatorIndex} is not in [0, ${parallelism})`);
  }
  return {
    startKeyGroup: Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism),
    endKeyGroup: Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism),
  };
}

/**
 * Flink's derived max parallelism: `min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768)`, so 128 for
 * every parallelism up to 85 (p 100 → 256, p 1000 → 2048).
 */
export function computeDefaultMaxParallelism(parallelism: number): number {
  const wanted = parallelism + Math.floor(parallelism / 2);
  const roundedUp = wanted <= 1 ? 1 : 2 ** Math.ceil(Math.log2(wanted));
  return Math.min(Math.max(roundedUp, DEFAULT_LOWER_BOUND_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM);
}

/**
 * Checks `0 < parallelism <= maxParallelism <= 2^15`, both integers.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` naming the broken bound
 */
export function checkParallelismPreconditions(parallelism: number, maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new RuntimeError(
      'ERR_RT_BAD_ARGUMENT',
      `max parallelism ${describeValue(maxParallelism)} is not an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}]`,
    );
  }
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new RuntimeError(
      'ERR_RT_BAD_ARGUMENT',
      `parallelism ${describeValue(parallelism)} is not an integer in [1, max parallelism ${maxParallelism}]`,
    );
  }
}
