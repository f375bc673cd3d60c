// The TaskManager main thread's network loop: sleeps on one signal word that every queue and pool it serves bumps.
import { performance } from 'node:perf_hooks';

/** Something the network loop polls when woken: send what credit allows, announce recycled buffers. */
export interface NetworkPoller {
  poll(): void;
}

/**
 * Flink's Netty event loop, for the shared-memory side: subpartitions read by remote consumers and the
 * pools of remote channels' buffers point their signals at this loop's word, so a subtask thread that
 * finishes a buffer or recycles one wakes the main thread without a message. The loop then polls every
 * registered poller. Socket events (messages, writability) arrive through the event loop as usual and
 * call {@link schedule}.
 *
 * Owned by: the TaskManager main thread.
 */
export class NetworkLoop {
  readonly signal: number;
  private readonly pollers = new Set<NetworkPoller>();
  private running = false;
  private scheduled = false;
  private stopped: Promise<void> = Promise.resolve();
  /** Polls run so far, for tests and metrics. */
  numPolls = 0;
  busyMs = 0;

  constructor(private readonly words: Int32Array, signal: number, private readonly timeoutMs = 50) {
    this.signal = signal;
  }

  add(poller: NetworkPoller): void {
    this.pollers.add(poller);
    this.schedule();
  }

  delete(poller: NetworkPoller): void {
    this.pollers.delete(poller);
  }

  /** Asks for a poll on the next turn of the event loop (coalesced). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pollAll();
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    Atomics.add(this.words, this.signal, 1);
    Atomics.notify(this.words, this.signal);
    await this.stopped;
  }

  private async run(): Promise<void> {
    // The interval keeps the process alive while the loop sleeps in Atomics.waitAsync (which does not).
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      while (this.running) {
        const seen = Atomics.load(this.words, this.signal);
        this.pollAll();
        const result = Atomics.waitAsync(this.words, this.signal, seen, this.timeoutMs);
        if (result.async) await result.value;
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  private pollAll(): void {
    const start = performance.now();
    this.numPolls++;
    for (const poller of this.pollers) poller.poll();
    this.busyMs += performance.now() - start;
  }
}
