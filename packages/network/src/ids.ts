// Opaque 16-byte identifiers (Flink's AbstractID) naming partitions and input channels on the wire.

import { randomFillSync } from 'node:crypto';

/** Number of bytes in every id, on the wire and in memory (PROTOCOL.md §3). */
export const ID_LENGTH = 16;

declare const ABSTRACT_ID: unique symbol;
declare const ID_KEY: unique symbol;

/**
 * An opaque 16-byte identifier, like Flink's `AbstractID` (`InputChannelID`, `IntermediateResultPartitionID`).
 *
 * It is a plain `Uint8Array` of exactly {@link ID_LENGTH} bytes, branded so that arbitrary byte arrays don't pass
 * for ids by accident. Create one with {@link randomId}, {@link idFromHex} or {@link idFromBytes}. Ids handed out
 * by this package own their memory (never views into a network chunk), so they may be kept.
 */
export type AbstractId = Uint8Array & { readonly [ABSTRACT_ID]: true };

/** A cheap `Map` key for an {@link AbstractId}: its 32-character lowercase hex form (see {@link idToKey}). */
export type IdKey = string & { readonly [ID_KEY]: true };

const HEX_PATTERN = /^[0-9a-fA-F]{32}$/;

/** Returns a fresh random id (128 bits from `crypto.randomFillSync`). */
export function randomId(): AbstractId {
  return randomFillSync(new Uint8Array(ID_LENGTH)) as AbstractId;
}

/**
 * Copies 16 bytes into a new id.
 *
 * @param bytes - exactly {@link ID_LENGTH} bytes; they are copied, so a view into a reused buffer is fine.
 * @throws RangeError if `bytes` is not 16 bytes long.
 */
export function idFromBytes(bytes: Uint8Array): AbstractId {
  if (bytes.length !== ID_LENGTH) {
    throw new RangeError(`an id has ${ID_LENGTH} bytes, got ${bytes.length}`);
  }
  const id = new Uint8Array(ID_LENGTH);
  id.set(bytes);
  return id as AbstractId;
}

/** Returns the 32-character lowercase hex form of an id, e.g. for logs and the REST API. */
export function idToHex(id: AbstractId): string {
  return Buffer.from(id.buffer, id.byteOffset, ID_LENGTH).toString('hex');
}

/**
 * Parses the 32-character hex form of an id (either case).
 *
 * @throws TypeError if `hex` is not exactly 32 hex digits.
 */
export function idFromHex(hex: string): AbstractId {
  if (typeof hex !== 'string' || !HEX_PATTERN.test(hex)) {
    throw new TypeError(`an id is 32 hex digits, got ${JSON.stringify(hex)}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex')) as AbstractId;
}

/** Returns the `Map` key of an id; two ids have the same key iff {@link idsEqual} holds. */
export function idToKey(id: AbstractId): IdKey {
  return idToHex(id) as IdKey;
}

/** Returns whether two ids hold the same 16 bytes. */
export function idsEqual(a: AbstractId, b: AbstractId): boolean {
  if (a.length !== ID_LENGTH || b.length !== ID_LENGTH) return false;
  for (let i = 0; i < ID_LENGTH; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}
