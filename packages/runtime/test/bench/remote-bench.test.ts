// The remote and head-of-line benchmarks run in the suite briefly, so they cannot rot; hol also proves its claim.
import { describe, expect, it } from 'vitest';
import { main as hol } from '../../bench/hol.bench.js';
import { main as remote } from '../../bench/remote.bench.js';

describe('pnpm bench remote', () => {
  it('runs every case briefly and returns the documented JSON shape', async () => {
    const result = (await remote(['--seconds', '0.5'])) as {
      bench: string;
      results: Array<{ case: string; mode: string; recordsPerSec: number; bytesPerSec: number }>;
      baselines: Array<{ case: string; bytesPerSec: number }>;
    };
    expect(result.bench).toBe('remote');
    expect(result.results.map((r) => `${r.case}:${r.mode}`)).toEqual(['typed-1x1:credit', 'typed-1x1:legacy', 'msgpackr-1x1:credit', 'msgpackr-1x1:legacy', 'typed-2x2:credit']);
    for (const r of result.results) expect(r.recordsPerSec).toBeGreaterThan(0);
    expect(result.baselines[0].case).toBe('ws-raw');
    expect(result.baselines[0].bytesPerSec).toBeGreaterThan(0);
  });
});

describe('pnpm bench hol', () => {
  it('shows the healthy channel flowing in credit mode and starved in legacy mode', async () => {
    const result = (await hol(['--seconds', '1'])) as { bench: string; results: Array<{ mode: string; healthyRecordsPerSec: number; unstalledRecordsPerSec: number; ratio: number }> };
    expect(result.bench).toBe('hol');
    const [credit, legacy] = result.results;
    expect(credit.mode).toBe('credit');
    expect(credit.unstalledRecordsPerSec).toBeGreaterThan(0);
    expect(credit.ratio).toBeGreaterThan(0.5); // wide margin for a loaded CI machine; the benchmark's own figure is ≥ 0.9
    expect(legacy.mode).toBe('legacy');
    expect(legacy.ratio).toBeLessThan(0.1);
  });
});
