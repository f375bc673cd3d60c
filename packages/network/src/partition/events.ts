// In-band events the network itself understands; all other event payloads are opaque bytes to it.
import { MAX_INLINE_EVENT_BYTES } from '../memory/layout.js';

/**
 * An event travels in-band, in order with the data buffers of its channel, and needs no credit. Its
 * payload starts with a 4-byte big-endian event type; the network knows only {@link EVENT_END_OF_PARTITION},
 * the runtime defines the rest (checkpoint barriers come later). Payloads are at most
 * {@link MAX_EVENT_BYTES} bytes, so they fit a queue entry inline.
 */
export const MAX_EVENT_BYTES = MAX_INLINE_EVENT_BYTES;

/** The producer will send nothing more on this subpartition. */
export const EVENT_END_OF_PARTITION = 1;
/** The remote channel failed (peer lost, protocol error); the body holds the error code (utf-8). */
export const EVENT_CHANNEL_FAILED = 2;
/** First event type free for the runtime. */
export const FIRST_RUNTIME_EVENT_TYPE = 16;

/** Reads the event type of an event payload. */
export function eventTypeOf(payload: Uint8Array): number {
  return payload.length >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0) : -1;
}

/** Builds an event payload: the type, then optional body bytes. */
export function encodeEvent(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, type);
  out.set(body, 4);
  return out;
}

/** The end-of-partition event's payload. */
export const END_OF_PARTITION_EVENT: Uint8Array = encodeEvent(EVENT_END_OF_PARTITION);
