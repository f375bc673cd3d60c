// Fuzzes FrameDecoder with 100 000+ random and mutated frames under a seeded PRNG: nothing throws, nothing hangs, memory stays bounded.
//
// Reproduce a failure with FUZZ_SEED=<seed printed in the failure> npx vitest run packages/network/test/protocol/fuzz.test.ts

import { describe, expect, it } from 'vitest';
import type { NetworkError } from '../../src/errors.js';
import {
  FrameDecoder,
  encodeMessage,
  encodeMessages,
  type AbstractId,
  type NetworkMessage,
} from '../../src/protocol/index.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x51c0de);
const NUM_INPUTS = 100_000;
/** A single push taking this long means a hang, not a slow machine. */
const MAX_PUSH_MS = 250;

/** mulberry32: small, fast, good enough to fuzz with, and reproducible from one 32-bit seed. */
function createRandom(seed: number): { next(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return { next, int, bytes };
}

type Random = ReturnType<typeof createRandom>;

function randomU32(random: Random): number {
  switch (random.int(4)) {
    case 0:
      return 0;
    case 1:
      return 0xffffffff;
    default:
      return random.int(0x100000000);
  }
}

function randomText(random: Random): string {
  const alphabet = ['a', 'Z', '_', ' ', 'é', '✓', '🚀', '\u0000'];
  let text = '';
  for (let n = random.int(12); n > 0; n--) text += alphabet[random.int(alphabet.length)];
  return text;
}

function randomMessage(random: Random): NetworkMessage {
  const id = (): AbstractId => random.bytes(16) as AbstractId;
  const positive = (): number => 1 + random.int(0xfffffffe);
  switch (random.int(8)) {
    case 0:
      return {
        type: 'BufferResponse',
        receiverId: id(),
        sequenceNumber: randomU32(random),
        backlog: randomU32(random),
        dataType: random.int(2) === 0 ? 1 : 2,
        payload: random.bytes(random.int(4) === 0 ? 0 : random.int(96)),
      };
    case 1:
      return random.int(2) === 0
        ? { type: 'ErrorResponse', isFatal: true, code: randomText(random), message: randomText(random) }
        : { type: 'ErrorResponse', isFatal: false, receiverId: id(), code: randomText(random), message: randomText(random) };
    case 2:
      return { type: 'PartitionRequest', partitionId: id(), subpartitionIndex: randomU32(random), receiverId: id(), initialCredit: randomU32(random) };
    case 3:
      return { type: 'CancelPartitionRequest', receiverId: id() };
    case 4:
      return { type: 'CloseRequest' };
    case 5:
      return { type: 'AddCredit', credit: positive(), receiverId: id() };
    case 6:
      return { type: 'ResumeConsumption', receiverId: id() };
    default:
      return { type: 'NewBufferSize', bufferSize: positive(), receiverId: id() };
  }
}

/** One mutation of a byte string; all of them keep the result small. */
function mutate(random: Random, input: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(input);
  const at = (): number => random.int(Math.max(bytes.length, 1));
  switch (random.int(9)) {
    case 0: {
      // flip one bit
      if (bytes.length > 0) bytes[at()]! ^= 1 << random.int(8);
      return bytes;
    }
    case 1: {
      // overwrite one byte, biased towards the header and the first body fields
      if (bytes.length > 0) bytes[random.int(2) === 0 ? random.int(Math.min(bytes.length, 16)) : at()] = random.int(256);
      return bytes;
    }
    case 2:
      // truncate
      return bytes.subarray(0, at());
    case 3: {
      // change the first frame's length: small deltas, tiny values, huge values
      if (bytes.length < 4) return bytes;
      const old = new DataView(bytes.buffer).getUint32(0);
      const choices = [old + 1, old - 1, old + random.int(64) - 32, random.int(16), 0xffffffff, random.int(0x100000000)];
      new DataView(bytes.buffer).setUint32(0, choices[random.int(choices.length)]! >>> 0);
      return bytes;
    }
    case 4: {
      // insert random bytes
      const i = at();
      return new Uint8Array([...bytes.subarray(0, i), ...random.bytes(1 + random.int(8)), ...bytes.subarray(i)]);
    }
    case 5: {
      // delete a range
      const i = at();
      return new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i + 1 + random.int(8))]);
    }
    case 6:
      // concatenate with itself
      return new Uint8Array([...bytes, ...bytes]);
    case 7:
      // pure noise, sometimes behind a valid-looking header
      return random.int(2) === 0
        ? random.bytes(random.int(64))
        : new Uint8Array([0, 0, 0, 10 + random.int(60), 0x53, 0x4c, 0x55, 0x43, 1, random.int(12), ...random.bytes(random.int(64))]);
    default: {
      // change an ErrorResponse/BufferResponse length-ish field deeper in the body
      if (bytes.length > 14) bytes[10 + random.int(bytes.length - 10)] = [0, 0xff, 0x7f, 1][random.int(4)]!;
      return bytes;
    }
  }
}

/** Splits `bytes` at random places; sometimes byte by byte. */
function randomChunks(random: Random, bytes: Uint8Array): Uint8Array[] {
  if (random.int(20) === 0) return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
  const cuts = Array.from({ length: random.int(5) }, () => random.int(bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Outcome {
  problem?: string;
  numMessages: number;
  numErrors: number;
  errorCode?: string;
}

/**
 * Feeds one input and checks every property: no throw escapes `push`, at most one onError and nothing after it,
 * buffered bytes ≤ maxFrameBytes after every push, each message re-encodes to exactly the bytes it came from
 * (ErrorResponse strings may be lossy, so only its frame length is checked), and without an error every input
 * byte is either in a delivered frame or pending.
 */
function runInput(input: Uint8Array, chunks: readonly Uint8Array[], maxFrameBytes: number, expected?: readonly NetworkMessage[]): Outcome {
  const decoder = new FrameDecoder({ maxFrameBytes });
  let offset = 0;
  let numMessages = 0;
  let numErrors = 0;
  let errorCode: string | undefined;
  let problem: string | undefined;
  const handler = {
    onMessage(msg: NetworkMessage): void {
      if (numErrors > 0) problem ??= 'a message after onError';
      if (expected !== undefined && msg.type !== 'BufferResponse' && msg.type !== 'ErrorResponse') {
        const want = expected[numMessages];
        if (want === undefined || want.type !== msg.type) problem ??= `message ${numMessages} is ${msg.type}, expected ${want?.type}`;
      }
      numMessages++;
      if (msg.type === 'ErrorResponse') {
        if (input[offset + 9] !== 1) problem ??= `ErrorResponse decoded from id ${input[offset + 9]}`;
        offset += readU32(input, offset);
        return;
      }
      const frame = encodeMessage(msg);
      if (!sameBytes(frame, input.subarray(offset, offset + frame.length))) problem ??= `${msg.type} at ${offset} re-encodes differently`;
      offset += frame.length;
    },
    onError(err: NetworkError): void {
      numErrors++;
      errorCode = err.code;
      if (err.scope !== 'connection') problem ??= `${err.code} is not connection-scoped`;
    },
  };
  for (const chunk of chunks) {
    const started = performance.now();
    try {
      decoder.push(chunk, handler);
    } catch (err) {
      problem ??= `push threw ${String(err)}`;
    }
    const elapsedMs = performance.now() - started;
    if (elapsedMs > MAX_PUSH_MS) problem ??= `push took ${elapsedMs.toFixed(0)} ms`;
    if (decoder.numBufferedBytes > maxFrameBytes) problem ??= `${decoder.numBufferedBytes} bytes buffered, limit ${maxFrameBytes}`;
    if (decoder.numPendingBytes > decoder.numBufferedBytes) problem ??= 'more bytes pending than buffered';
  }
  if (numErrors > 1) problem ??= `${numErrors} errors reported`;
  if (numErrors === 1 && (decoder.numBufferedBytes !== 0 || !decoder.isPoisoned)) problem ??= 'buffers kept after an error';
  if (numErrors === 0 && offset + decoder.numPendingBytes !== input.length) {
    problem ??= `${offset} bytes decoded + ${decoder.numPendingBytes} pending ≠ ${input.length} pushed`;
  }
  if (expected !== undefined && (numErrors !== 0 || numMessages !== expected.length || decoder.numPendingBytes !== 0)) {
    problem ??= `valid input gave ${numMessages}/${expected.length} messages and ${numErrors} errors`;
  }
  return { problem, numMessages, numErrors, errorCode };
}

describe('FrameDecoder fuzzing', () => {
  it(`survives ${NUM_INPUTS} random and mutated inputs (seed ${SEED})`, () => {
    const random = createRandom(SEED);
    const problems: string[] = [];
    let numValid = 0;
    let numWithError = 0;
    let numMessages = 0;
    const errorCodes = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < NUM_INPUTS && problems.length < 10; i++) {
      const messages = Array.from({ length: 1 + random.int(4) }, () => randomMessage(random));
      let input = encodeMessages(messages);
      const isMutated = random.int(8) !== 0;
      if (isMutated) {
        for (let n = 1 + random.int(3); n > 0; n--) input = mutate(random, input);
      }
      const maxFrameBytes = 64 + random.int(192);
      const isAllowed = !isMutated && input.length > 0 && messages.every((m) => encodeMessage(m).length <= maxFrameBytes);
      const outcome = runInput(input, randomChunks(random, input), maxFrameBytes, isAllowed ? messages : undefined);
      if (outcome.problem !== undefined) {
        problems.push(`input #${i} (seed ${SEED}, ${isMutated ? 'mutated' : 'valid'}): ${outcome.problem}; bytes ${Buffer.from(input).toString('hex')}`);
      }
      if (isAllowed) numValid++;
      if (outcome.numErrors > 0) numWithError++;
      if (outcome.errorCode !== undefined) errorCodes.set(outcome.errorCode, (errorCodes.get(outcome.errorCode) ?? 0) + 1);
      numMessages += outcome.numMessages;
    }
    const elapsedMs = performance.now() - started;
    expect(problems).toEqual([]);
    // The generator must actually exercise both outcomes, or the properties above prove little.
    expect(numValid).toBeGreaterThan(NUM_INPUTS / 20);
    expect(numWithError).toBeGreaterThan(NUM_INPUTS / 4);
    expect(numMessages).toBeGreaterThan(NUM_INPUTS);
    expect([...errorCodes.keys()].sort()).toEqual([
      'ERR_NET_BAD_MAGIC',
      'ERR_NET_BAD_VERSION',
      'ERR_NET_FRAME_TOO_LARGE',
      'ERR_NET_MALFORMED_FRAME',
      'ERR_NET_UNKNOWN_MESSAGE',
    ]);
    console.info(
      `fuzz: ${NUM_INPUTS} inputs, ${numValid} valid, ${numWithError} rejected ${JSON.stringify(Object.fromEntries(errorCodes))}, ` +
        `${numMessages} messages, ${elapsedMs.toFixed(0)} ms`,
    );
  });

  it('returns promptly from a huge chunk of noise and from a megabyte of one-byte pushes', () => {
    const random = createRandom(SEED ^ 0xbeef);
    const noise = random.bytes(4 << 20);
    expect(runInput(noise, [noise], 1 << 20).problem).toBeUndefined();
    const valid = encodeMessages(Array.from({ length: 20_000 }, () => randomMessage(random)));
    const started = performance.now();
    const decoder = new FrameDecoder({ maxFrameBytes: 1 << 16 });
    let count = 0;
    const handler = { onMessage: () => void count++, onError: (err: NetworkError) => { throw err; } };
    for (let i = 0; i < valid.length; i++) decoder.push(valid.subarray(i, i + 1), handler);
    expect(count).toBe(20_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
