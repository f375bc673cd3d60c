// Helpers for tests against a real local cluster (JobManager and TaskManager processes on loopback).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { submitJobFile } from '../../src/client/capture-job.js';
import { RestClient } from '../../src/client/rest-client.js';
import type { JobDetails } from '../../src/rest/rest-types.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

/** Bundles `jobFile`, submits it like `sluice run -p N jobFile ...args`, and returns the job id. */
export async function submitJob(restUrl: string, jobFile: string, programArgs: string[] = [], parallelism = 1): Promise<string> {
  return submitJobFile(new RestClient(restUrl), jobFile, { programArgs, contextConfig: { parallelism } });
}

/** Submits and waits for the job's end. */
export async function runJob(restUrl: string, jobFile: string, programArgs: string[] = [], parallelism = 1): Promise<JobDetails> {
  const jobId = await submitJob(restUrl, jobFile, programArgs, parallelism);
  return new RestClient(restUrl).waitForJobEnd(jobId, { pollMs: 100 });
}
