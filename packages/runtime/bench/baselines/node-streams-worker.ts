// Worker entry (node-streams thread): runs one Node streams pipeline in this fresh isolate and posts its rate.
import { parentPort, workerData } from 'node:worker_threads';
import { runNodeStreamsPipeline } from './node-streams-pipeline.js';
import type { FromNodeStreamsWorker, NodeStreamsWorkerData } from './worker-messages.js';

if (parentPort === null) throw new Error('node-streams-worker must run in a worker thread');
const { seconds } = workerData as NodeStreamsWorkerData;
parentPort.postMessage((await runNodeStreamsPipeline(seconds)) satisfies FromNodeStreamsWorker);
