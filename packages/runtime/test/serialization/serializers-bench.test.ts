import { describe, expect, it, vi } from 'vitest';
import { main } from '../../bench/serializers.bench.js';

describe('serializers benchmark', () => {
  it('runs every case with 1,000 records and prints one JSON line last', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const results = await main(['--runs=1', '--records=1000']);
      expect(results.map((r) => r.case)).toEqual(['typed-write', 'typed-read', 'msgpackr-write', 'msgpackr-read']);
      const last = String(stdout.mock.calls.at(-1)?.[0]);
      expect(JSON.parse(last)).toEqual({ bench: 'serializers', results });
      expect(results.every((r) => r.recordsPerSec > 0)).toBe(true);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
