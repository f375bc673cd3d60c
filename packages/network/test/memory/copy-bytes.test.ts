import { describe, expect, it } from 'vitest';
import { alignmentPadding, copyBytes } from '../../src/memory/copy-bytes.js';

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe('copyBytes', () => {
  it('copies exactly, at every relative alignment, into and out of shared memory', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(4096));
    for (let sourceOffset = 0; sourceOffset < 8; sourceOffset++) {
      for (let targetOffset = 0; targetOffset < 8; targetOffset++) {
        const length = 1000 + sourceOffset;
        const plain = pattern(length + 16, sourceOffset * 8 + targetOffset);
        shared.fill(0);
        copyBytes(plain, sourceOffset, shared, 64 + targetOffset, length);
        expect(shared.subarray(64 + targetOffset, 64 + targetOffset + length)).toEqual(plain.subarray(sourceOffset, sourceOffset + length));
        expect(shared[64 + targetOffset - 1]).toBe(0); // nothing written outside the range
        expect(shared[64 + targetOffset + length]).toBe(0);

        const back = new Uint8Array(length + 16);
        copyBytes(shared, 64 + targetOffset, back, sourceOffset, length);
        expect(back.subarray(sourceOffset, sourceOffset + length)).toEqual(plain.subarray(sourceOffset, sourceOffset + length));
      }
    }
  });

  it('honours the byteOffset of views, not only the offsets passed', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(256), 8, 200);
    const plain = pattern(64, 7).subarray(3);
    copyBytes(plain, 0, shared, 5, plain.length);
    expect(shared.subarray(5, 5 + plain.length)).toEqual(plain);
  });

  it('pads a frame so that its payload starts on a word boundary', () => {
    for (let offset = 0; offset < 24; offset++) expect((alignmentPadding(offset) + offset) % 8).toBe(0);
  });
});
