import { describe, expect, it, vi } from 'vitest';
import { main } from '../../bench/serializers.bench.js';

describe('serializers benchmark', () => {
  it('runs every case with 1,000 records and returns the documented JSON shape', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const result = await main(['--runs', '1', '--records', '1000']);
      expect(result.bench).toBe('serializers');
      expect(result.results.map((r) => r.case)).toEqual(['typed-write', 'typed-read', 'msgpackr-write', 'msgpackr-read']);
      expect(result.results.every((r) => r.recordsPerSec > 0)).toBe(true);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    } finally {
      stderr.mockRestore();
    }
  });
});
