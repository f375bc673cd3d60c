// Micro-benchmark of the record serializers: typed and msgpackr, write and read, length-prefixed in a 32 KiB SharedArrayBuffer region.
//
// Run: pnpm bench serializers [--runs N] [--seconds S] [--records N]
// Prints progress to stderr; `pnpm bench` prints the result as the last stdout line, one JSON object:
//   {"bench":"serializers","results":[{"case":"typed-write","recordsPerSec":…,"bytesPerRecord":…},…]}
// (records/s: median of the runs; bytes per record include the 4-byte length prefix).

import { parseBenchArgs, progress } from '../../../scripts/lib/bench-harness.js';
import { createMsgpackrSerializer } from '../src/serialization/msgpackr-serializer.js';
import { RecordDeserializer } from '../src/serialization/record-deserializer.js';
import type { TypeSerializer } from '../src/serialization/type-serializer.js';
import { createTypedSerializer } from '../src/serialization/typed-serializer.js';

const REGION_BYTES = 32 * 1024;
// The region sits at an odd place inside a larger SharedArrayBuffer, as a segment of a buffer pool does.
const REGION_OFFSET = 3 * REGION_BYTES + 8;
const NUM_DISTINCT_RECORDS = 1024;

interface BenchRecord {
  key: number;
  value: number;
  ts: number;
}

/** One measured case: records per second, median of the runs. */
export interface BenchResult {
  case: string;
  recordsPerSec: number;
  /** Wire bytes per record, the 4-byte length prefix included. */
  bytesPerRecord: number;
}

interface BenchSettings {
  runs: number;
  seconds: number;
  /** Fixed number of records per run (smoke tests); time-bound runs when undefined. */
  records: number | undefined;
}

function parseArgs(argv: string[]): BenchSettings {
  const args = parseBenchArgs(argv, { records: { type: 'string' } });
  const records = args.values.records === undefined ? undefined : Number(args.values.records);
  if (records !== undefined && (!Number.isInteger(records) || records <= 0)) throw new RangeError(`--records must be a positive integer, got ${String(args.values.records)}`);
  return { runs: argv.some((a) => a.startsWith('--runs')) ? args.runs : 3, seconds: argv.some((a) => a.startsWith('--seconds')) ? args.seconds : 1, records };
}

function makeRecords(): BenchRecord[] {
  const records: BenchRecord[] = [];
  for (let i = 0; i < NUM_DISTINCT_RECORDS; i++) {
    records.push({ key: (i * 7919) % 100_000, value: i * 1.25 + 0.1, ts: 1_700_000_000_000 + i });
  }
  return records;
}

/** Runs `batch` (which processes some records and returns how many) until the run's budget is spent. */
function measure(settings: BenchSettings, batch: () => number): number {
  let numRecords = 0;
  const startNs = process.hrtime.bigint();
  const budgetNs = settings.seconds * 1e9;
  for (;;) {
    numRecords += batch();
    if (settings.records !== undefined ? numRecords >= settings.records : Number(process.hrtime.bigint() - startNs) >= budgetNs) {
      break;
    }
  }
  return numRecords / (Number(process.hrtime.bigint() - startNs) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Writes records back to back, `| length | record |`, wrapping to the region start when it is full. */
function writeCase(serializer: TypeSerializer<BenchRecord>, records: BenchRecord[], view: DataView, bytes: Uint8Array): () => number {
  const regionEnd = REGION_OFFSET + REGION_BYTES;
  let pos = REGION_OFFSET;
  return () => {
    for (let i = 0; i < NUM_DISTINCT_RECORDS; i++) {
      const record = records[i];
      let end = serializer.writeTo(record, view, bytes, pos + 4, regionEnd);
      if (end < 0) {
        pos = REGION_OFFSET;
        end = serializer.writeTo(record, view, bytes, pos + 4, regionEnd);
      }
      view.setInt32(pos, end - pos - 4);
      pos = end;
    }
    return NUM_DISTINCT_RECORDS;
  };
}

/** Fills the region once; returns the bytes used and the number of records. */
function fillRegion(serializer: TypeSerializer<BenchRecord>, records: BenchRecord[], view: DataView, bytes: Uint8Array): [number, number] {
  const regionEnd = REGION_OFFSET + REGION_BYTES;
  let pos = REGION_OFFSET;
  let numRecords = 0;
  for (;;) {
    const end = serializer.writeTo(records[numRecords % NUM_DISTINCT_RECORDS], view, bytes, pos + 4, regionEnd);
    if (end < 0) return [pos - REGION_OFFSET, numRecords];
    view.setInt32(pos, end - pos - 4);
    pos = end;
    numRecords++;
  }
}

/** Feeds the filled region to a RecordDeserializer, as an input channel does with each buffer. */
function readCase(serializer: TypeSerializer<BenchRecord>, records: BenchRecord[], view: DataView, bytes: Uint8Array): () => number {
  const [numBytes, numRecords] = fillRegion(serializer, records, view, bytes);
  const deserializer = new RecordDeserializer(serializer);
  // Emitted records escape into this ring, as they do into an operator: otherwise the JIT may see
  // through `emit` and never allocate them.
  const retained: BenchRecord[] = new Array<BenchRecord>(256).fill(records[0]);
  let numEmitted = 0;
  let checksum = 0;
  let expected = 0;
  for (let i = 0; i < numRecords; i++) expected += records[i % NUM_DISTINCT_RECORDS].key;
  const emit = (record: BenchRecord): void => {
    checksum += record.key;
    retained[numEmitted++ & 255] = record;
  };
  return () => {
    checksum = 0;
    deserializer.feed(view, bytes, REGION_OFFSET, numBytes, emit);
    if (checksum !== expected) throw new Error(`read back checksum ${checksum}, expected ${expected}`);
    return numRecords;
  };
}

/**
 * Measures every case and returns the JSON summary (`pnpm bench` prints it as the last stdout line).
 * @param argv `--runs N` (default 3), `--seconds S` per run (default 1), `--records N` per run instead of a time budget
 */
export async function main(argv: string[]): Promise<{ bench: 'serializers'; results: BenchResult[] }> {
  const settings = parseArgs(argv);
  const memory = new SharedArrayBuffer(REGION_OFFSET + REGION_BYTES + 4096);
  const view = new DataView(memory);
  const bytes = new Uint8Array(memory);
  const records = makeRecords();
  const typed = createTypedSerializer({ key: 'int32', value: 'float64', ts: 'float64' }, 'bench -> typed') as unknown as TypeSerializer<BenchRecord>;
  const msgpackr = createMsgpackrSerializer({ edgeName: 'bench -> msgpackr', sampleRecord: records[0] }) as TypeSerializer<BenchRecord>;
  const cases: [string, TypeSerializer<BenchRecord>, typeof writeCase][] = [
    ['typed-write', typed, writeCase],
    ['typed-read', typed, readCase],
    ['msgpackr-write', msgpackr, writeCase],
    ['msgpackr-read', msgpackr, readCase],
  ];
  const results: BenchResult[] = [];
  for (const [name, serializer, makeCase] of cases) {
    const [numBytes, numRecords] = fillRegion(serializer, records, view, bytes);
    const batch = makeCase(serializer, records, view, bytes);
    measure({ ...settings, runs: 1, seconds: Math.min(settings.seconds, 0.3) }, batch); // warm-up
    const rates: number[] = [];
    for (let run = 0; run < settings.runs; run++) {
      const rate = measure(settings, batch);
      rates.push(rate);
      progress.log(`${name} run ${run + 1}/${settings.runs}: ${(rate / 1e6).toFixed(2)} M records/s`);
    }
    const bytesPerRecord = Math.round((numBytes / numRecords) * 100) / 100;
    results.push({ case: name, recordsPerSec: Math.round(median(rates)), bytesPerRecord });
  }
  return { bench: 'serializers', results };
}
