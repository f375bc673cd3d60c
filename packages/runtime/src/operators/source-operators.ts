// Sources driven by the subtask mailbox: a generator with a changeable rate (a collection is one), and a text file.
import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { GeneratorFunction } from '../api/functions.js';
import { RatePacer } from './rate-pacer.js';
import { closeFunction, openFunction, type OperatorContext, type Output, type SourceOperator, type SourceStatus } from './stream-operator.js';

const MORE: SourceStatus = { kind: 'more' };
const END: SourceStatus = { kind: 'end' };

/**
 * Generates `fn(index)` for this subtask's share of the indices (`subtask, subtask + p, subtask + 2p,
 * …`, below `count`), at most `ratePerSecond / parallelism` records per second. A named rate
 * (`rateControl`) follows the job's throttle of that name while the job runs. A collection is the
 * unthrottled case with `fn = (i) => items[i]` (and parallelism 1).
 *
 * Owned by: one subtask worker thread.
 */
export class GeneratorSourceOperator<T> implements SourceOperator<T> {
  private nextIndex = 0;
  private stride = 1;
  private pacer!: RatePacer;

  constructor(
    private readonly fn: GeneratorFunction<T>,
    private readonly count: number,
    private readonly ratePerSecond: number,
    private readonly rateControl: string | undefined,
    readonly output: Output<T>,
  ) {}

  open(context: OperatorContext) {
    this.nextIndex = context.subtaskIndex;
    this.stride = context.parallelism;
    this.pacer = new RatePacer(context, this.rateControl, this.ratePerSecond);
    this.pacer.update(performance.now());
    return openFunction(this.fn, context);
  }

  emitBatch(maxRecords: number, isAvailable: () => boolean): SourceStatus {
    const now = performance.now();
    const pacer = this.pacer;
    pacer.update(now);
    const allowance = pacer.allowance(now);
    // Ahead of the rate: the mailbox waits (idle, its event loop free) until the next record is due.
    if (allowance <= 0) return { kind: 'wait', delayMs: pacer.delayMs(now) };
    const budget = Math.min(maxRecords, allowance);
    const fn = this.fn;
    const output = this.output;
    const stride = this.stride;
    const count = this.count;
    let index = this.nextIndex;
    let emitted = 0;
    while (emitted < budget && index < count && isAvailable()) {
      output.collect(fn(index));
      index += stride;
      emitted++;
    }
    this.nextIndex = index;
    pacer.record(emitted);
    return index >= count ? END : MORE;
  }

  close() { return closeFunction(this.fn); }
}

const READ_BYTES = 256 * 1024;

/** Emits the lines of a UTF-8 text file (without their line breaks), reading it in chunks. */
export class FileSourceOperator implements SourceOperator<string> {
  private fd = -1;
  private readonly chunk = Buffer.allocUnsafe(READ_BYTES);
  private readonly decoder = new TextDecoder('utf-8');
  private pendingLines: string[] = [];
  private nextLine = 0;
  private tail = '';
  private isEof = false;

  constructor(private readonly path: string, readonly output: Output<string>) {}

  open(): void {
    this.fd = openSync(this.path, 'r');
  }

  emitBatch(maxRecords: number, isAvailable: () => boolean): SourceStatus {
    let emitted = 0;
    while (emitted < maxRecords && isAvailable()) {
      if (this.nextLine < this.pendingLines.length) {
        this.output.collect(this.pendingLines[this.nextLine++]);
        emitted++;
        continue;
      }
      if (this.isEof) return END;
      this.readMore();
    }
    return this.isEof && this.nextLine >= this.pendingLines.length ? END : MORE;
  }

  private readMore(): void {
    const n = readSync(this.fd, this.chunk, 0, READ_BYTES, null);
    let text: string;
    if (n === 0) {
      this.isEof = true;
      text = this.tail + this.decoder.decode();
      this.pendingLines = text.length > 0 ? text.split(/\r?\n/) : [];
      if (this.pendingLines.length > 0 && this.pendingLines[this.pendingLines.length - 1] === '') this.pendingLines.pop();
      this.tail = '';
    } else {
      text = this.tail + this.decoder.decode(this.chunk.subarray(0, n), { stream: true });
      const lines = text.split(/\r?\n/);
      this.tail = lines.pop() ?? '';
      this.pendingLines = lines;
    }
    this.nextLine = 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
