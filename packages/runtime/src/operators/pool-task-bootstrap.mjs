// A piscina worker for `mapBatchesInPool`: loads the job module (without running the job) and calls its named export.
// tsx is registered first because the job bundle imports @sluice/runtime, which is TypeScript (Node 20 cannot load it alone).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// The same import as a subtask's: the job's env.execute() builds its plan and runs nothing, with the same
// program arguments and context configuration, so the module's state is what the subtask saw.
const { importJobModule } = await import('../task/import-job-plan.ts');
const { module: job } = await importJobModule(workerData.jobModuleUrl, { programArgs: workerData.programArgs, contextConfig: workerData.contextConfig });

/** One pool task: `{ exportName, batch }` → the export's result for the batch. */
export default async function runBatch({ exportName, batch }) {
  const fn = job[exportName];
  if (typeof fn !== 'function') throw new Error(`the job module exports no function "${exportName}" for mapBatchesInPool`);
  return fn(batch);
}
