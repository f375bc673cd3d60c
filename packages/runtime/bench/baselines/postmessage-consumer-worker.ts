// Worker entry (consumer thread) of the postmessage-record baseline: counts records, acks every `ackEvery`.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { AckMessage, ConsumerWorkerData, DataMessage, FromWorker } from './worker-messages.js';

const { port, ackEvery } = workerData as ConsumerWorkerData;
if (parentPort === null) throw new Error('postmessage-consumer-worker must run in a worker thread');
const parent = parentPort;

let numRecords = 0;
let numSinceAck = 0;
let valueSum = 0;
let firstMs = 0;

port.on('message', (msg: DataMessage) => {
  if (msg === null) {
    const elapsedMs = performance.now() - firstMs;
    parent.postMessage({ type: 'result', numRecords, elapsedMs, valueSum } satisfies FromWorker);
    port.close();
    return;
  }
  if (numRecords === 0) firstMs = performance.now();
  numRecords += 1;
  valueSum += msg.value;
  numSinceAck += 1;
  if (numSinceAck === ackEvery) {
    port.postMessage(numSinceAck satisfies AckMessage);
    numSinceAck = 0;
  }
});

parent.postMessage({ type: 'ready' } satisfies FromWorker);
