// Keeps the ws-raw baseline from rotting: short two-process runs in both directions.

import { describe, expect, it } from 'vitest';
import { BYTES_PER_RECORD, runWsRaw } from '../../bench/remote/ws-raw.js';

describe('runWsRaw', () => {
  it('reports a positive, finite bytes/s and records/s = bytes/s ÷ 24 (server → client, zero mask)', async () => {
    const result = await runWsRaw({ seconds: 0.5 });
    expect(result.case).toBe('ws-raw');
    expect(Number.isFinite(result.bytesPerSec)).toBe(true);
    expect(result.bytesPerSec).toBeGreaterThan(1e6);
    expect(result.recordsPerSec).toBeCloseTo(result.bytesPerSec / BYTES_PER_RECORD);
  });

  it('measures the masked client → server direction too', async () => {
    const result = await runWsRaw({ seconds: 0.3, direction: 'client-to-server', masking: 'random' });
    expect(result.bytesPerSec).toBeGreaterThan(1e6);
  });

  it('rejects a non-positive length', async () => {
    await expect(runWsRaw({ seconds: 0 })).rejects.toThrow(RangeError);
  });
});
