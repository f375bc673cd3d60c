// Reassembles length-prefixed records from the consecutive buffers of one input channel (Flink's SpanningRecordDeserializer).

import { RuntimeError } from '../errors.js';
import type { TypeSerializer } from './type-serializer.js';

/** Options of a {@link RecordDeserializer}. */
export interface RecordDeserializerOptions {
  /** Largest record accepted, in bytes; a bigger length prefix means a corrupt stream. Default 64 MiB. */
  readonly maxRecordBytes?: number;
}

/** Default of {@link RecordDeserializerOptions.maxRecordBytes}: far above any sane record, far below a crash. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

const LENGTH_BYTES = 4;
const INITIAL_SPILL_BYTES = 256;

/**
 * Reads records from the byte stream of one channel, fed buffer by buffer. On the wire each record is
 *
 * ```
 * | length: int32 big-endian (4) | record (length bytes, written by the edge's TypeSerializer) |
 * ```
 *
 * back to back, and a record (even its length prefix) may be split across consecutive buffers. Records
 * that lie wholly inside a buffer are read in place; only a split record's bytes are copied, into a
 * growing spill buffer owned by this deserializer, and completed by the next `feed`. The serializer must
 * therefore return records that don't alias the memory they were read from.
 *
 * If `readFrom` or `emit` throws, the error propagates and the records after it in that buffer are lost:
 * the channel is expected to fail. Call {@link reset} before reusing the deserializer.
 *
 * Owned by: one subtask worker thread (one instance per input channel).
 */
export class RecordDeserializer<T> {
  readonly #serializer: TypeSerializer<T>;
  readonly #maxRecordBytes: number;
  // The split record: its bytes so far (length prefix included) in #spill[0, #numSpilled).
  #spill = new Uint8Array(INITIAL_SPILL_BYTES);
  #spillView = new DataView(this.#spill.buffer);
  #numSpilled = 0;
  // Length of the split record once its prefix is complete, else -1.
  #spilledRecordLength = -1;

  /**
   * @param serializer the edge's serializer; its `readFrom` sees each record's bytes without the prefix
   * @param options `maxRecordBytes` (default {@link DEFAULT_MAX_RECORD_BYTES})
   * @throws RuntimeError `ERR_RT_BAD_OPTION` when `maxRecordBytes` is not an integer in [1, 2^31 - 1]
   */
  constructor(serializer: TypeSerializer<T>, options: RecordDeserializerOptions = {}) {
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1 || maxRecordBytes > 0x7fffffff) {
      throw new RuntimeError(
        'ERR_RT_BAD_OPTION',
        `maxRecordBytes must be an integer in [1, 2147483647], got ${String(maxRecordBytes)}`,
      );
    }
    this.#serializer = serializer;
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** Whether the bytes fed so far end inside a record. */
  get hasPartialRecord(): boolean {
    return this.#numSpilled > 0;
  }

  /** Forgets any partial record, e.g. when the channel is reset. */
  reset(): void {
    this.#numSpilled = 0;
    this.#spilledRecordLength = -1;
  }

  /**
   * Reads every record completed by the bytes `[offset, offset + length)` of `bytes`/`view` (two views
   * of the same memory), in order, and passes each to `emit`; keeps a trailing partial record.
   * @throws RuntimeError `ERR_RT_DESERIALIZE` naming the edge when a length prefix is negative or over
   *   the limit, or when the serializer rejects a record's bytes
   */
  feed(view: DataView, bytes: Uint8Array, offset: number, length: number, emit: (record: T) => void): void {
    const end = offset + length;
    let pos = offset;
    if (this.#numSpilled > 0) {
      pos = this.#continueSpilled(bytes, pos, end, emit);
    }
    // Hot path: whole records in place.
    const serializer = this.#serializer;
    const maxRecordBytes = this.#maxRecordBytes;
    while (end - pos >= LENGTH_BYTES) {
      const recordLength = view.getInt32(pos);
      if (recordLength < 0 || recordLength > maxRecordBytes) this.#failLength(recordLength);
      const start = pos + LENGTH_BYTES;
      if (end - start < recordLength) break;
      pos = start + recordLength;
      emit(serializer.readFrom(view, bytes, start, recordLength));
    }
    if (pos < end) this.#spillFrom(bytes, pos, end);
  }

  // -------------------------------------------------------------------------------------------------
  // The split record
  // -------------------------------------------------------------------------------------------------

  /** Appends `[pos, end)` to the spill; only called at the end of a `feed`, with fewer bytes than a record. */
  #spillFrom(bytes: Uint8Array, pos: number, end: number): void {
    this.#append(bytes, pos, end);
    if (this.#numSpilled >= LENGTH_BYTES) this.#readSpilledLength();
  }

  /** Adds bytes from `pos` to the split record; emits it when complete. Returns the first unread offset. */
  #continueSpilled(bytes: Uint8Array, pos: number, end: number, emit: (record: T) => void): number {
    if (this.#spilledRecordLength < 0) {
      const take = Math.min(LENGTH_BYTES - this.#numSpilled, end - pos);
      this.#append(bytes, pos, pos + take);
      pos += take;
      if (this.#numSpilled < LENGTH_BYTES) return pos;
      this.#readSpilledLength();
    }
    const total = LENGTH_BYTES + this.#spilledRecordLength;
    const take = Math.min(total - this.#numSpilled, end - pos);
    this.#append(bytes, pos, pos + take);
    pos += take;
    if (this.#numSpilled === total) {
      const recordLength = this.#spilledRecordLength;
      this.reset(); // before readFrom/emit, so a throw leaves no stale record behind
      emit(this.#serializer.readFrom(this.#spillView, this.#spill, LENGTH_BYTES, recordLength));
    }
    return pos;
  }

  /** Validates the length prefix now complete in the spill and makes room for the whole record. */
  #readSpilledLength(): void {
    const recordLength = this.#spillView.getInt32(0);
    if (recordLength < 0 || recordLength > this.#maxRecordBytes) {
      this.reset();
      this.#failLength(recordLength);
    }
    this.#spilledRecordLength = recordLength;
    this.#ensureSpillCapacity(LENGTH_BYTES + recordLength);
  }

  #append(bytes: Uint8Array, from: number, to: number): void {
    const count = to - from;
    this.#ensureSpillCapacity(this.#numSpilled + count);
    this.#spill.set(bytes.subarray(from, to), this.#numSpilled);
    this.#numSpilled += count;
  }

  #ensureSpillCapacity(capacity: number): void {
    if (capacity <= this.#spill.length) return;
    let size = this.#spill.length;
    while (size < capacity) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#spill.subarray(0, this.#numSpilled));
    this.#spill = grown;
    this.#spillView = new DataView(grown.buffer);
  }

  #failLength(recordLength: number): never {
    const problem = recordLength < 0 ? 'is negative' : `exceeds the limit of ${this.#maxRecordBytes} bytes`;
    throw new RuntimeError(
      'ERR_RT_DESERIALIZE',
      `cannot deserialize on ${this.#serializer.description}: record length ${recordLength} ${problem}`,
    );
  }
}
