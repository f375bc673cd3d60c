// A futex-style mutex on one Int32 word of shared memory, for the few short critical sections of the pools.
//
// States: 0 unlocked, 1 locked, 2 locked with possible sleepers (Drepper, "Futexes Are Tricky", mutex 2).
// Critical sections are a handful of word updates, so the lock spins briefly and sleeps only when the
// holder was descheduled. Atomics.wait is allowed on every thread of Node, including the main thread.

const SPINS = 64;

/** Takes the mutex at `words[index]`, waiting as long as needed. */
export function lock(words: Int32Array, index: number): void {
  if (Atomics.compareExchange(words, index, 0, 1) === 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(words, index) === 0 && Atomics.compareExchange(words, index, 0, 1) === 0) return;
  }
  while (Atomics.exchange(words, index, 2) !== 0) {
    Atomics.wait(words, index, 2, 1);
  }
}

/** Releases the mutex at `words[index]`, waking one sleeper if there may be one. */
export function unlock(words: Int32Array, index: number): void {
  if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1);
}
