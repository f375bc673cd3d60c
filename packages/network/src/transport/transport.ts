// The seam between the credit/legacy protocol logic and the connection that carries it: Connection, ConnectionHandler, options.

import { BUFFER_RESPONSE_OVERHEAD, MAX_FRAME_LIMIT_BYTES, MIN_FRAME_LIMIT_BYTES } from '../protocol/constants.js';
import type { NetworkMessage } from '../protocol/messages.js';
import type { NetworkError } from '../errors.js';

// ---- Connection and its handler -----------------------------------------------------------------------------
//
//   protocol logic (ReaderQueue / PartitionRequestClient)                  ▲ onMessage / onError / onClose
//        │ send(frame) sendMessage(msg) isWritable() onceWritable()     │
//        ▼ pause() resume() close() closeWithError(err)                 │
//   Connection (ws/ws-connection.ts: one WebSocket, every channel of one TaskManager pair)
//
// A handler never sees CloseRequest or a fatal ErrorResponse in onMessage: the connection consumes them and
// reports them through onClose (clean, or with the peer's error).

/**
 * One multiplexed connection between two TaskManagers, as the protocol logic sees it (PROTOCOL.md §1, §6.2).
 * Implemented over a WebSocket by `WsConnection`; an in-memory implementation serves handler tests.
 */
export interface Connection {
  /** Who is at the other end, for error messages and logs: `ws://host:port` (client side) or `host:port` (server side). */
  readonly remoteAddress: string;
  /** Whether this end opened the connection (consumer TM) or accepted it (producer TM). */
  readonly role: ConnectionRole;
  /**
   * Sends bytes holding one or more whole, already encoded frames as one binary message. `frame` is read, never
   * modified, and must not be changed until `callback` runs.
   *
   * @param callback - called once the bytes were handed to the kernel, or with an error if the connection closed first.
   * @returns {@link isWritable} after queuing: false means "wait for {@link onceWritable}" (or the connection is closed).
   */
  send(frame: Uint8Array, callback?: (error?: Error) => void): boolean;
  /** {@link send} under the name `NetworkConnection` (network-connection.ts) uses; `onSent` runs on success and on error alike. */
  sendFrame(frame: Uint8Array, onSent?: () => void): boolean;
  /** Encodes `message` into one frame and {@link send}s it. */
  sendMessage(message: NetworkMessage, callback?: (error?: Error) => void): boolean;
  /** Bytes queued in user space and not yet handed to the kernel (framing included). */
  readonly bufferedAmount: number;
  /** Whether the connection is open and {@link bufferedAmount} is below the high-water mark. */
  isWritable(): boolean;
  /**
   * Calls `callback` once, asynchronously, as soon as {@link bufferedAmount} is at or below the low-water mark
   * (at once, in a microtask, if it already is). Dropped if the connection closes first: `onClose` says so.
   */
  onceWritable(callback: () => void): void;
  /** Stops delivering messages and stops reading the socket, so the peer's sends back up (legacy mode). */
  pause(): void;
  /** Undoes {@link pause}: delivers what arrived meanwhile, in order, then reads the socket again. */
  resume(): void;
  /** Whether {@link pause} is in effect. */
  readonly isPaused: boolean;
  /** Whether the connection is open: not failed, not closing, not closed. */
  readonly isOpen: boolean;
  /**
   * Closes cleanly: the client side first sends `CloseRequest` (PROTOCOL.md §3.5). The handler then receives
   * `onClose(connection, null)`. Does nothing if the connection is already closing.
   */
  close(): void;
  /**
   * Fails the connection: sends a fatal `ErrorResponse` carrying `error.code` and its message, then closes.
   * The peer's handler receives `onClose` with a NetworkError of the same code; this side's handler receives
   * `onError(error)` now and `onClose(connection, error)` once closed. The first failure wins; later calls do nothing.
   */
  closeWithError(error: NetworkError): void;
  /** Resolves once the connection is closed, with the error it ended with (null for a clean close). Never rejects. */
  whenClosed(): Promise<NetworkError | null>;
  /** Traffic counters since the connection opened, for metrics. */
  readonly stats: ConnectionStats;
}

/** Which end of a connection this is: the consumer TM opens it (client), the producer TM accepts it (server). */
export type ConnectionRole = 'client' | 'server';

/** Traffic counters of one connection (a live view, not a copy). */
export interface ConnectionStats {
  /** Bytes of binary messages received (WebSocket payloads, WebSocket framing excluded). */
  readonly numBytesIn: number;
  /** Bytes of binary messages sent. */
  readonly numBytesOut: number;
  /** WebSocket messages received. */
  readonly numMessagesIn: number;
  /** WebSocket messages sent (each may hold several frames). */
  readonly numMessagesOut: number;
  /** Protocol messages decoded (frames), connection-level ones included. */
  readonly numFramesIn: number;
}

/**
 * Receives what one connection delivers; the credit/legacy client and server logic implement it.
 * Callbacks run on the thread that owns the connection, never re-entrantly for the same connection's `onMessage`.
 */
export interface ConnectionHandler {
  /**
   * One decoded protocol message, in arrival order. A BufferResponse `payload` is a view valid only during this
   * call: copy it to keep it. Throwing a NetworkError fails the connection with it (e.g. `ERR_NET_NO_CREDIT`);
   * throwing anything else fails it too. Never receives `CloseRequest` or a fatal `ErrorResponse`.
   */
  onMessage(message: NetworkMessage, connection: Connection): void;
  /**
   * Called once, as soon as the connection is known to have failed, with the error that ends it (detected here,
   * received from the peer, or `ERR_NET_PEER_LOST`); `onClose` follows with the same error once the socket is closed.
   */
  onError?(error: NetworkError, connection: Connection): void;
  /**
   * Called exactly once when the connection is closed: `error` is null after a clean close (a `CloseRequest`, or
   * this side's `close()`), else what failed it. Every channel of the connection must be failed or released here.
   * Must not throw (neither may `onError`): it runs from a socket event, where a throw is an uncaught exception.
   */
  onClose(connection: Connection, error: NetworkError | null): void;
}

/** Makes the handler of one new connection; called once per connection before any message arrives. */
export type ConnectionHandlerFactory = (connection: Connection) => ConnectionHandler;

// ---- Options --------------------------------------------------------------------------------------------------

/** Options of the WebSocket transport shared by both ends; every field is optional. */
export interface WsTransportOptions {
  /** Largest protocol frame accepted, header included (decoder limit, PROTOCOL.md §9). */
  maxFrameBytes?: number;
  /** Largest WebSocket message accepted (`maxPayload` of ws), ≥ maxFrameBytes: room for several frames per message. */
  maxMessageBytes?: number;
  /** `bufferedAmount` at or above which `isWritable()` is false. */
  highWaterMarkBytes?: number;
  /** `bufferedAmount` at or below which `onceWritable` callbacks fire; < highWaterMarkBytes. */
  lowWaterMarkBytes?: number;
  /** ms to wait for the peer's close frame before the socket is destroyed (ws `closeTimeout`). */
  closeTimeoutMs?: number;
  /** Shared secret sent (client) or required (server) as header `x-sluice-token`; undefined = none. */
  token?: string | undefined;
}

/** {@link WsTransportOptions} with every default filled in (`token` may stay undefined). */
export type ResolvedWsTransportOptions = Required<Omit<WsTransportOptions, 'token'>> & { token: string | undefined };

/** Extra bytes a WebSocket message may carry beyond one full frame: a batch of control frames (~2000 AddCredits). */
export const MESSAGE_SLACK_BYTES = 64 * 1024;

/** The defaults, each with its reason. */
export const DEFAULT_WS_TRANSPORT_OPTIONS: ResolvedWsTransportOptions = {
  maxFrameBytes: 64 * 1024, // a BufferResponse of the default 32 KiB segment (+39 B) with room for error messages
  maxMessageBytes: 64 * 1024 + MESSAGE_SLACK_BYTES, // one full frame plus a batch of small ones; bounded, unlike ws's 100 MiB
  highWaterMarkBytes: 4 * 32 * 1024, // a few segments queued keep the kernel busy without hoarding memory per peer
  lowWaterMarkBytes: 32 * 1024, // resume with one segment still queued, so the socket never runs dry while we refill
  closeTimeoutMs: 5_000, // a peer that won't answer our close frame is cut off after 5 s, not ws's 30 s
  token: undefined, // loopback needs none; a cluster token is required off loopback
};

/** The header carrying the cluster token on the WebSocket upgrade request. */
export const TOKEN_HEADER = 'x-sluice-token';

/**
 * The `maxFrameBytes` that fits a BufferResponse of `segmentSizeBytes` plus a fatal ErrorResponse of a few KiB.
 *
 * @param segmentSizeBytes - the network buffer size (`taskmanager.memory.segment-size`).
 */
export function maxFrameBytesForSegment(segmentSizeBytes: number): number {
  return Math.max(MIN_FRAME_LIMIT_BYTES, segmentSizeBytes + BUFFER_RESPONSE_OVERHEAD + 8 * 1024);
}

/**
 * Fills in defaults and validates once. `maxMessageBytes` defaults to `maxFrameBytes` + {@link MESSAGE_SLACK_BYTES}.
 *
 * @throws RangeError or TypeError naming the key.
 */
export function resolveWsTransportOptions(options: WsTransportOptions = {}): ResolvedWsTransportOptions {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_WS_TRANSPORT_OPTIONS.maxFrameBytes;
  const resolved: ResolvedWsTransportOptions = {
    maxFrameBytes,
    maxMessageBytes: options.maxMessageBytes ?? maxFrameBytes + MESSAGE_SLACK_BYTES,
    highWaterMarkBytes: options.highWaterMarkBytes ?? DEFAULT_WS_TRANSPORT_OPTIONS.highWaterMarkBytes,
    lowWaterMarkBytes: options.lowWaterMarkBytes ?? DEFAULT_WS_TRANSPORT_OPTIONS.lowWaterMarkBytes,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_WS_TRANSPORT_OPTIONS.closeTimeoutMs,
    token: options.token,
  };
  checkInt('maxFrameBytes', resolved.maxFrameBytes, MIN_FRAME_LIMIT_BYTES, MAX_FRAME_LIMIT_BYTES);
  checkInt('maxMessageBytes', resolved.maxMessageBytes, resolved.maxFrameBytes, MAX_FRAME_LIMIT_BYTES + MESSAGE_SLACK_BYTES);
  checkInt('highWaterMarkBytes', resolved.highWaterMarkBytes, 1, 2 ** 31 - 1);
  checkInt('lowWaterMarkBytes', resolved.lowWaterMarkBytes, 0, resolved.highWaterMarkBytes - 1);
  checkInt('closeTimeoutMs', resolved.closeTimeoutMs, 1, 600_000);
  if (resolved.token !== undefined && (typeof resolved.token !== 'string' || resolved.token.length === 0)) {
    throw new TypeError('token must be a non-empty string or undefined');
  }
  return resolved;
}

function checkInt(key: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
}
