// A piscina worker for `mapBatchesInPool`: loads the job module (without running the job) and calls its named export.
// tsx is registered first because the job bundle imports @sluice/runtime, which is TypeScript (Node 20 cannot load it alone).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// The job module calls env.execute() at its top level: here that must build nothing and run nothing.
globalThis[Symbol.for('sluice.job-executor')] = async (plan) => ({ jobId: '', jobName: plan.jobName, netRuntimeMs: 0 });
process.argv = [process.execPath, workerData.jobModuleUrl, ...workerData.programArgs];
const job = await import(workerData.jobModuleUrl);

/** One pool task: `{ exportName, batch }` → the export's result for the batch. */
export default async function runBatch({ exportName, batch }) {
  const fn = job[exportName];
  if (typeof fn !== 'function') throw new Error(`the job module exports no function "${exportName}" for mapBatchesInPool`);
  return fn(batch);
}
