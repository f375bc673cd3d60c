// A real local cluster: one JobManager and one TaskManager process on loopback, started and stopped by startLocalCluster.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocalCluster } from '../../src/client/local-cluster.js';
import { RestClient } from '../../src/client/rest-client.js';

describe('startLocalCluster', () => {
  it('starts a JobManager and a TaskManager with 2 slots on free ports, then stops them cleanly', async () => {
    const lines: string[] = [];
    const cluster = await startLocalCluster({
      numTaskManagers: 1,
      slots: 2,
      logLevel: 'warn',
      onOutput: (name, line) => lines.push(`[${name}] ${line}`),
    });
    try {
      expect(cluster.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cluster.restUrl).not.toBe('http://127.0.0.1:8081'); // a free port, not Flink's default
      expect(cluster.processes.map((p) => [p.name, p.role])).toEqual([['jobmanager', 'jobmanager'], ['tm-1', 'taskmanager']]);
      const overview = await new RestClient(cluster.restUrl).overview();
      expect(overview).toMatchObject({ 'taskmanagers': 1, 'slots-total': 2, 'slots-available': 2 });
    } finally {
      await cluster.stop();
    }
    // Each process stopped on SIGTERM by itself (exit 0), none needed SIGKILL.
    expect(cluster.processes.map((p) => [p.name, p.child.exitCode, p.child.signalCode])).toEqual([['jobmanager', 0, null], ['tm-1', 0, null]]);
    expect(lines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]); // no error or fatal lines
  });

  it('lets the JobManager bind its own free ports: two clusters started at once both come up, on different ports', async () => {
    const start = () => startLocalCluster({ numTaskManagers: 1, logLevel: 'warn', onOutput: () => {} });
    const clusters = await Promise.all([start(), start()]);
    try {
      const urls = clusters.flatMap((c) => [c.restUrl, c.rpcUrl]);
      expect(new Set(urls.map((url) => new URL(url).port)).size).toBe(4);
      for (const cluster of clusters) expect(await new RestClient(cluster.restUrl).overview()).toMatchObject({ taskmanagers: 1 });
    } finally {
      await Promise.all(clusters.map((c) => c.stop()));
    }
  });

  it('starts each process with the node flags of env.node.opts.<role>, before the entry script', async () => {
    const lines: string[] = [];
    const cluster = await startLocalCluster({
      numTaskManagers: 1,
      logLevel: 'warn',
      overrides: { 'env.node.opts.jobmanager': '--stack-size=900' },
      onOutput: (name, line) => lines.push(`[${name}] ${line}`),
    });
    try {
      const argvOf = (name: string): string[] => {
        const pid = cluster.processes.find((p) => p.name === name)!.child.pid!;
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      };
      const [jobManager, taskManager] = [argvOf('jobmanager'), argvOf('tm-1')];
      // The TaskManager keeps its default (a 64 MiB old generation to start with), the JobManager got the override.
      expect(taskManager.indexOf('--initial-old-space-size=64')).toBeGreaterThan(0);
      expect(taskManager.indexOf('--initial-old-space-size=64')).toBeLessThan(taskManager.indexOf('--import'));
      expect(jobManager).not.toContain('--initial-old-space-size=64');
      expect(jobManager.indexOf('--stack-size=900')).toBeLessThan(jobManager.indexOf('--import'));
      expect(await new RestClient(cluster.restUrl).overview()).toMatchObject({ taskmanagers: 1 });
    } finally {
      await cluster.stop();
    }
    // Started with their flags, neither process warns that it runs without them.
    expect(lines.filter((line) => line.includes('env.node.opts'))).toEqual([]);
  });

  it('rejects a bad override before starting any process', async () => {
    const error = await startLocalCluster({ numTaskManagers: 1, overrides: { 'taskmanager.memory.segment-size': 'lots' }, onOutput: () => {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RT_BAD_CONFIG', message: expect.stringContaining('taskmanager.memory.segment-size') });
  });

  it('names the TaskManager that cannot start, with its last output, and stops the others', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dataPort = (taken.address() as AddressInfo).port;
    try {
      const options = { numTaskManagers: 1, overrides: { 'taskmanager.data.port': dataPort }, startTimeoutMs: 10_000, stopGraceMs: 2_000, onOutput: () => {} };
      const error = await startLocalCluster(options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_RT_CLUSTER_START' });
      // Either it exits ("tm-1 (pid …) exited with code 1; its last output: …") or it hangs after the error and
      // the wait gives up ("…; last output: [tm-1] …"): the message names it and shows why.
      expect((error as Error).message).toMatch(/1 TaskManager\(s\) to register at http:\/\/127\.0\.0\.1:\d+/);
      expect((error as Error).message).toMatch(/tm-1[^\n]*(exited with code 1|\n)/);
      expect((error as Error).message).toContain('EADDRINUSE');
      // ...and the JobManager it started is gone: its address refuses connections.
      const jobManagerUrl = /register at (http:\/\/127\.0\.0\.1:\d+)/.exec((error as Error).message)![1];
      await expect(fetch(jobManagerUrl)).rejects.toThrow();
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
