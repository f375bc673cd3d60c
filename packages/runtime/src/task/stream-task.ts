// The subtask's mailbox loop: read input buffers (or run the source), push records through the chain, write outputs.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  EVENT_CHANNEL_FAILED, eventTypeOf, InputGate, IO_METRIC, NETWORK_ERROR_CODES, NetworkError, OutputFlusher, type NetworkErrorCode,
  type BufferSlice, type NetworkMemory, type ResultPartition, type TaskIoMetrics,
} from '@sluice/network';
import type { OperatorContext, StreamOperator } from '../operators/stream-operator.js';
import type { RecordDeserializer } from '../serialization/record-deserializer.js';
import type { OperatorChain } from './operator-chain.js';
import type { RecordWriter } from './record-writer.js';

/** Records a source emits between two looks at the mailbox (cancel, flush timer, event loop). */
const SOURCE_BATCH = 1024;
/** How often a busy subtask lets its event loop run (control messages, timers). */
const YIELD_EVERY_MS = 5;

/** One input gate with a deserializer per channel. */
export interface TaskInput {
  gate: InputGate;
  deserializers: RecordDeserializer<unknown>[];
}

/**
 * Flink's StreamTask with its MailboxProcessor, for one subtask: until the input ends (or the source is
 * exhausted) it takes the next input buffer, deserializes its records in place into the head of the
 * operator chain, and releases the buffer; before each buffer (or source batch) it checks that every
 * output is available and otherwise waits (soft backpressure). Waiting for input is idle time. Between
 * batches it flushes on the buffer timeout and lets the event loop run, so cancel and throttle messages
 * get through. At the end: endInput, end-of-partition downstream, close.
 *
 * Owned by: the subtask worker thread.
 */
export class StreamTask {
  private isCancelled = false;
  private readonly flusher: OutputFlusher;
  /** Operators with a bounded queue of their own (async ones): input waits while one is full. */
  private readonly gatedOperators: StreamOperator<unknown>[];

  constructor(
    private readonly memory: NetworkMemory,
    private readonly chain: OperatorChain,
    private readonly inputs: TaskInput[],
    private readonly partitions: ResultPartition[],
    private readonly writers: RecordWriter<unknown>[],
    private readonly context: OperatorContext,
    private readonly metrics: TaskIoMetrics,
    bufferTimeoutMs: number,
  ) {
    this.flusher = new OutputFlusher(partitions, bufferTimeoutMs);
    this.gatedOperators = chain.operators.filter((op): op is StreamOperator<unknown> => 'isAvailable' in op && typeof op.isAvailable === 'function');
  }

  /** Asks the loop to stop at its next look at the mailbox (cooperative cancel). */
  cancel(): void {
    this.isCancelled = true;
  }

  /** Runs the subtask to its end. Resolves false when cancelled. */
  async run(): Promise<boolean> {
    for (const operator of this.chain.operators) await operator.open(this.context);
    this.flusher.start();
    try {
      const completed = this.chain.source !== null ? await this.runSource() : await this.runInputs();
      if (!completed) return false;
      for (const operator of this.chain.operators) {
        if ('endInput' in operator) operator.endInput?.();
        if ('finish' in operator && operator.finish !== undefined) await operator.finish();
      }
      this.collectRecordsOut();
      for (const partition of this.partitions) partition.finish();
      return true;
    } finally {
      this.flusher.stop();
      for (const operator of this.chain.operators) await operator.close();
      for (const input of this.inputs) input.gate.releaseAll();
    }
  }

  private isOutputAvailable(): boolean {
    const partitions = this.partitions;
    for (let i = 0; i < partitions.length; i++) if (!partitions[i].isAvailable()) return false;
    const gated = this.gatedOperators;
    for (let i = 0; i < gated.length; i++) if (!gated[i].isAvailable!()) return false;
    return true;
  }

  private async awaitOutput(): Promise<void> {
    for (const operator of this.gatedOperators) if (!operator.isAvailable!()) await operator.availability!();
    for (const partition of this.partitions) if (!partition.isAvailable()) await partition.waitForAvailability();
  }

  private async runSource(): Promise<boolean> {
    const source = this.chain.source!;
    const isAvailable = () => this.isOutputAvailable();
    let lastYield = performance.now();
    for (;;) {
      if (this.isCancelled) return false;
      if (!isAvailable()) await this.awaitOutput();
      const status = source.emitBatch(SOURCE_BATCH, isAvailable);
      this.collectRecordsOut();
      const now = performance.now();
      this.flusher.maybeFlush(now);
      if (status.kind === 'end') return true;
      if (status.kind === 'wait') {
        // Throttled: the time until the next record is due is neither busy nor backpressured.
        this.flusher.flushNow(now);
        this.metrics.startTimer('idleTimeMs');
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, status.delayMs)));
        this.metrics.stopTimer('idleTimeMs');
        lastYield = performance.now();
      } else if (now - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  }

  private async runInputs(): Promise<boolean> {
    const head = this.chain.head!;
    const emit = (record: unknown) => {
      numRecordsIn++;
      head.processElement(record);
    };
    const { view, bytes } = this.memory;
    let numRecordsIn = 0;
    let lastYield = performance.now();
    let next = 0;
    const inputs = this.inputs;
    for (;;) {
      if (this.isCancelled) return false;
      let slice: BufferSlice | null = null;
      let input: TaskInput | null = null;
      for (let tried = 0; tried < inputs.length && slice === null; tried++) {
        input = inputs[next];
        next = next + 1 === inputs.length ? 0 : next + 1;
        if (!input.gate.isFinished) slice = input.gate.pollNext();
      }
      if (slice === null || input === null) {
        if (inputs.every((i) => i.gate.isFinished)) break;
        this.flushRecordCounts(numRecordsIn);
        numRecordsIn = 0;
        await this.waitForAnyInput();
        lastYield = performance.now();
        continue;
      }
      if (slice.isEvent) {
        const event = slice.event!;
        input.gate.release(slice);
        if (eventTypeOf(event) === EVENT_CHANNEL_FAILED) {
          const code = new TextDecoder().decode(event.subarray(4));
          // The channel's own code (ERR_NET_SEQUENCE_GAP, ERR_NET_REMOTE, …) when it is one; a lost peer otherwise.
          const failure = Object.hasOwn(NETWORK_ERROR_CODES, code) ? (code as NetworkErrorCode) : 'ERR_NET_PEER_LOST';
          throw new NetworkError(failure, `input channel ${slice.channelIndex} of gate ${inputs.indexOf(input)} failed with ${code}`);
        }
        continue; // barriers and other events come later
      }
      if (!this.isOutputAvailable()) await this.awaitOutput();
      input.deserializers[slice.channelIndex].feed(view, bytes, slice.offset, slice.length, emit);
      input.gate.release(slice);
      const now = performance.now();
      if (now - lastYield > YIELD_EVERY_MS) {
        this.flushRecordCounts(numRecordsIn);
        numRecordsIn = 0;
        this.flusher.maybeFlush(now);
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    this.flushRecordCounts(numRecordsIn);
    return true;
  }

  private async waitForAnyInput(): Promise<void> {
    // Flush what waits downstream before going idle, so records do not sit out a whole buffer timeout.
    this.flusher.maybeFlush(performance.now());
    // One wait for all gates: they share the subtask's signal word (TaskManager builds them so).
    await InputGate.waitForAny(this.inputs.filter((input) => !input.gate.isFinished).map((input) => input.gate));
  }

  private flushRecordCounts(numRecordsIn: number): void {
    this.metrics.values[IO_METRIC.numRecordsIn] += numRecordsIn;
    this.collectRecordsOut();
  }

  private collectRecordsOut(): void {
    let out = 0;
    for (const writer of this.writers) out += writer.takeNumRecordsOut();
    this.metrics.values[IO_METRIC.numRecordsOut] += out;
  }
}
