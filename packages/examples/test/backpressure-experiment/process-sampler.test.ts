// Tests of the experiment's process sampler against this test process itself (no mock): RSS and CPU from /proc, or ps elsewhere.
import { describe, expect, it } from 'vitest';
import { ProcessSampler } from '../../src/backpressure-experiment/process-sampler.js';

describe('ProcessSampler', () => {
  it("reads a process's resident set size and the experiment's CPU time", async () => {
    const sampler = new ProcessSampler(new Map([['self', process.pid]]), [process.pid]);
    const sample = await sampler.sampleOnce();
    const rssKiB = process.memoryUsage().rss / 1024;
    expect(sample.rssKiB.self).toBeGreaterThan(rssKiB * 0.8);
    expect(sample.rssKiB.self).toBeLessThan(rssKiB * 1.25);
    if (process.platform === 'linux') expect(sample.cpu!.ours).toBeGreaterThan(0);
  });

  it('leaves out a process that is gone instead of failing', async () => {
    const sampler = new ProcessSampler(new Map([['gone', 2 ** 22 + 12_345]]), []);
    expect((await sampler.sampleOnce()).rssKiB).toEqual({});
  });
});
