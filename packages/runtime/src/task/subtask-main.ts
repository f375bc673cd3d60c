// Worker entry of a subtask thread (started by the TaskManager through the tsx bootstrap).
import { parentPort, workerData } from 'node:worker_threads';
import { runSubtask } from './run-subtask.js';
import type { SubtaskWorkerData, ToSubtask } from './subtask-messages.js';

const port = parentPort!;
await runSubtask(workerData as SubtaskWorkerData, {
  post: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', (message: ToSubtask) => listener(message)),
});
port.removeAllListeners('message');
