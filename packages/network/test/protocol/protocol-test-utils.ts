// Helpers shared by the protocol codec tests: hex conversion and a decoder harness that records what it saw.

import { FrameDecoder, type NetworkMessage } from '../../src/protocol/index.js';
import type { NetworkError } from '../../src/errors.js';

/** Parses hex written for humans: whitespace and `|` separators are ignored. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${text}`);
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** Lowercase hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** What a decoder delivered: messages (payloads copied, since views die after the callback) and errors. */
export interface Decoded {
  messages: NetworkMessage[];
  errors: NetworkError[];
}

/** Copies a message's payload out of the decoder's memory so it may be kept. */
export function ownMessage(msg: NetworkMessage): NetworkMessage {
  return msg.type === 'BufferResponse' ? { ...msg, payload: new Uint8Array(msg.payload) } : msg;
}

/** Pushes `chunks` in order into `decoder` (a fresh one with a 64 KiB limit by default) and records the outcome. */
export function decodeChunks(chunks: readonly Uint8Array[], decoder = new FrameDecoder({ maxFrameBytes: 65_536 })): Decoded {
  const decoded: Decoded = { messages: [], errors: [] };
  const handler = {
    onMessage: (msg: NetworkMessage) => decoded.messages.push(ownMessage(msg)),
    onError: (err: NetworkError) => decoded.errors.push(err),
  };
  for (const chunk of chunks) decoder.push(chunk, handler);
  return decoded;
}

/** Splits `bytes` into one-byte chunks. */
export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}
