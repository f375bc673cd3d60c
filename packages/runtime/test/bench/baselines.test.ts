// Keeps the bench harness and the Node baselines from rotting: short baseline runs plus harness unit tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNodeStreams, runNodeStreamsPipeline, runPostMessageRecord } from '../../bench/baselines/index.js';
import {
  assertKnownCases,
  formatRate,
  median,
  parseBenchArgs,
  Progress,
  runCase,
} from '../../../../scripts/lib/bench-harness.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function fakeStream(isTTY: boolean): { text: string; isTTY: boolean; write(s: string): boolean } {
  return {
    text: '',
    isTTY,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

describe('baselines', () => {
  it('node-streams reports a positive, finite records/s', async () => {
    const result = await runNodeStreams({ seconds: 0.3 });
    expect(result.case).toBe('node-streams');
    expect(Number.isFinite(result.recordsPerSec)).toBe(true);
    expect(result.recordsPerSec).toBeGreaterThan(0);
  });

  it('node-streams pipeline also runs on the calling thread', async () => {
    const result = await runNodeStreamsPipeline(0.1);
    expect(result.recordsPerSec).toBeGreaterThan(0);
  });

  it('postmessage-record reports a positive, finite records/s', async () => {
    const result = await runPostMessageRecord({ seconds: 0.3 });
    expect(result.case).toBe('postmessage-record');
    expect(Number.isFinite(result.recordsPerSec)).toBe(true);
    expect(result.recordsPerSec).toBeGreaterThan(0);
  });

  it('rejects a non-positive length', async () => {
    await expect(runNodeStreams({ seconds: 0 })).rejects.toThrow(RangeError);
    await expect(runPostMessageRecord({ seconds: -1 })).rejects.toThrow(RangeError);
  });
});

describe('parseBenchArgs', () => {
  it('defaults to 5 seconds, 1 run and every case', () => {
    const args = parseBenchArgs([]);
    expect(args.seconds).toBe(5);
    expect(args.runs).toBe(1);
    expect(args.cases).toEqual([]);
  });

  it('reads --seconds, --runs and repeated --case', () => {
    const args = parseBenchArgs(['--seconds', '0.5', '--runs=3', '--case', 'typed-1x1', '--case', 'typed-2x2']);
    expect(args).toMatchObject({ seconds: 0.5, runs: 3, cases: ['typed-1x1', 'typed-2x2'] });
  });

  it.each([['0'], ['abc'], [''], ['Infinity'], ['-2']])('rejects --seconds=%j with a message naming the flag', (value) => {
    expect(() => parseBenchArgs([`--seconds=${value}`])).toThrow(/--seconds/);
  });

  it('rejects a --seconds whose value is missing, naming the flag', () => {
    expect(() => parseBenchArgs(['--seconds'])).toThrow(/--seconds/);
  });

  it('rejects a fractional --runs', () => {
    expect(() => parseBenchArgs(['--runs', '1.5'])).toThrow(/--runs/);
  });

  it('rejects unknown options and accepts extra ones', () => {
    expect(() => parseBenchArgs(['--frobnicate'])).toThrow(/frobnicate/);
    const args = parseBenchArgs(['--mode', 'legacy'], { mode: { type: 'string' } });
    expect(args.values.mode).toBe('legacy');
  });

  it('names unknown --case filters and the known cases', () => {
    const args = parseBenchArgs(['--case', 'typo']);
    expect(() => assertKnownCases(args, ['typed-1x1'])).toThrow(/--case: unknown case 'typo'; known: typed-1x1/);
  });
});

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('leaves its input in order and rejects an empty list', () => {
    const input = [3, 1, 2];
    median(input);
    expect(input).toEqual([3, 1, 2]);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('formatRate', () => {
  it('uses SI prefixes and three significant digits', () => {
    expect(formatRate(24_123_456)).toBe('24.1 M/s');
    expect(formatRate(1.5e9, 'B')).toBe('1.50 GB/s');
    expect(formatRate(999_700)).toBe('1.00 M/s');
    expect(formatRate(512)).toBe('512 /s');
  });
});

describe('Progress and runCase', () => {
  it('rewrites one line on a TTY and writes plain lines otherwise', () => {
    const tty = fakeStream(true);
    new Progress(tty).update('a');
    expect(tty.text).toBe('\r\x1b[2Ka');
    const pipe = fakeStream(false);
    const p = new Progress(pipe);
    p.update('a');
    p.log('b');
    expect(pipe.text).toBe('a\nb\n');
  });

  it('runs a case the given number of times and returns the per-field median', async () => {
    const rates = [30, 10, 20];
    const out = fakeStream(false);
    const result = await runCase('c', 3, async (i) => ({ case: 'c', recordsPerSec: rates[i], bytesPerSec: rates[i] * 8 }), new Progress(out));
    expect(result.runs.map((r) => r.recordsPerSec)).toEqual([30, 10, 20]);
    expect(result.median).toEqual({ case: 'c', recordsPerSec: 20, bytesPerSec: 160 });
    expect(out.text).toContain('c: records 20.0 /s, bytes 160 B/s (median of 3 runs');
  });
});

describe('scripts/bench.ts', () => {
  it('lists the benches on stderr, prints nothing on stdout and exits 2 without a bench name', () => {
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const run = spawnSync(tsx, ['scripts/bench.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/local .*\n.*remote/);
  });
});
