// The `{key, value, ts}` record the baselines generate, and how they generate it cheaply.

/** One benchmark record: an int key, a float value and an epoch-millisecond timestamp. */
export interface BenchRecord {
  readonly key: number;
  readonly value: number;
  readonly ts: number;
}

/** Keys cycle through `0 … KEY_RANGE - 1`, like a keyed stream with 1024 distinct keys. */
export const KEY_RANGE = 1024;

/**
 * Generators read `Date.now()` once per this many records (a power of two) and stamp the records in between
 * with that cached value. `Date.now()` costs ~33 ns on this machine, about a quarter of a Node-streams
 * pipeline's per-record cost, so calling it per record would measure the clock; 256 records take far less
 * than a millisecond, so the cached timestamp is still exact at ms resolution.
 */
export const CLOCK_REFRESH_EVERY = 256;

/** `(i & CLOCK_REFRESH_MASK) === 0` marks the records at which to read the clock again. */
export const CLOCK_REFRESH_MASK = CLOCK_REFRESH_EVERY - 1;

/**
 * Builds the `i`-th record. The value is never an integer, so V8 stores it as a double, as real data would be.
 *
 * @param i sequence number of the record (≥ 0)
 * @param ts epoch milliseconds to stamp it with
 */
export function makeRecord(i: number, ts: number): BenchRecord {
  return { key: i % KEY_RANGE, value: i * 0.5 + 0.25, ts };
}
