// The contract between records and bytes: one TypeSerializer per edge, like Flink's TypeSerializer.

/**
 * Turns records of one edge into bytes and back. The network moves opaque bytes; a serializer is chosen
 * per edge (typed for a declared shape, msgpackr otherwise) and both ends build the same one from the
 * same spec. Length prefixes and records that span buffers are not the serializer's business: the
 * RecordWriter writes a 4-byte big-endian length before each record, and RecordDeserializer reassembles.
 *
 * Owned by: one subtask worker thread (serializers keep scratch state and are not shared).
 */
export interface TypeSerializer<T> {
  /** Names the serializer and its edge in errors, e.g. `typed{key:int32,...} on edge "source -> map"`. */
  readonly description: string;
  /** Serialized size of every record in bytes when all records have the same size, otherwise -1. */
  readonly fixedSize: number;
  /**
   * Writes `record` at `offset` of `bytes`/`view` (two views over the same memory) if it fits before
   * `limit`, and returns the offset just after it; returns -1 when it needs more than `limit - offset`
   * bytes (the caller then retries into a larger scratch buffer). Nothing is promised about the bytes in
   * `[offset, limit)` after a -1.
   * @throws RuntimeError `ERR_RT_SERIALIZE` naming the edge and the reason when the record can't be written
   */
  writeTo(record: T, view: DataView, bytes: Uint8Array, offset: number, limit: number): number;
  /**
   * Reads the record of `length` bytes at `offset`.
   * @throws RuntimeError `ERR_RT_DESERIALIZE` naming the edge when the bytes are not such a record
   */
  readFrom(view: DataView, bytes: Uint8Array, offset: number, length: number): T;
}
