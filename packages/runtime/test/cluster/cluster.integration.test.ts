// A real cluster — a JobManager and two TaskManager processes × 2 slots on loopback — running real jobs.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../src/client/rest-client.js';
import { startLocalCluster, type LocalCluster } from '../../src/client/local-cluster.js';
import { startTestJobManager, waitFor } from '../jobmanager/fake-task-manager.js';
import { REPO_ROOT, runJob, submitJob } from './cluster-utils.js';

const EXAMPLES = join(REPO_ROOT, 'packages/examples/src');
const JOBS = join(REPO_ROOT, 'packages/runtime/test/cluster/jobs');

function readCounts(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  const files = readdirSync(path).map((f) => join(path, f));
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      const [word, count] = line.split('\t');
      expect(counts.has(word)).toBe(false); // one line per distinct word
      counts.set(word, Number(count));
    }
  }
  return counts;
}

describe('a cluster of 2 TaskManager processes × 2 slots', () => {
  let cluster: LocalCluster;
  let rest: RestClient;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));

  beforeAll(async () => {
    cluster = await startLocalCluster({ numTaskManagers: 2, slots: 2, logLevel: 'warn' });
    rest = new RestClient(cluster.restUrl);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('counts the words of a text over 1 MB at parallelism 4 exactly as a plain in-memory count does', async () => {
    const words = ['stream', 'Flink', 'sluice', 'Buffer', 'crédit', 'backlog', 'Ünïcode', '数据', 'x1', 'y2'];
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_200_000; i++) {
      const line = `${words[i % 10]} ${words[(i * 7) % 10]}, ${words[(i * 3) % 10]}-${words[(i * 11 + 1) % 10]}!! ${i % 13 === 0 ? 'RARE' + (i % 7) : ''}`;
      lines.push(line);
      size += line.length + 1;
    }
    const input = join(dir, 'input.txt');
    writeFileSync(input, lines.join('\n') + '\n');
    const expected = new Map<string, number>();
    for (const line of lines) for (const w of line.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) expected.set(w, (expected.get(w) ?? 0) + 1);

    const output = join(dir, 'wc-out');
    const job = await runJob(cluster.restUrl, join(EXAMPLES, 'word-count.ts'), ['--input', input, '--output', output], 4);
    expect(job.state).toBe('FINISHED');
    expect(readCounts(output)).toEqual(expected);
  });

  it('fails a job whose function throws, with the message and stack from the worker, and runs the next job', async () => {
    const failed = await runJob(cluster.restUrl, join(JOBS, 'failing-job.ts'));
    expect(failed.state).toBe('FAILED');
    expect(failed['failure-cause']?.message).toMatch(/boom at record 500/);
    expect(failed['failure-cause']?.stack).toMatch(/failing-job/);
    const output = join(dir, 'after-failure');
    const next = await runJob(cluster.restUrl, join(EXAMPLES, 'word-count.ts'), ['--output', output, '--lines', '100'], 2);
    expect(next.state).toBe('FINISHED');
    expect([...readCounts(output).values()].reduce((a, b) => a + b, 0)).toBe(800);
  });

  it('rejects a job that needs more slots than the cluster has, naming both numbers', async () => {
    await expect(submitJob(cluster.restUrl, join(EXAMPLES, 'word-count.ts'), ['--output', join(dir, 'x')], 8)).rejects.toThrow(/ERR_RT_NOT_ENOUGH_SLOTS.*\b8\b.*\b4\b/);
    const overview = await rest.overview();
    expect(overview['slots-available']).toBe(4);
  });

  it('fails a job whose code builds a different graph on the TaskManager with a clear error', async () => {
    const job = await runJob(cluster.restUrl, join(JOBS, 'divergent-job.ts'));
    expect(job.state).toBe('FAILED');
    expect(job['failure-cause']?.message).toMatch(/ERR_RT_UNKNOWN_OPERATOR/);
  });

  it('reports a job file that does not build, naming the file and line', async () => {
    await expect(submitJob(cluster.restUrl, join(JOBS, 'broken-job.mts'))).rejects.toThrow(/ERR_RT_JOB_BUILD[\s\S]*broken-job\.mts:4/);
  });

  it('cancels a running unbounded job: CANCELED, and its slots are free again', async () => {
    const jobId = await submitJob(cluster.restUrl, join(EXAMPLES, 'backpressure-demo.ts'), ['--slow-us', '10'], 2);
    for (let i = 0; i < 100 && (await rest.job(jobId)).state !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    await rest.cancel(jobId);
    const job = await rest.waitForJobEnd(jobId, { pollMs: 100 });
    expect(job.state).toBe('CANCELED');
    expect((await rest.jobs()).some((j) => j.id === jobId && j.status === 'CANCELED')).toBe(true);
    for (let i = 0; i < 50 && (await rest.overview())['slots-available'] !== 4; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await rest.overview())['slots-available']).toBe(4);
  });

  it('runs every example to completion on small input', async () => {
    const wc = await runJob(cluster.restUrl, join(EXAMPLES, 'word-count.ts'), ['--output', join(dir, 'ex-wc'), '--lines', '500'], 2);
    expect(wc.state).toBe('FINISHED');
    const bp = await runJob(cluster.restUrl, join(EXAMPLES, 'backpressure-demo.ts'), ['--records', '20000', '--slow-us', '5']);
    expect(bp.state).toBe('FINISHED');
    const enriched = join(dir, 'enriched.txt');
    const pool = await runJob(cluster.restUrl, join(EXAMPLES, 'piscina-enrich.ts'), ['--output', enriched, '--records', '3000', '--work', '100']);
    expect(pool.state).toBe('FINISHED');
    const lines = readFileSync(enriched, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[42])).toMatchObject({ id: 42, user: 'user-42' });
  });
});

describe('a TaskManager that hangs mid-job', () => {
  it('is noticed by heartbeat within the configured timeout, and the job fails naming the lost TaskManager', async () => {
    const cluster = await startLocalCluster({
      numTaskManagers: 2, slots: 1, logLevel: 'warn',
      overrides: { 'heartbeat.interval': 200, 'heartbeat.timeout': 2000 },
    });
    const victim = cluster.processes.find((p) => p.role === 'taskmanager')!;
    try {
      const jobId = await submitJob(cluster.restUrl, join(EXAMPLES, 'backpressure-demo.ts'), ['--slow-us', '20'], 2);
      const rest = new RestClient(cluster.restUrl);
      for (let i = 0; i < 100 && (await rest.job(jobId)).state !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      // SIGSTOP, not SIGKILL: the process keeps its sockets open, so only the missing heartbeats can tell.
      const stoppedAt = Date.now();
      victim.child.kill('SIGSTOP');
      while ((await rest.taskManagers()).some((tm) => tm.id === victim.name)) await new Promise((r) => setTimeout(r, 50));
      const noticedMs = Date.now() - stoppedAt; // the JobManager dropped it from its registry: declared lost
      expect(noticedMs).toBeGreaterThanOrEqual(1500); // not before the timeout (heartbeats of the last 200 ms may count)
      expect(noticedMs).toBeLessThan(2000 + 2000);
      const job = await rest.waitForJobEnd(jobId, { pollMs: 100 });
      expect(job.state).toBe('FAILED');
      expect(job['failure-cause']?.message).toMatch(/TaskManager .* lost: no heartbeat for 2000 ms/);
      expect(Date.now() - stoppedAt).toBeLessThan(2000 + 5000); // the other TaskManager's subtasks cancelled too
    } finally {
      victim.child.kill('SIGKILL');
      await cluster.stop().catch(() => {});
    }
  });
});

describe('a TaskManager whose JobManager dies mid-job', () => {
  it('ends the job there, frees its network memory, and registers at the JobManager that comes back', async () => {
    const cluster = await startLocalCluster({ numTaskManagers: 1, slots: 2, logLevel: 'warn', overrides: { 'heartbeat.interval': 200 } });
    const jobManager = cluster.processes.find((p) => p.role === 'jobmanager')!;
    let restarted: Awaited<ReturnType<typeof startTestJobManager>> | undefined;
    try {
      const jobId = await submitJob(cluster.restUrl, join(EXAMPLES, 'backpressure-demo.ts'), ['--slow-us', '20'], 2);
      const rest = new RestClient(cluster.restUrl);
      const usedSegments = async (client: (path: string) => Promise<{ body: any }>) =>
        Number((await client('/taskmanagers/tm-1/metrics?get=Status.Shuffle.Netty.UsedMemorySegments')).body?.[0]?.value ?? NaN);
      const first = async (path: string) => ({ body: await (await fetch(`${cluster.restUrl}${path}`)).json() });
      await waitFor('the job running with buffers in use', async () => (await rest.job(jobId)).state === 'RUNNING' && (await usedSegments(first)) > 0, 20_000);

      const exited = new Promise((resolve) => jobManager.child.once('exit', resolve));
      jobManager.child.kill('SIGKILL');
      await exited; // its ports are free again
      const { port: rpcPort } = new URL(cluster.rpcUrl);
      const { port: restPort } = new URL(cluster.restUrl);
      restarted = await startTestJobManager({ 'jobmanager.rpc.port': Number(rpcPort), 'rest.port': Number(restPort), 'heartbeat.interval': 200 });
      // The TaskManager registers again (every second) with nothing left of the old job.
      await waitFor('tm-1 registered again, all segments free', async () => (await usedSegments(restarted!.rest)) === 0, 20_000);
    } finally {
      await restarted?.jm.close();
      await cluster.stop().catch(() => {});
    }
  }, 60_000);
});

