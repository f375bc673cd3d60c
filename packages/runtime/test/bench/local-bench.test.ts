// The local-channel benchmark runs in the suite on a short run, so it cannot rot.
import { describe, expect, it } from 'vitest';
import { main } from '../../bench/local.bench.js';

describe('pnpm bench local', () => {
  it('runs every case and baseline briefly and returns the documented JSON shape', async () => {
    const result = (await main(['--seconds', '0.3'])) as {
      bench: string;
      results: Array<{ case: string; recordsPerSec: number; bytesPerSec: number }>;
      baselines: Array<{ case: string; recordsPerSec: number }>;
    };
    expect(result.bench).toBe('local');
    expect(result.results.map((r) => r.case)).toEqual(['typed-1x1', 'msgpackr-1x1', 'typed-2x2']);
    expect(result.baselines.map((r) => r.case)).toEqual(['node-streams', 'postmessage-record']);
    for (const r of [...result.results, ...result.baselines]) expect(r.recordsPerSec).toBeGreaterThan(0);
    for (const r of result.results) expect(r.bytesPerSec).toBeGreaterThan(r.recordsPerSec);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
