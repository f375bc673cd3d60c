// Offloads CPU-heavy per-batch work to a piscina pool with a bounded number of batches in flight.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';

// Pool worker entry: ./pool-task-bootstrap.mjs
const POOL_WORKER = fileURLToPath(new URL('./pool-task-bootstrap.mjs', import.meta.url));

/** Where the pool's workers find the job module. */
export interface PoolJobModule {
  jobModuleUrl: string;
  programArgs: string[];
  contextConfig: Record<string, unknown>;
}

/**
 * Flink's AsyncWaitOperator (ordered) for CPU-bound work: records are collected into batches, each
 * batch runs `job[exportName](batch)` on a piscina thread, and results are emitted in input order. With
 * `maxInFlight` batches in the pool, {@link isAvailable} is false and the subtask's mailbox stops taking
 * input — a slow pool backpressures upstream. The mailbox asks before each input buffer, so the pool holds
 * at most `maxInFlight` batches plus those one buffer's records complete. Piscina fits here
 * (short, stateless per-batch tasks) where it does not fit subtasks themselves.
 *
 * Owned by: one subtask worker thread (the pool's threads belong to it).
 */
export class PoolMapOperator<I, O> implements StreamOperator<I> {
  private pool!: Piscina;
  private batch: I[] = [];
  private readonly inFlight: Array<Promise<O[]>> = [];
  private failure: unknown = null;
  private draining: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly exportName: string,
    private readonly batchSize: number,
    private readonly maxThreads: number,
    private readonly maxInFlight: number,
    private readonly job: PoolJobModule,
    private readonly output: Output<O>,
  ) {}

  open(_context: OperatorContext): void {
    this.pool = new Piscina({
      filename: POOL_WORKER,
      workerData: this.job,
      minThreads: 1,
      maxThreads: this.maxThreads,
      idleTimeout: 60_000,
      // No maxQueue: the in-flight count below is the bound. It is checked per input buffer, so one buffer of
      // small records may submit a few batches past it; a piscina queue limit would then reject a task and fail the job.
      atomics: 'disabled',
    });
  }

  processElement(record: I): void {
    this.throwIfFailed();
    this.batch.push(record);
    if (this.batch.length >= this.batchSize) this.submit();
  }

  isAvailable(): boolean {
    return this.inFlight.length < this.maxInFlight;
  }

  availability(): Promise<void> {
    if (this.isAvailable()) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  endInput(): void {
    if (this.batch.length > 0) this.submit();
  }

  async finish(): Promise<void> {
    while (this.inFlight.length > 0) await this.draining;
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }

  private submit(): void {
    const batch = this.batch;
    this.batch = [];
    const task = this.pool.run({ exportName: this.exportName, batch }) as Promise<O[]>;
    this.inFlight.push(task);
    // Emit strictly in order: each batch waits for the ones before it.
    this.draining = this.draining.then(async () => {
      try {
        const results = await task;
        if (this.failure === null) for (const result of results) this.output.collect(result);
      } catch (error) {
        this.failure ??= error;
      } finally {
        this.inFlight.shift();
        const wake = this.wakeUp;
        this.wakeUp = null;
        wake?.();
      }
    });
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
