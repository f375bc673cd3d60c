// Sinks: print, file (one file, or a directory of part files), discard, and a user SinkFunction.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SinkFunction } from '../api/functions.js';
import { closeFunction, openFunction, type OperatorContext, type StreamOperator } from './stream-operator.js';

/** How a record is written as a line: strings as they are, everything else as JSON. */
function formatRecord(record: unknown): string {
  if (typeof record === 'string') return record;
  if (typeof record === 'number' || typeof record === 'boolean' || typeof record === 'bigint') return String(record);
  return JSON.stringify(record);
}

const FLUSH_BYTES = 64 * 1024;

/** Buffers lines and writes them to a file descriptor in large writes. Owned by: one subtask worker thread. */
class LineWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  constructor(private readonly fd: number) {}
  write(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }
  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/**
 * Flink's PrintSinkFunction: `value`, or `<subtask+1>> value` when the sink runs with parallelism > 1,
 * after an optional `prefix:`.
 */
export class PrintSinkOperator implements StreamOperator<unknown> {
  private writer!: LineWriter;
  private linePrefix = '';
  constructor(private readonly prefix: string | undefined, private readonly target: 'stdout' | 'stderr') {}
  open(context: OperatorContext): void {
    this.writer = new LineWriter(this.target === 'stdout' ? 1 : 2);
    const subtask = context.parallelism > 1 ? `${context.subtaskIndex + 1}> ` : '';
    this.linePrefix = this.prefix === undefined ? subtask : `${this.prefix}:${subtask === '' ? ' ' : subtask}`;
  }
  processElement(record: unknown): void {
    this.writer.write(this.linePrefix + formatRecord(record));
  }
  endInput(): void {
    this.writer.flush();
  }
  close(): void {
    this.writer?.flush();
  }
}

/**
 * Writes one line per record to `path`; with parallelism > 1, `path` is a directory and each subtask
 * writes `part-<subtask>` in it (Flink's writeAsText).
 */
export class FileSinkOperator implements StreamOperator<unknown> {
  private fd = -1;
  private writer!: LineWriter;
  constructor(private readonly path: string) {}
  open(context: OperatorContext): void {
    let file = this.path;
    if (context.parallelism > 1) {
      mkdirSync(this.path, { recursive: true });
      file = join(this.path, `part-${context.subtaskIndex}`);
    }
    this.fd = openSync(file, 'w');
    this.writer = new LineWriter(this.fd);
  }
  processElement(record: unknown): void {
    this.writer.write(formatRecord(record));
  }
  endInput(): void {
    this.writer.flush();
  }
  close(): void {
    if (this.fd < 0) return;
    this.writer.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Flink's DiscardingSink: drops every record (the subtask's numRecordsIn counts them). */
export class DiscardSinkOperator implements StreamOperator<unknown> {
  open(): void {}
  processElement(): void {}
  close(): void {}
}

/** A user SinkFunction. */
export class FunctionSinkOperator<T> implements StreamOperator<T> {
  constructor(private readonly fn: SinkFunction<T>) {}
  open(context: OperatorContext) { return openFunction(this.fn, context); }
  processElement(record: T): void {
    this.fn.invoke(record);
  }
  close() { return closeFunction(this.fn); }
}
