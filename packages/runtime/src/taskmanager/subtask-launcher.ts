// Starts one subtask thread, follows its lifecycle, and cancels or kills it.
import type { Worker } from 'node:worker_threads';
import { createTsWorker, serializeError, type SerializedError } from '@sluice/network';
import { RuntimeError } from '../errors.js';
import type { ExecutionState } from '../rpc/messages.js';
import type { FromSubtask, SubtaskWorkerData, ToSubtask } from '../task/subtask-messages.js';

// Worker entry: ../task/subtask-main.ts
const SUBTASK_ENTRY = new URL('../task/subtask-main.ts', import.meta.url);
/** How long a cancelled subtask may take to stop by itself before its thread is terminated. */
const CANCEL_GRACE_MS = 3_000;

/**
 * One running subtask: its worker thread, owned directly (not through a pool) so that it has an explicit
 * slot, a cooperative cancel that lets it flush, and a clear report when it dies.
 *
 * Owned by: the TaskManager main thread.
 */
export class SubtaskLauncher {
  private readonly worker: Worker;
  private finalState: ExecutionState | null = null;
  private cancelTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly executionId: string,
    data: SubtaskWorkerData,
    private readonly onState: (state: ExecutionState, error?: SerializedError) => void,
  ) {
    this.worker = createTsWorker(SUBTASK_ENTRY, { workerData: data, name: data.tdd.taskName });
    this.worker.on('message', (message: FromSubtask) => this.onMessage(message));
    this.worker.on('error', (error) => this.end('FAILED', serializeError(error)));
    this.worker.on('exit', (code) => {
      if (this.finalState === null) {
        this.end('FAILED', serializeError(new RuntimeError('ERR_RT_WORKER_DIED', `the thread of subtask ${data.tdd.taskName} exited with code ${code} before it finished`)));
      }
    });
  }

  /** True once the subtask reached FINISHED, FAILED or CANCELED. */
  get isDone(): boolean {
    return this.finalState !== null;
  }

  send(message: ToSubtask): void {
    if (this.finalState === null) this.worker.postMessage(message);
  }

  /** Asks the subtask to stop; terminates its thread if it has not stopped after a grace period. */
  cancel(): void {
    if (this.finalState !== null || this.cancelTimer !== undefined) return;
    this.send({ type: 'cancel' });
    this.cancelTimer = setTimeout(() => this.end('CANCELED'), CANCEL_GRACE_MS);
    this.cancelTimer.unref();
  }

  /** Terminates the thread at once (TaskManager shutdown). */
  async kill(): Promise<void> {
    if (this.finalState === null) this.finalState = 'CANCELED';
    await this.worker.terminate();
  }

  private onMessage(message: FromSubtask): void {
    switch (message.type) {
      case 'state':
        if (this.finalState === null) this.onState(message.state);
        break;
      case 'finished':
        this.end('FINISHED');
        break;
      case 'canceled':
        this.end('CANCELED');
        break;
      case 'failed':
        this.end('FAILED', message.error);
        break;
    }
  }

  private end(state: ExecutionState, error?: SerializedError): void {
    if (this.finalState !== null) return;
    this.finalState = state;
    if (this.cancelTimer !== undefined) clearTimeout(this.cancelTimer);
    this.onState(state, error);
    // The thread has nothing left to do; free it (module hooks keep an idle worker alive otherwise).
    void this.worker.terminate();
  }
}
