// The node-streams baseline's pipeline (Readable → Transform(map) → Writable), measured on the calling thread.
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { CLOCK_REFRESH_MASK, makeRecord, type BenchRecord } from './bench-record.js';

/** Result of one node-streams run (`runNodeStreams` or {@link runNodeStreamsPipeline}). */
export interface NodeStreamsResult {
  readonly case: 'node-streams';
  /** Records that reached the Writable, divided by the wall time of the whole pipeline. */
  readonly recordsPerSec: number;
}

/**
 * Runs `Readable → Transform → Writable` in objectMode with `stream/promises` `pipeline`, on this thread, with
 * Node's default highWaterMark (16 objects), for about `seconds`.
 *
 * - The Readable's `read()` pushes `{key, value, ts}` records until `push` returns false. It reads the clock
 *   once per 256 records (see `CLOCK_REFRESH_EVERY`), both for `ts` and for the deadline, then pushes `null`.
 * - The Transform maps each record to a new one with `value * 2`, as a `map` operator would.
 * - The Writable counts the records and sums their values, so no stage's work can be optimised away.
 *
 * The rate is records counted by the Writable over the time from the first `read()` to `pipeline` settling,
 * which includes draining the few records still buffered when the source ends.
 *
 * Only the first pipeline in a V8 isolate runs at full speed: later ones hit maps that the first one's
 * teardown generalized ("wrong map" deopts in `Writable.write`, `onwrite`, `addChunk`) and run ~30 % slower.
 * `runNodeStreams` therefore calls this once per fresh worker; call it directly only to study that effect.
 *
 * @param seconds length of the run in seconds (> 0)
 */
export async function runNodeStreamsPipeline(seconds: number): Promise<NodeStreamsResult> {
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`node-streams: seconds must be > 0, got ${seconds}`);

  let numGenerated = 0;
  let nowMs = 0;
  let deadlineMs = 0; // set just before the pipeline starts
  const source = new Readable({
    objectMode: true,
    read() {
      for (;;) {
        if ((numGenerated & CLOCK_REFRESH_MASK) === 0) {
          nowMs = Date.now();
          if (nowMs >= deadlineMs) {
            this.push(null);
            return;
          }
        }
        if (!this.push(makeRecord(numGenerated++, nowMs))) return;
      }
    },
  });

  const map = new Transform({
    objectMode: true,
    transform(record: BenchRecord, _encoding, callback) {
      callback(null, { key: record.key, value: record.value * 2, ts: record.ts });
    },
  });

  let numReceived = 0;
  let valueSum = 0;
  const sink = new Writable({
    objectMode: true,
    write(record: BenchRecord, _encoding, callback) {
      numReceived += 1;
      valueSum += record.value;
      callback();
    },
  });

  const startMs = performance.now();
  deadlineMs = Date.now() + seconds * 1000;
  await pipeline(source, map, sink);
  const elapsedSec = (performance.now() - startMs) / 1000;

  // Uses the sum, and checks nothing was lost on the way.
  if (numReceived !== numGenerated || !Number.isFinite(valueSum)) {
    throw new Error(`node-streams: generated ${numGenerated} records but the sink saw ${numReceived} (sum ${valueSum})`);
  }
  return { case: 'node-streams', recordsPerSec: numReceived / elapsedSec };
}
