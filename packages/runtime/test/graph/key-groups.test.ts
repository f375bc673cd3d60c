import { describe, expect, it } from 'vitest';
import {
  assignKeyToParallelOperator,
  assignToKeyGroup,
  computeDefaultMaxParallelism,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  hashCode,
  murmurHash,
} from '../../src/graph/key-groups.js';

// Expected values were computed with Java: Flink's MathUtils.murmurHash and the JDK's hashCode methods.
describe('murmurHash', () => {
  it('equals Flink MathUtils.murmurHash bit for bit', () => {
    const known: [number, number][] = [
      [0, 593689054],
      [1, 68075478],
      [2, 1085422463],
      [42, 1134849565],
      [-1, 1982413648],
      [1_000_000, 2127295249],
      [2147483647, 1653689534],
      [-2147483648, 1718298732],
    ];
    for (const [code, hash] of known) expect(murmurHash(code), `murmurHash(${code})`).toBe(hash);
  });

  it('is never negative', () => {
    for (let i = -100_000; i < 100_000; i += 97) expect(murmurHash(i * 10_007)).toBeGreaterThanOrEqual(0);
  });
});

describe('hashCode', () => {
  it("equals Java's hashCode for ints, strings, booleans, longs and doubles", () => {
    const known: [unknown, number][] = [
      [0, 0],
      [-0, 0],
      [42, 42],
      [-1, -1],
      ['', 0],
      ['a', 97],
      ['hello', 99162322],
      ['flink', 97520992],
      ['Sluice', -1815417873],
      ['naïve', 104710475],
      ['😀', 1772899],
      [true, 1231],
      [false, 1237],
      [4294967296, 1],
      [-4294967297, 1],
      [9007199254740991, -2097152],
      [-9007199254740991, -2097151],
      [1_700_000_000_000, -807048821],
      [1.5, 1073217536],
      [-0.25, -1076887552],
      [Math.PI, 340593891],
      [Infinity, 2146435072],
      [NaN, 2146959360],
      [1e300, -164130400],
      [4294967296n, 1],
      [new Date(1_700_000_000_000), -807048821],
    ];
    for (const [key, hash] of known) expect(hashCode(key), `hashCode(${String(key)})`).toBe(hash);
  });

  it("hashes arrays like Java's List, objects and Maps like Java's Map, Sets like Java's Set", () => {
    expect(hashCode(['a', 1])).toBe(3969);
    expect(hashCode([1, 2, 3])).toBe(30817);
    expect(hashCode({ a: 1, b: 'x' })).toBe(122);
    expect(hashCode({ b: 'x', a: 1 })).toBe(122);
    expect(hashCode(new Map<string, unknown>([['b', 'x'], ['a', 1]]))).toBe(122);
    expect(hashCode(new Set([3, 1, 2]))).toBe(6);
  });

  it('rejects null, undefined, symbols, functions and cycles with ERR_RT_BAD_KEY', () => {
    for (const key of [null, undefined, Symbol('k'), () => 1]) {
      expect(() => hashCode(key)).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_KEY' }));
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => hashCode(cyclic)).toThrow(/deeper than 32 levels/);
    expect(hashCode([null, undefined])).toBe(961);
  });
});

describe('assignToKeyGroup', () => {
  it("matches Flink's key groups for max parallelism 128", () => {
    const known: [unknown, number][] = [
      [0, 94],
      [1, 86],
      [2, 127],
      [42, 29],
      [-1, 80],
      [1_000_000, 17],
      ['', 94],
      ['a', 81],
      ['hello', 35],
      ['flink', 98],
      ['Sluice', 34],
    ];
    for (const [key, keyGroup] of known) expect(assignToKeyGroup(key, 128), `key ${String(key)}`).toBe(keyGroup);
  });

  it('puts every key in [0, maxParallelism) and equal values in equal groups', () => {
    for (const maxParallelism of [1, 7, 128, 4096, 32768]) {
      for (let i = 0; i < 400; i++) {
        for (const key of [i, -i * 7919, `k${i}`, i + 0.5, [i, `x${i}`]]) {
          const keyGroup = assignToKeyGroup(key, maxParallelism);
          expect(keyGroup).toBeGreaterThanOrEqual(0);
          expect(keyGroup).toBeLessThan(maxParallelism);
        }
      }
    }
    expect(assignToKeyGroup({ user: 'ann', day: 3 }, 128)).toBe(assignToKeyGroup({ day: 3, user: 'ann' }, 128));
  });
});

describe('computeKeyGroupRangeForOperatorIndex', () => {
  it('splits 128 key groups over 3 subtasks as Flink does', () => {
    expect([0, 1, 2].map((i) => computeKeyGroupRangeForOperatorIndex(128, 3, i))).toEqual([
      { startKeyGroup: 0, endKeyGroup: 42 },
      { startKeyGroup: 43, endKeyGroup: 85 },
      { startKeyGroup: 86, endKeyGroup: 127 },
    ]);
  });

  it('covers every key group exactly once, and the operator index of a key group lies in its range', () => {
    for (const maxParallelism of [1, 5, 128, 1000]) {
      for (const parallelism of [1, 2, 3, 7, maxParallelism]) {
        if (parallelism > maxParallelism) continue;
        let next = 0;
        for (let i = 0; i < parallelism; i++) {
          const range = computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, i);
          expect(range.startKeyGroup).toBe(next);
          for (let keyGroup = range.startKeyGroup; keyGroup <= range.endKeyGroup; keyGroup++) {
            expect(computeOperatorIndexForKeyGroup(maxParallelism, parallelism, keyGroup)).toBe(i);
          }
          next = range.endKeyGroup + 1;
        }
        expect(next).toBe(maxParallelism);
      }
    }
  });

  it('assigns every key to a subtask in [0, parallelism)', () => {
    for (const parallelism of [1, 2, 3, 5, 128]) {
      const seen = new Set<number>();
      for (let key = 0; key < 1000; key++) {
        const index = assignKeyToParallelOperator(key, 128, parallelism);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(parallelism);
        seen.add(index);
      }
      expect(seen.size).toBe(parallelism);
    }
    expect([0, 1, 2, 42, -1, 1_000_000].map((key) => assignKeyToParallelOperator(key, 128, 4))).toEqual([2, 2, 3, 0, 2, 0]);
  });

  it('rejects an index or parallelism outside the bounds', () => {
    expect(() => computeKeyGroupRangeForOperatorIndex(128, 3, 3)).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }));
    expect(() => computeKeyGroupRangeForOperatorIndex(128, 129, 0)).toThrow(/parallelism 129/);
    expect(() => computeKeyGroupRangeForOperatorIndex(40_000, 1, 0)).toThrow(/max parallelism 40000/);
  });
});

describe('computeDefaultMaxParallelism', () => {
  it("derives Flink's default: 128 up to parallelism 85, then the next power of two of 1.5 p, at most 32768", () => {
    expect([1, 2, 85, 86, 100, 1000, 30_000].map(computeDefaultMaxParallelism)).toEqual([128, 128, 128, 256, 256, 2048, 32768]);
  });
});
