// A producer or consumer subtask thread of the local-channel benchmark and tests: real pools, queues and gates.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { EVENT_CHANNEL_FAILED, eventTypeOf, InputGate, IO_METRIC, NetworkMemory, OutputFlusher, ResultPartition, TaskIoMetrics } from '@sluice/network';
import { createSerializer, RecordDeserializer } from '../../src/serialization/index.js';
import { RecordWriter } from '../../src/task/record-writer.js';
import type { FromLocalChannelWorker, LocalChannelWorkerData, ToLocalChannelWorker } from './local-channel-messages.js';

interface BenchRecord {
  key: number;
  value: number;
  ts: number;
  payload?: string;
}

const data = workerData as LocalChannelWorkerData;
const memory = NetworkMemory.attach(data.network.sab);
const waitOptions = { spinBeforeWaitMicros: data.network.options.spinBeforeWaitMicros, waitTimeoutMs: data.network.options.waitTimeoutMs };
const control = new Int32Array(data.control);
const metrics = new TaskIoMetrics(data.metrics);
const serializer = createSerializer(data.serializer, data.edgeName);
const BATCH = 1024;
const YIELD_EVERY_MS = 5;

function post(message: FromLocalChannelWorker): void {
  parentPort!.postMessage(message);
}

async function runProducer(): Promise<void> {
  const partition = new ResultPartition(memory, data.partition!, waitOptions, metrics);
  const writer = new RecordWriter<BenchRecord>(partition, serializer as never, data.network.options.bufferTimeoutMs === 0);
  const flusher = new OutputFlusher([partition], data.network.options.bufferTimeoutMs);
  const numChannels = partition.numSubpartitions;
  const verify = data.mode === 'verify';
  const limit = verify ? data.numRecords : Number.MAX_SAFE_INTEGER;
  const payload = data.payloadChars > 0 ? 'x'.repeat(data.payloadChars) : undefined;
  await started();
  flusher.start();
  let i = 0;
  let lastYield = performance.now();
  while (i < limit && Atomics.load(control, 0) === 0) {
    if (!partition.isAvailable()) await partition.waitForAvailability();
    const ts = Date.now();
    const end = Math.min(limit, i + BATCH);
    if (verify) {
      for (; i < end && partition.isAvailable(); i++) {
        const record: BenchRecord = payload === undefined ? { key: i, value: data.index, ts } : { key: i, value: data.index, ts, payload };
        writer.emit(record, i % numChannels);
      }
    } else if (payload === undefined) {
      for (; i < end && partition.isAvailable(); i++) {
        const key = i & 1023;
        writer.emit({ key, value: i * 0.5 + 0.25, ts }, key % numChannels);
      }
    } else {
      for (; i < end && partition.isAvailable(); i++) {
        const key = i & 1023;
        writer.emit({ key, value: i * 0.5 + 0.25, ts, payload }, key % numChannels);
      }
    }
    metrics.values[IO_METRIC.numRecordsOut] += writer.takeNumRecordsOut();
    const now = performance.now();
    flusher.maybeFlush(now);
    if (now - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  flusher.stop();
  partition.finish();
  post({ type: 'produced', index: data.index, numRecords: i });
}

async function runConsumer(): Promise<void> {
  const gate = new InputGate(memory, data.gate!, waitOptions, metrics);
  const deserializers = gate.channels.map(() => new RecordDeserializer<BenchRecord>(serializer as never));
  const verify = data.mode === 'verify';
  const errors: string[] = [];
  const perProducer = new Array<number>(data.numProducers).fill(0);
  const lastKey = new Array<number>(data.numProducers).fill(-1);
  const stride = data.numConsumers; // producers send record i to consumer i % numConsumers
  let count = 0;
  let checksum = 0;
  const emit = verify
    ? (record: BenchRecord) => {
        count++;
        const producer = record.value;
        perProducer[producer]++;
        const expected = lastKey[producer] < 0 ? data.index : lastKey[producer] + stride;
        if (record.key !== expected && errors.length < 10) errors.push(`consumer ${data.index}: from producer ${producer} expected key ${expected}, got ${record.key}`);
        lastKey[producer] = record.key;
      }
    : (record: BenchRecord) => {
        count++;
        checksum += record.value;
      };
  const throttle = data.consumerRecordsPerSec;
  await started();
  let startMs = -1;
  let lastYield = performance.now();
  let counted = 0;
  const stallIndex = 1 + data.index;
  for (;;) {
    if (stallIndex < control.length && Atomics.load(control, stallIndex) !== 0) {
      // Stalled on purpose (head-of-line benchmark): read nothing, hold every buffer, until released.
      metrics.values[IO_METRIC.numRecordsIn] += count - counted;
      counted = count;
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    const slice = gate.pollNext();
    if (slice === null) {
      if (gate.isFinished) break;
      await gate.waitForData();
      continue;
    }
    if (startMs < 0) startMs = performance.now();
    if (!slice.isEvent) {
      deserializers[slice.channelIndex].feed(memory.view, memory.bytes, slice.offset, slice.length, emit);
    } else if (eventTypeOf(slice.event!) === EVENT_CHANNEL_FAILED) {
      errors.push(`consumer ${data.index}: channel ${slice.channelIndex} failed with ${new TextDecoder().decode(slice.event!.subarray(4))}`);
      gate.release(slice);
      break;
    }
    gate.release(slice);
    if (count - counted >= 4096) {
      metrics.values[IO_METRIC.numRecordsIn] += count - counted; // live, for rate sampling
      counted = count;
    }
    if (throttle > 0) {
      // Sleep until the records consumed so far are due at the throttled rate: a slow consumer.
      const dueMs = startMs + (count / throttle) * 1000;
      const aheadMs = dueMs - performance.now();
      if (aheadMs > 1) await new Promise((resolve) => setTimeout(resolve, aheadMs));
    } else if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  const elapsedMs = performance.now() - (startMs < 0 ? performance.now() : startMs);
  metrics.values[IO_METRIC.numRecordsIn] += count - counted;
  gate.releaseAll();
  for (const deserializer of deserializers) if (deserializer.hasPartialRecord) errors.push(`consumer ${data.index}: a partial record was left at the end`);
  post({ type: 'consumed', index: data.index, numRecords: count, elapsedMs, checksum, errors, perProducer });
}

function started(): Promise<void> {
  return new Promise((resolve) => {
    parentPort!.on('message', (message: ToLocalChannelWorker) => {
      if (message.type === 'start') resolve();
    });
    post({ type: 'ready' });
  });
}

await (data.role === 'producer' ? runProducer() : runConsumer());
parentPort!.removeAllListeners('message');
