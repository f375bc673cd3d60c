// Worker entry that lets a worker_thread run a TypeScript module on Node 20.
// `execArgv: ['--import', 'tsx']` does not reach workers on Node 20 (nodejs/node#47747), so the worker
// starts here, registers tsx's ESM hooks, and imports the real entry named in workerData.__entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
