// Tests of building a job's graph in the client: the bundle rebuilds the same ids, program args arrive, missing execute() is named.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { getContextExecutionConfig, getJobExecutor, setContextExecutionConfig } from '../../src/api/job-executor.js';
import { bundleAndCaptureJob, captureJob, contextConfigFrom } from '../../src/client/capture-job.js';
import { jobGraphToJson } from '../../src/graph/format-plan.js';
import { loadConfig } from '../../src/options.js';
import { buildPipeline } from './fixtures/pipeline.js';

const FIXTURES = resolve(fileURLToPath(import.meta.url), '../fixtures');
const JOB = resolve(FIXTURES, 'fixture-job.ts');

afterEach(() => {
  delete (globalThis as { fixtureJobArgv?: string[] }).fixtureJobArgv;
});

/** The plan built here, with this process's own copy of the API: what the bundle must reproduce. */
function buildDirectly(args: string[], parallelism = 1): ReturnType<typeof jobGraphToJson> {
  setContextExecutionConfig({ parallelism });
  try {
    const env = new StreamExecutionEnvironment();
    const name = buildPipeline(env, args);
    return jobGraphToJson(env.getJobGraph(name));
  } finally {
    setContextExecutionConfig(undefined);
  }
}

describe('bundleAndCaptureJob', () => {
  it('returns the code and a JobGraph with the same ids as building the program directly', async () => {
    const args = ['--source-parallelism', '2', '--name', 'ids'];
    const { code, plan } = await bundleAndCaptureJob(JOB, { programArgs: args, contextConfig: { parallelism: 3 } });
    expect(code.length).toBeGreaterThan(0);
    expect(plan.jobName).toBe('ids');
    const captured = jobGraphToJson(plan.jobGraph);
    const direct = buildDirectly(args, 3);
    expect(captured.vertices.map((v) => [v.id, v.name, v.parallelism])).toEqual(direct.vertices.map((v) => [v.id, v.name, v.parallelism]));
    expect(captured.edges.map((e) => e.id)).toEqual(direct.edges.map((e) => e.id));
    expect(captured).toEqual(direct);
    expect(captured.vertices.map((v) => v.parallelism)).toEqual([2, 3, 3]);
  });

  it('hands the program arguments to the job through process.argv, and puts process.argv back', async () => {
    const before = [...process.argv];
    await bundleAndCaptureJob(JOB, { programArgs: ['--input', 'in.txt', '--name', 'argv'] });
    expect((globalThis as { fixtureJobArgv?: string[] }).fixtureJobArgv).toEqual([process.execPath, JOB, '--input', 'in.txt', '--name', 'argv']);
    expect(process.argv).toEqual(before);
  });

  it('leaves no executor or context config installed afterwards', async () => {
    await bundleAndCaptureJob(JOB, { contextConfig: { parallelism: 2 } });
    expect(getJobExecutor()).toBeUndefined();
    expect(getContextExecutionConfig()).toBeUndefined();
  });

  it('rejects a job that never calls env.execute() with ERR_RT_NO_EXECUTE', async () => {
    const file = resolve(FIXTURES, 'no-execute-job.ts');
    await expect(bundleAndCaptureJob(file)).rejects.toMatchObject({
      code: 'ERR_RT_NO_EXECUTE',
      message: expect.stringContaining(`${file} did not call env.execute()`),
    });
  });

  it('rejects a job that throws while building its graph with ERR_RT_JOB_BUILD and the cause', async () => {
    const error = await bundleAndCaptureJob(resolve(FIXTURES, 'throwing-job.ts')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RT_JOB_BUILD', message: expect.stringContaining('throwing-job.ts') });
    expect((error as Error).cause).toMatchObject({ code: 'ERR_RT_BAD_ARGUMENT' });
  });
});

describe('captureJob', () => {
  it('runs the module afresh on every call', async () => {
    const first = await captureJob(JOB, { programArgs: ['--name', 'one'] });
    const second = await captureJob(JOB, { programArgs: ['--name', 'two'] });
    expect([first.jobName, second.jobName]).toEqual(['one', 'two']);
  });

  it('runs concurrent captures one after another, each with its own arguments', async () => {
    const names = await Promise.all(['a', 'b', 'c'].map((name) => captureJob(JOB, { programArgs: ['--name', name] }).then((plan) => plan.jobName)));
    expect(names).toEqual(['a', 'b', 'c']);
  });
});

describe('contextConfigFrom', () => {
  it('always carries the parallelism, and the other settings only when changed from their defaults', () => {
    expect(contextConfigFrom(loadConfig({ env: {} }))).toEqual({ parallelism: 1 });
    const config = loadConfig({ env: {}, overrides: { 'parallelism.default': 4, 'pipeline.max-parallelism': 256, 'execution.buffer-timeout': '5 ms' } });
    expect(contextConfigFrom(config)).toEqual({ parallelism: 4, maxParallelism: 256, bufferTimeoutMs: 5 });
  });
});
