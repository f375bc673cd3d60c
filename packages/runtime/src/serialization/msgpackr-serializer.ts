// The generic path: a TypeSerializer for any structured-cloneable value, using msgpackr with structures agreed per edge.

import { C1, Packr, REUSE_BUFFER_MODE, Unpackr, type Options } from 'msgpackr';
import { RuntimeError } from '../errors.js';
import { describeValue } from './record-shape.js';
import type { TypeSerializer } from './type-serializer.js';

/**
 * Most shared structures an edge may agree on: msgpackr's one-byte record ids 0x40-0x5f. Ids 0x60-0x7f
 * stay free for structures a record brings along inline (see {@link createMsgpackrSerializer}).
 */
export const MAX_SHARED_STRUCTURES = 32;

/** How to build one edge's msgpackr serializer; both ends of the edge must be given the same spec. */
export interface MsgpackrSerializerOptions {
  /** Names the edge in errors, e.g. `source -> map`. */
  readonly edgeName: string;
  /**
   * The structures (key lists, in the records' own key order) agreed for the edge, at most
   * {@link MAX_SHARED_STRUCTURES}. Wins over `sampleRecord`. Default: derived from `sampleRecord`, else none.
   */
  readonly structures?: readonly (readonly string[])[];
  /** A typical record, whose plain objects (nested ones too) give the structures. See {@link structuresFromSample}. */
  readonly sampleRecord?: object;
}

// Records packed below this many bytes are copied out of the scratch with a byte loop: for a 20-byte
// record it beats `Uint8Array#set`, which pays for a subarray and a native call.
const COPY_LOOP_MAX_BYTES = 64;
// msgpackr won't start a pack within 2 KiB (0x800) of the end of its buffer, so the scratch must be larger.
const INITIAL_SCRATCH_BYTES = 16 * 1024;
// A scratch msgpackr grew for a large record is kept for the next one up to this size.
const MAX_KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

/**
 * Derives an edge's structures from a sample record: the key list of every plain object in it (the
 * record itself, nested objects, objects inside arrays), outermost first, without duplicates, at most
 * {@link MAX_SHARED_STRUCTURES}. Records whose objects have other keys (or the same keys in another
 * order) still serialize, only less compactly.
 */
export function structuresFromSample(sample: object): string[][] {
  const structures: string[][] = [];
  const seen = new Set<string>();
  const visited = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || depth > 16 || visited.has(value)) return;
    visited.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return; // Dates, Maps, typed arrays, class instances
    const keys = Object.keys(value);
    const id = JSON.stringify(keys);
    if (!seen.has(id) && structures.length < MAX_SHARED_STRUCTURES) {
      seen.add(id);
      structures.push(keys);
    }
    for (const key of keys) visit((value as Record<string, unknown>)[key], depth + 1);
  };
  visit(sample, 0);
  return structures;
}

function validateStructures(structures: unknown, edgeName: string): string[][] {
  const where = `msgpackr structures of edge ${JSON.stringify(edgeName)}`;
  if (!Array.isArray(structures) || structures.length > MAX_SHARED_STRUCTURES) {
    throw new RuntimeError(
      'ERR_RT_BAD_SHAPE',
      `${where} must be a list of at most ${MAX_SHARED_STRUCTURES} key lists, got ${describeValue(structures)}`,
    );
  }
  return structures.map((keys: unknown, i) => {
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string') || new Set(keys).size !== keys.length) {
      throw new RuntimeError(
        'ERR_RT_BAD_SHAPE',
        `${where}: entry ${i} must be a list of distinct string keys, got ${describeValue(keys)}`,
      );
    }
    return [...(keys as string[])];
  });
}

/**
 * Options for one end. Each end gets its own object and its own copy of the structures, because
 * msgpackr mutates both (it fills `structures` in and tags the key lists).
 */
function endOptions(structures: readonly string[][]): Options {
  return {
    structures: structures.map((keys) => [...keys]),
    maxSharedStructures: MAX_SHARED_STRUCTURES,
    // Typed arrays, Set, Map, Error, RegExp and big BigInts come back as themselves.
    moreTypes: true,
  };
}

/** A Buffer msgpackr handed back with REUSE_BUFFER_MODE: the record is `[start, end)`. */
type PackedBuffer = Buffer & { start: number; end: number };

/**
 * Creates the msgpackr serializer of one edge: any structured-cloneable value (plain objects, arrays,
 * strings, numbers, bigints, Dates, typed arrays, Maps, Sets, Errors), `fixedSize` -1.
 *
 * Structures are agreed up front, not learned (`sequential` is not used): both ends are built from the
 * same spec, each with its own msgpackr options. Objects with an agreed key list are written as a
 * one-byte record id plus values. The packer never adds to the agreed list (`shouldShareStructure`
 * returns false): without that, msgpackr would assign new shared ids that only its own process knows and
 * the other end could not decode. Any other object's key list travels inline in the record that uses it.
 * Functions, symbols and other values msgpackr can't encode are rejected rather than dropped.
 *
 * `writeTo` packs into a private scratch (`useBuffer` + `REUSE_BUFFER_MODE`, from offset 0, so msgpackr's
 * 2 KiB tail rule never applies and it never touches the target past `limit`) and copies the bytes to
 * `offset`. `readFrom` decodes in place and copies any binary data out (`copyBuffers`), so records never
 * alias a network buffer that is about to be recycled.
 *
 * Owned by: one subtask worker thread. msgpackr keeps one current output buffer per thread; this
 * serializer points it at its own scratch before every pack, so other code of the thread must not keep
 * the result of a plain msgpackr `pack()` across a record write.
 *
 * @throws RuntimeError `ERR_RT_BAD_SHAPE` when `structures` is not a list of at most 32 lists of distinct keys
 */
export function createMsgpackrSerializer(options: MsgpackrSerializerOptions): TypeSerializer<unknown> {
  const { edgeName } = options;
  const structures = validateStructures(
    options.structures ?? (options.sampleRecord === undefined ? [] : structuresFromSample(options.sampleRecord)),
    edgeName,
  );
  const description = `msgpackr{structures:${structures.length}} on edge ${JSON.stringify(edgeName)}`;
  const writePrefix = `cannot serialize record on edge ${JSON.stringify(edgeName)}`;
  const readPrefix = `cannot deserialize record on edge ${JSON.stringify(edgeName)}`;

  const packr = new Packr({
    ...endOptions(structures),
    shouldShareStructure: () => false,
    // msgpackr would silently write `undefined` for a function.
    writeFunction(...args: unknown[]): never {
      throw new TypeError(`${describeValue(args[0])} can't be serialized`);
    },
  });
  const unpackr = new Unpackr({ ...endOptions(structures), copyBuffers: true });
  const unpackOptions = { start: 0, end: 0 }; // reused by every readFrom: unpack reads it synchronously
  let scratch: Buffer = Buffer.allocUnsafeSlow(INITIAL_SCRATCH_BYTES);

  const pack = (record: unknown): PackedBuffer => {
    try {
      packr.useBuffer(scratch);
      return packr.pack(record, REUSE_BUFFER_MODE) as PackedBuffer;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new RuntimeError('ERR_RT_SERIALIZE', `${writePrefix}: ${reason}`, { cause: error });
    }
  };

  return {
    description,
    fixedSize: -1,
    writeTo(record, _view, bytes, offset, limit) {
      const packed = pack(record);
      const start = packed.start;
      const numBytes = packed.end - start;
      if (packed !== scratch && packed.length <= MAX_KEPT_SCRATCH_BYTES) scratch = packed; // msgpackr grew it
      if (limit - offset < numBytes) return -1;
      if (numBytes <= COPY_LOOP_MAX_BYTES) {
        for (let i = 0; i < numBytes; i++) bytes[offset + i] = packed[start + i];
      } else {
        bytes.set(packed.subarray(start, start + numBytes), offset);
      }
      return offset + numBytes;
    },
    readFrom(_view, bytes, offset, length) {
      if (length <= 0 || offset + length > bytes.length) {
        throw new RuntimeError('ERR_RT_DESERIALIZE', `${readPrefix}: ${length} bytes at offset ${offset} are not a record`);
      }
      unpackOptions.start = offset;
      unpackOptions.end = offset + length;
      let record: unknown;
      try {
        record = unpackr.unpack(bytes, unpackOptions);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RuntimeError('ERR_RT_DESERIALIZE', `${readPrefix}: ${reason}`, { cause: error });
      }
      // 0xc1 is "never used" in MessagePack; msgpackr decodes it to a sentinel instead of failing.
      if (record === C1) throw new RuntimeError('ERR_RT_DESERIALIZE', `${readPrefix}: byte 0xc1 is not a value`);
      return record;
    },
  };
}
