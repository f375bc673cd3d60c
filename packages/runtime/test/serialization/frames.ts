// Test helpers for serialization tests: length-prefixed streams, hex, a seeded random source, and error capture.

import { expect } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import type { TypeSerializer } from '../../src/serialization/type-serializer.js';

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Writes one record with `serializer` into a fresh buffer and returns exactly its bytes. */
export function serialize<T>(serializer: TypeSerializer<T>, record: T, capacity = 1 << 20): Uint8Array {
  const bytes = new Uint8Array(capacity);
  const end = serializer.writeTo(record, new DataView(bytes.buffer), bytes, 0, capacity);
  if (end < 0) throw new Error('record did not fit the test buffer');
  return bytes.slice(0, end);
}

/** Reads back a record that `serialize` produced. */
export function deserialize<T>(serializer: TypeSerializer<T>, bytes: Uint8Array): T {
  return serializer.readFrom(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, 0, bytes.length);
}

/** The wire stream of `records`: `| length: int32 BE | record |` back to back, as the RecordWriter writes it. */
export function frameStream<T>(serializer: TypeSerializer<T>, records: readonly T[]): Uint8Array {
  let capacity = 1024;
  for (;;) {
    const bytes = new Uint8Array(capacity);
    const view = new DataView(bytes.buffer);
    let pos = 0;
    let fits = true;
    for (const record of records) {
      const end = capacity - pos < 4 ? -1 : serializer.writeTo(record, view, bytes, pos + 4, capacity);
      if (end < 0) {
        fits = false;
        break;
      }
      view.setInt32(pos, end - pos - 4);
      pos = end;
    }
    if (fits) return bytes.slice(0, pos);
    capacity *= 4;
  }
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `fn`, expects it to throw a RuntimeError, and returns that error (for checks on its code and message). */
export function thrown(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    return error as RuntimeError;
  }
  throw new Error('expected a throw');
}
