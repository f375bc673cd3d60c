// Sleeping on a shared-memory word without blocking the thread's event loop: spin briefly, then Atomics.waitAsync.
import { performance } from 'node:perf_hooks';

// A pending Atomics.waitAsync does not keep a worker's event loop alive (nodejs/node#44729, #61941), so a
// thread whose only pending work is such a wait would exit. While any wait is pending we hold one ref'd
// timer; every wait also carries a timeout, in case a notify is missed.
let numPendingWaits = 0;
let keepAlive: NodeJS.Timeout | undefined;

function retainEventLoop(): void {
  if (numPendingWaits++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
}

function releaseEventLoop(): void {
  if (--numPendingWaits === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/**
 * Resolves once `isReady()` is true. The signal word `words[index]` must be bumped (Atomics.add) and
 * notified by whoever makes the condition true, *after* making it true; this function reads the word
 * before each check, so a bump it did not see ends the sleep at once and no wake-up is lost.
 *
 * @param spinMicros how long to poll before sleeping (default 50 µs): a sleep costs ~6 µs plus an event-loop hop
 * @param timeoutMs longest single sleep before re-checking (default 50 ms)
 * @returns milliseconds spent waiting (0 when the condition already held)
 */
export async function waitForSignal(
  words: Int32Array,
  index: number,
  isReady: () => boolean,
  spinMicros = 50,
  timeoutMs = 50,
): Promise<number> {
  if (isReady()) return 0;
  const start = performance.now();
  const spinUntil = start + spinMicros / 1000;
  let seen = Atomics.load(words, index);
  while (performance.now() < spinUntil) {
    if (Atomics.load(words, index) !== seen) {
      if (isReady()) return performance.now() - start;
      seen = Atomics.load(words, index);
    }
  }
  retainEventLoop();
  try {
    for (;;) {
      seen = Atomics.load(words, index);
      if (isReady()) return performance.now() - start;
      const result = Atomics.waitAsync(words, index, seen, timeoutMs);
      if (result.async) await result.value;
    }
  } finally {
    releaseEventLoop();
  }
}

/**
 * Blocks the calling thread (no event loop turns) until `isReady()` is true: the "hard" wait of a writer
 * that needs a buffer in the middle of a record. Same signal protocol as {@link waitForSignal}.
 * @returns milliseconds spent blocked
 */
export function blockForSignal(words: Int32Array, index: number, isReady: () => boolean, timeoutMs = 50): number {
  if (isReady()) return 0;
  const start = performance.now();
  for (;;) {
    const seen = Atomics.load(words, index);
    if (isReady()) return performance.now() - start;
    Atomics.wait(words, index, seen, timeoutMs);
  }
}

/** Bumps a signal word and wakes every thread sleeping on it. */
export function raiseSignal(words: Int32Array, index: number): void {
  Atomics.add(words, index, 1);
  Atomics.notify(words, index);
}
