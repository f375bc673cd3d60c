import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_JOB_NAME, StreamExecutionEnvironment } from '../../src/api/environment.js';
import {
  getJobExecutor,
  setContextExecutionConfig,
  setJobExecutor,
  type JobExecutor,
  type JobPlan,
} from '../../src/api/job-executor.js';

afterEach(() => {
  setJobExecutor(undefined);
  setContextExecutionConfig(undefined);
});

describe('StreamExecutionEnvironment.execute', () => {
  it('rejects with ERR_RT_NO_EXECUTOR, pointing at `sluice run`, when no executor is installed', async () => {
    const env = new StreamExecutionEnvironment();
    env.fromElements(1, 2).print();
    await expect(env.execute('lonely')).rejects.toThrow(
      expect.objectContaining({ name: 'RuntimeError', code: 'ERR_RT_NO_EXECUTOR', message: expect.stringMatching(/sluice run job\.ts/) }),
    );
  });

  it('hands the graphs, name and config to the installed executor and returns its result', async () => {
    const plans: JobPlan[] = [];
    const executor: JobExecutor = async (plan) => {
      plans.push(plan);
      return { jobId: 'j1', jobName: plan.jobName, netRuntimeMs: 0 };
    };
    expect(setJobExecutor(executor)).toBeUndefined();
    expect(getJobExecutor()).toBe(executor);
    const env = new StreamExecutionEnvironment({ parallelism: 3 });
    const double = (x: number) => x * 2;
    env.fromElements(1, 2).map(double).print();
    await expect(env.execute()).resolves.toEqual({ jobId: 'j1', jobName: DEFAULT_JOB_NAME, netRuntimeMs: 0 });
    const [plan] = plans;
    expect(plan.jobName).toBe(DEFAULT_JOB_NAME);
    expect(plan.config.parallelism).toBe(3);
    expect(plan.jobGraph.vertices.map((v) => v.name)).toEqual(['Source: Collection Source', 'Map -> Sink: Print to Std. Out']);
    // The user's function is the very object on the node: nothing was serialized.
    expect(plan.streamGraph.nodes[1].fn).toBe(double);
  });

  it('lets the executor be swapped and restored', () => {
    const first: JobExecutor = async () => ({ jobId: 'a', jobName: 'a', netRuntimeMs: 0 });
    const second: JobExecutor = async () => ({ jobId: 'b', jobName: 'b', netRuntimeMs: 0 });
    setJobExecutor(first);
    expect(setJobExecutor(second)).toBe(first);
    expect(setJobExecutor(undefined)).toBe(second);
    expect(getJobExecutor()).toBeUndefined();
  });

  it('rejects with the graph error when the program cannot form a job', async () => {
    setJobExecutor(async () => ({ jobId: 'x', jobName: 'x', netRuntimeMs: 0 }));
    await expect(new StreamExecutionEnvironment().execute()).rejects.toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_GRAPH' }));
  });
});

describe('StreamExecutionEnvironment settings', () => {
  it('starts from the defaults and validates every setting', () => {
    const env = new StreamExecutionEnvironment();
    expect(env.getConfig()).toEqual({ runtimeMode: 'STREAMING', parallelism: 1, maxParallelism: -1, isChainingEnabled: true, bufferTimeoutMs: 100 });
    env.setParallelism(4).setMaxParallelism(256).setBufferTimeout(0).disableOperatorChaining().setRuntimeMode('BATCH');
    expect(env.getConfig()).toEqual({ runtimeMode: 'BATCH', parallelism: 4, maxParallelism: 256, isChainingEnabled: false, bufferTimeoutMs: 0 });
    expect(() => env.setRuntimeMode('BOTH' as never)).toThrowError(/ERR_RT_BAD_ARGUMENT/);
    for (const bad of [0, -1, 1.5, 40_000, NaN]) {
      expect(() => env.setParallelism(bad)).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }));
    }
    expect(() => env.setMaxParallelism(0)).toThrow(/max parallelism/);
    expect(env.setBufferTimeout(-1).getBufferTimeout()).toBe(-1);
    expect(() => env.setBufferTimeout(-2)).toThrow(/buffer timeout/);
    expect(() => new StreamExecutionEnvironment({ parallelism: 0 })).toThrow(/parallelism/);
  });

  it("starts from the context config the job runner installed; the program's own settings win", () => {
    expect(setContextExecutionConfig({ parallelism: 4, bufferTimeoutMs: 5 })).toBeUndefined();
    expect(new StreamExecutionEnvironment().getConfig()).toMatchObject({ parallelism: 4, bufferTimeoutMs: 5, maxParallelism: -1 });
    expect(new StreamExecutionEnvironment({ parallelism: 2 }).getConfig()).toMatchObject({ parallelism: 2, bufferTimeoutMs: 5 });
    setContextExecutionConfig({ parallelism: 0 });
    expect(() => StreamExecutionEnvironment.getExecutionEnvironment()).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }));
  });

  it('gives operators without their own parallelism the environment default at graph time', () => {
    const env = new StreamExecutionEnvironment();
    env.fromGenerator((i) => i).discard();
    env.setParallelism(5);
    expect(env.getStreamGraph().nodes.map((n) => n.parallelism)).toEqual([5, 5]);
  });

  it('rejects streams of another environment', () => {
    const a = new StreamExecutionEnvironment();
    const b = new StreamExecutionEnvironment();
    const fromA = a.fromElements(1);
    expect(() => b.fromElements(2).union(fromA)).toThrow(/another environment/);
  });
});
