// The opaque 16-byte ids that the protocol carries: creation, hex form, equality and map keys.

import { describe, expect, it } from 'vitest';
import { ID_LENGTH, idFromBytes, idFromHex, idsEqual, idToHex, idToKey, randomId } from '../../src/protocol/index.js';

describe('ids', () => {
  it('makes random 16-byte ids that differ', () => {
    const a = randomId();
    const b = randomId();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(ID_LENGTH);
    expect(idsEqual(a, b)).toBe(false);
  });

  it('round-trips through lowercase hex and accepts either case', () => {
    const id = idFromHex('00112233445566778899AABBCCDDEEFF');
    expect(idToHex(id)).toBe('00112233445566778899aabbccddeeff');
    expect(idsEqual(idFromHex(idToHex(id)), id)).toBe(true);
    expect(Object.getPrototypeOf(id)).toBe(Uint8Array.prototype);
  });

  it.each(['', '0011', 'zz112233445566778899aabbccddeeff', '00112233445566778899aabbccddeeff00'])('refuses hex %j', (hex) => {
    expect(() => idFromHex(hex)).toThrow(TypeError);
  });

  it('copies bytes into a new id and refuses any other length', () => {
    const bytes = new Uint8Array(32).fill(9);
    const id = idFromBytes(bytes.subarray(8, 24));
    bytes.fill(0);
    expect(idToHex(id)).toBe('09'.repeat(16));
    expect(id.byteOffset).toBe(0);
    expect(() => idFromBytes(new Uint8Array(15))).toThrow(RangeError);
  });

  it('gives equal ids equal map keys and different ids different keys', () => {
    const id = randomId();
    const twin = idFromBytes(id);
    const keys = new Map([[idToKey(id), 'a']]);
    expect(keys.get(idToKey(twin))).toBe('a');
    expect(keys.has(idToKey(randomId()))).toBe(false);
  });

  it('reads a hex id from a view with a byte offset', () => {
    const backing = new Uint8Array(20);
    backing.set(idFromHex('ff'.repeat(16)), 4);
    expect(idToHex(idFromBytes(backing.subarray(4, 20)))).toBe('ff'.repeat(16));
  });
});
