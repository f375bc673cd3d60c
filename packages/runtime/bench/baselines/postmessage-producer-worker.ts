// Worker entry (producer thread) of the postmessage-record baseline: posts one record per message, windowed by acks.
import { parentPort, workerData } from 'node:worker_threads';
import { makeRecord } from './bench-record.js';
import type { AckMessage, DataMessage, FromWorker, ProducerWorkerData, ToProducer } from './worker-messages.js';

const { port, seconds, windowSize } = workerData as ProducerWorkerData;
if (parentPort === null) throw new Error('postmessage-producer-worker must run in a worker thread');
const parent = parentPort;

let numSent = 0;
let numInFlight = 0;
let deadlineMs = 0;
let isDone = false;

/** Sends records until the window is full; reads the clock once per call, for `ts` and for the deadline. */
function pump(): void {
  if (isDone) return;
  const nowMs = Date.now();
  if (nowMs >= deadlineMs) {
    isDone = true;
    port.postMessage(null satisfies DataMessage);
    parent.postMessage({ type: 'done', numSent } satisfies FromWorker);
    return;
  }
  while (numInFlight < windowSize) {
    port.postMessage(makeRecord(numSent, nowMs) satisfies DataMessage);
    numSent += 1;
    numInFlight += 1;
  }
}

port.on('message', (ack: AckMessage) => {
  numInFlight -= ack;
  pump();
});

parent.on('message', (msg: ToProducer) => {
  if (msg.type === 'start') {
    deadlineMs = Date.now() + seconds * 1000;
    pump();
  }
});

parent.postMessage({ type: 'ready' } satisfies FromWorker);
