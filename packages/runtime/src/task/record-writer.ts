// Serializes records into the buffers of a ResultPartition, length-prefixed, spanning buffers when needed.
import type { ResultPartition, ResultSubpartition } from '@sluice/network';
import { RuntimeError } from '../errors.js';
import type { TypeSerializer } from '../serialization/type-serializer.js';

const LENGTH_BYTES = 4;

/**
 * Flink's RecordWriter: writes each record as `| length (4, big-endian) | bytes |` straight into the
 * segment of the chosen subpartition, in place in network memory. A record that does not fit the rest
 * of the current buffer continues in the next one (a spanning record); the subtask's mailbox keeps
 * records from being emitted while the partition is unavailable, so only a record's own spill can make
 * the writer block for a buffer.
 *
 * Owned by: the producing subtask worker thread.
 */
export class RecordWriter<T> {
  /** Records written since the last {@link takeNumRecordsOut}. */
  numRecordsOut = 0;
  private readonly subpartitions: ResultSubpartition[];
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly fixedSize: number;
  private scratch = new Uint8Array(1024);
  private scratchView = new DataView(this.scratch.buffer);

  /**
   * @param flushAlways flush after every record (`execution.buffer-timeout: 0`)
   */
  constructor(
    readonly partition: ResultPartition,
    readonly serializer: TypeSerializer<T>,
    private readonly flushAlways = false,
  ) {
    this.subpartitions = partition.subpartitions;
    this.view = partition.memory.view;
    this.bytes = partition.memory.bytes;
    this.fixedSize = serializer.fixedSize;
  }

  get numChannels(): number {
    return this.subpartitions.length;
  }

  /** Writes `record` to subpartition `channel`. */
  emit(record: T, channel: number): void {
    const subpartition = this.subpartitions[channel];
    const pos = subpartition.pos;
    const fixedSize = this.fixedSize;
    if (fixedSize >= 0 && subpartition.limit - pos >= LENGTH_BYTES + fixedSize) {
      this.view.setInt32(pos, fixedSize);
      this.serializer.writeTo(record, this.view, this.bytes, pos + LENGTH_BYTES, subpartition.limit);
      subpartition.pos = pos + LENGTH_BYTES + fixedSize;
    } else {
      this.emitSlow(record, subpartition);
    }
    this.numRecordsOut++;
    if (this.flushAlways) subpartition.flush();
  }

  /** Writes `record` to every subpartition (Flink's broadcast). */
  broadcast(record: T): void {
    for (let channel = 0; channel < this.subpartitions.length; channel++) this.emit(record, channel);
  }

  /** Returns the count of records written since the last call and resets it. */
  takeNumRecordsOut(): number {
    const n = this.numRecordsOut;
    this.numRecordsOut = 0;
    return n;
  }

  private emitSlow(record: T, subpartition: ResultSubpartition): void {
    if (subpartition.limit - subpartition.pos < LENGTH_BYTES + 1) {
      this.partition.requestNewBuffer(subpartition);
    }
    // Try in place first: most variable-size records fit the rest of the buffer.
    const pos = subpartition.pos;
    const end = this.serializer.writeTo(record, this.view, this.bytes, pos + LENGTH_BYTES, subpartition.limit);
    if (end >= 0) {
      this.view.setInt32(pos, end - pos - LENGTH_BYTES);
      subpartition.pos = end;
      return;
    }
    // Serialize into scratch, then copy it across as many buffers as it needs.
    const length = this.serializeToScratch(record);
    let offset = 0;
    const total = LENGTH_BYTES + length;
    while (offset < total) {
      if (subpartition.limit === subpartition.pos) this.partition.requestNewBuffer(subpartition);
      const n = Math.min(total - offset, subpartition.limit - subpartition.pos);
      this.bytes.set(this.scratch.subarray(offset, offset + n), subpartition.pos);
      subpartition.pos += n;
      offset += n;
    }
  }

  private serializeToScratch(record: T): number {
    for (;;) {
      const end = this.serializer.writeTo(record, this.scratchView, this.scratch, LENGTH_BYTES, this.scratch.length);
      if (end >= 0) {
        const length = end - LENGTH_BYTES;
        this.scratchView.setInt32(0, length);
        return length;
      }
      if (this.scratch.length >= 1 << 30) {
        throw new RuntimeError('ERR_RT_SERIALIZE', `record on ${this.serializer.description} is larger than 1 GiB`);
      }
      this.scratch = new Uint8Array(this.scratch.length * 4);
      this.scratchView = new DataView(this.scratch.buffer);
    }
  }
}
