// One WebSocket between two TaskManagers (either end): decodes incoming frames, sends encoded ones, backpressure both ways.

import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { NetworkError } from '../../errors.js';
import { FrameDecoder, type FrameHandler } from '../../protocol/decode.js';
import { encodeMessage } from '../../protocol/encode.js';
import { FRAME_HEADER_LENGTH } from '../../protocol/constants.js';
import type { FatalErrorResponse, NetworkMessage } from '../../protocol/messages.js';
import type {
  Connection,
  ConnectionHandler,
  ConnectionHandlerFactory,
  ConnectionRole,
  ConnectionStats,
  ResolvedWsTransportOptions,
} from '../transport.js';
import {
  CLOSE_FATAL_ERROR,
  CLOSE_GOING_AWAY,
  CLOSE_NORMAL,
  closeReasonFor,
  errorForPeerClose,
  errorForWsError,
  isNetworkErrorCode,
} from './ws-options.js';

/** What a {@link WsConnection} needs besides its WebSocket. */
export interface WsConnectionOptions {
  /** `'client'` on the consumer TM (it sends CloseRequest on close), `'server'` on the producer TM. */
  readonly role: ConnectionRole;
  /** The other end, for error messages: the url (client) or `host:port` (server). */
  readonly remoteAddress: string;
  /** The WebSocket's TCP socket (`req.socket` of the upgrade), for its `'drain'` and `'error'` events. */
  readonly socket: Socket;
  /** Resolved transport options (frame limit, water marks). */
  readonly transport: ResolvedWsTransportOptions;
}

/** ws send options: one whole binary message, never compressed (deflate is off on both ends anyway). */
const SEND_OPTIONS = { binary: true, compress: false, fin: true } as const;
/** How often a waiting {@link WsConnection.onceWritable} re-checks `bufferedAmount`, in case no event tells it. */
const WRITABLE_POLL_MS = 50;
/** ErrorResponse messages are cut to this many utf-8 bytes (PROTOCOL.md §9: keep them a few KiB at most). */
const MAX_ERROR_MESSAGE_BYTES = 2048;

type State = 'open' | 'closing' | 'closed';

/**
 * One WebSocket carrying every channel between a consumer TM (client) and a producer TM (server), PROTOCOL.md §6.2.
 *
 * ```
 *  'message' ─► pending chunks ─► FrameDecoder ─► CloseRequest      ─► clean close
 *   (binary)    (while paused)        │          ─► fatal ErrorResponse ─► fail (peer's code)
 *                                     │          ─► other messages  ─► handler.onMessage, or `spilled` while paused
 *                                     └─ decode error ─► closeWithError (fatal ErrorResponse, close 4000)
 *  send(frame) ─► ws.send ─► socket; send callbacks + socket 'drain' + a 50 ms poll ─► onceWritable waiters
 *  'close' ─► onClose(null | the failure | ERR_NET_PEER_LOST)
 * ```
 *
 * Owned by: the TaskManager main thread (every method and callback runs there).
 */
export class WsConnection implements Connection {
  readonly remoteAddress: string;
  readonly role: ConnectionRole;

  readonly #ws: WebSocket;
  readonly #socket: Socket;
  readonly #options: ResolvedWsTransportOptions;
  readonly #decoder: FrameDecoder;
  readonly #handler: ConnectionHandler;
  readonly #frameHandler: FrameHandler;
  readonly #stats = { numBytesIn: 0, numBytesOut: 0, numMessagesIn: 0, numMessagesOut: 0, numFramesIn: 0 };

  #state: State = 'open';
  /** Set once this side closed cleanly, or received a CloseRequest. */
  #isCleanClose = false;
  /** The first failure; the connection ends with it. */
  #closeError: NetworkError | null = null;
  /** The TCP socket's first error, to say what happened when the peer is lost. */
  #socketError: Error | null = null;

  #isPaused = false;
  /** Received binary messages not yet decoded (while paused, or behind `#spilled`), in arrival order. */
  #pending: Uint8Array[] = [];
  /** Decoded messages not yet delivered because pause() came mid-message; they precede everything in `#pending`. */
  #spilled: NetworkMessage[] = [];
  /** True while the delivery loop runs: keeps it from re-entering (the decoder is not re-entrant). */
  #isDelivering = false;

  #writableWaiters: Array<() => void> = [];
  #writablePoll: NodeJS.Timeout | null = null;

  readonly #closed: Promise<NetworkError | null>;
  #resolveClosed!: (error: NetworkError | null) => void;

  /**
   * Wraps an OPEN WebSocket and starts reading it.
   *
   * @param ws - an open ws WebSocket; its deflate must be off (see ws-options.ts).
   * @param options - see {@link WsConnectionOptions}.
   * @param createHandler - makes this connection's handler; called once, before any message can arrive.
   */
  constructor(ws: WebSocket, options: WsConnectionOptions, createHandler: ConnectionHandlerFactory) {
    if (ws.readyState !== ws.OPEN) throw new TypeError(`WsConnection needs an open WebSocket, got readyState ${ws.readyState}`);
    this.#ws = ws;
    this.#socket = options.socket;
    this.#options = options.transport;
    this.role = options.role;
    this.remoteAddress = options.remoteAddress;
    this.#decoder = new FrameDecoder({ maxFrameBytes: options.transport.maxFrameBytes });
    this.#frameHandler = { onMessage: (message) => this.#onFrame(message), onError: (error) => this.#fail(fromPeer(error, this.remoteAddress), true) };
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#handler = createHandler(this);

    ws.on('message', (data, isBinary) => this.#onWsMessage(data, isBinary));
    ws.on('error', (error) => this.#fail(errorForWsError(this.remoteAddress, error), false));
    ws.on('close', (code, reason) => this.#onWsClose(code, reason.toString('utf8')));
    this.#socket.on('drain', this.#checkWritable);
    this.#socket.on('error', (error) => (this.#socketError ??= error));
  }

  // ---- Sending ----------------------------------------------------------------------------------------------

  /** {@inheritDoc Connection.send} @throws RangeError if `frame` exceeds `maxMessageBytes` (the peer would reject it). */
  send(frame: Uint8Array, callback?: (error?: Error) => void): boolean {
    if (this.#state !== 'open') {
      if (callback !== undefined) {
        const error = this.#closeError ?? new NetworkError('ERR_NET_PEER_LOST', `connection to ${this.remoteAddress} is closed`);
        queueMicrotask(() => callback(error));
      }
      return false;
    }
    if (frame.length > this.#options.maxMessageBytes) {
      throw new RangeError(`a ${frame.length}-byte message exceeds maxMessageBytes (${this.#options.maxMessageBytes})`);
    }
    this.#stats.numBytesOut += frame.length;
    this.#stats.numMessagesOut += 1;
    this.#ws.send(frame, SEND_OPTIONS, callback === undefined ? this.#checkWritable : (error) => {
      this.#checkWritable();
      callback(error);
    });
    return this.#ws.bufferedAmount < this.#options.highWaterMarkBytes;
  }

  /** {@inheritDoc Connection.sendFrame} */
  sendFrame(frame: Uint8Array, onSent?: () => void): boolean {
    return this.send(frame, onSent);
  }

  /** {@inheritDoc Connection.sendMessage} */
  sendMessage(message: NetworkMessage, callback?: (error?: Error) => void): boolean {
    return this.send(encodeMessage(message), callback);
  }

  /** {@inheritDoc Connection.bufferedAmount} */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** {@inheritDoc Connection.isWritable} Keep in sync with the return value of {@link send}. */
  isWritable(): boolean {
    return this.#state === 'open' && this.#ws.bufferedAmount < this.#options.highWaterMarkBytes;
  }

  /** {@inheritDoc Connection.onceWritable} */
  onceWritable(callback: () => void): void {
    if (this.#state !== 'open') return;
    if (this.#ws.bufferedAmount <= this.#options.lowWaterMarkBytes) {
      queueMicrotask(callback);
      return;
    }
    this.#writableWaiters.push(callback);
    // Send callbacks and 'drain' cover our own writes; the poll covers the rest (a queued ws pong or close frame).
    this.#writablePoll ??= setInterval(this.#checkWritable, WRITABLE_POLL_MS).unref();
  }

  /** Fires the writable waiters once `bufferedAmount` is at or below the low-water mark. Arrow: used as a callback. */
  readonly #checkWritable = (): void => {
    if (this.#writableWaiters.length === 0 || this.#ws.bufferedAmount > this.#options.lowWaterMarkBytes) return;
    const waiters = this.#writableWaiters;
    this.#writableWaiters = [];
    this.#stopWritablePoll();
    for (const waiter of waiters) waiter();
  };

  #stopWritablePoll(): void {
    if (this.#writablePoll !== null) clearInterval(this.#writablePoll);
    this.#writablePoll = null;
  }

  // ---- Receiving --------------------------------------------------------------------------------------------

  /** {@inheritDoc Connection.pause} Also holds back messages already read, so none is delivered after this returns. */
  pause(): void {
    if (this.#state !== 'open' || this.#isPaused) return;
    this.#isPaused = true;
    this.#ws.pause();
  }

  /** {@inheritDoc Connection.resume} */
  resume(): void {
    if (!this.#isPaused) return;
    this.#isPaused = false;
    if (this.#state !== 'open') return;
    this.#ws.resume();
    this.#deliver();
  }

  /** {@inheritDoc Connection.isPaused} */
  get isPaused(): boolean {
    return this.#isPaused;
  }

  #onWsMessage(data: RawData, isBinary: boolean): void {
    const chunk = toBytes(data);
    this.#stats.numBytesIn += chunk.length;
    this.#stats.numMessagesIn += 1;
    if (this.#state !== 'open') return;
    if (!isBinary) {
      const cause = `text message of ${chunk.length} bytes from ${this.remoteAddress}: the protocol is binary only (PROTOCOL.md §1)`;
      this.#fail(new NetworkError('ERR_NET_MALFORMED_FRAME', cause), true);
      return;
    }
    this.#pending.push(chunk);
    this.#deliver();
  }

  /**
   * The one delivery loop: spilled messages first, then pending chunks through the decoder, until paused, failed
   * or empty. Re-entrant calls (resume() from inside onMessage) return at once; the running loop carries on.
   */
  #deliver(): void {
    if (this.#isDelivering) return;
    this.#isDelivering = true;
    try {
      while (this.#state === 'open' && !this.#isPaused) {
        const message = this.#spilled.shift();
        if (message !== undefined) {
          this.#handler.onMessage(message, this);
          continue;
        }
        const chunk = this.#pending.shift();
        if (chunk === undefined) break;
        this.#decoder.push(chunk, this.#frameHandler);
      }
    } catch (error) {
      // A throwing onMessage: the decoder has stopped (stream position lost), so the connection cannot go on.
      this.#fail(handlerFailure(error, this.remoteAddress), true);
    } finally {
      this.#isDelivering = false;
    }
  }

  /** One decoded frame: connection-level messages are handled here, the rest go to the handler (or wait). */
  #onFrame(message: NetworkMessage): void {
    this.#stats.numFramesIn += 1;
    if (this.#state !== 'open') return;
    if (message.type === 'CloseRequest') {
      this.#isCleanClose = true;
      this.#state = 'closing';
      this.#dropQueues();
      this.#ws.close(CLOSE_NORMAL);
      return;
    }
    if (message.type === 'ErrorResponse' && message.isFatal) {
      this.#fail(remoteFailure(message, this.remoteAddress), false);
      this.#ws.close(CLOSE_FATAL_ERROR, closeReasonFor(message.code));
      return;
    }
    if (this.#isPaused) {
      this.#spilled.push(message.type === 'BufferResponse' ? { ...message, payload: message.payload.slice() } : message);
      return;
    }
    this.#handler.onMessage(message, this);
  }

  // ---- Closing ----------------------------------------------------------------------------------------------

  /** {@inheritDoc Connection.isOpen} */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** {@inheritDoc Connection.close} On the server side there is no CloseRequest to send: it closes with 1001. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#isCleanClose = true;
    this.#state = 'closing';
    this.#dropQueues();
    if (this.role === 'client') {
      this.#ws.send(encodeMessage({ type: 'CloseRequest' }), SEND_OPTIONS);
      this.#ws.close(CLOSE_NORMAL);
    } else {
      this.#ws.close(CLOSE_GOING_AWAY);
    }
  }

  /** {@inheritDoc Connection.closeWithError} */
  closeWithError(error: NetworkError): void {
    this.#fail(error, true);
  }

  /** Destroys the socket at once, without a close handshake (the peer sees a lost connection). For shutdown paths. */
  terminate(): void {
    this.#ws.terminate();
  }

  /** {@inheritDoc Connection.whenClosed} */
  whenClosed(): Promise<NetworkError | null> {
    return this.#closed;
  }

  /** {@inheritDoc Connection.stats} */
  get stats(): ConnectionStats {
    return this.#stats;
  }

  /**
   * Records the first failure, tells the peer (fatal ErrorResponse + close 4000 naming the code) when
   * `notifyPeer`, and calls `onError`. Later failures are ignored: the first one names the cause.
   */
  #fail(error: NetworkError, notifyPeer: boolean): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#closeError = error;
    this.#dropQueues();
    if (notifyPeer && this.#ws.readyState === this.#ws.OPEN) {
      this.#ws.send(encodeMessage(this.#fatalErrorResponse(error)), SEND_OPTIONS);
      this.#ws.close(CLOSE_FATAL_ERROR, closeReasonFor(error.code));
    }
    this.#handler.onError?.(error, this);
  }

  #onWsClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#dropQueues();
    this.#writableWaiters = [];
    this.#stopWritablePoll();
    this.#socket.off('drain', this.#checkWritable);
    let error = this.#closeError;
    if (error === null && !this.#isCleanClose) {
      const socketError = this.#socketError;
      const what = socketError === null
        ? `the socket closed (code ${code}${reason ? `, "${reason}"` : ''})`
        : `socket error ${(socketError as { code?: string }).code ?? ''} (${socketError.message})`;
      error = errorForPeerClose(this.remoteAddress, code, reason, what);
      this.#closeError = error;
      this.#handler.onError?.(error, this);
    }
    this.#resolveClosed(error);
    this.#handler.onClose(this, error);
  }

  #dropQueues(): void {
    this.#pending = [];
    this.#spilled = [];
  }

  /** The fatal ErrorResponse for `error`: its code, its message without the `CODE: ` prefix, cut to fit. */
  #fatalErrorResponse(error: NetworkError): FatalErrorResponse {
    const prefix = `${error.code}: `;
    const text = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    // header + flags 1 + codeLength 2 + messageLength 4 + code: what is left of the frame limit is for the message.
    const budget = this.#options.maxFrameBytes - FRAME_HEADER_LENGTH - 7 - Buffer.byteLength(error.code, 'utf8');
    const bytes = Buffer.from(text, 'utf8');
    const limit = Math.max(0, Math.min(MAX_ERROR_MESSAGE_BYTES, budget));
    const message = bytes.length <= limit ? text : bytes.subarray(0, limit).toString('utf8');
    return { type: 'ErrorResponse', isFatal: true, code: error.code, message };
  }
}

// ---- Helpers --------------------------------------------------------------------------------------------------

/** The bytes of a ws message (`binaryType` 'nodebuffer' gives a Buffer; the other shapes are handled for safety). */
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** The local error for a fatal ErrorResponse from the peer: its code if it is a network code, else ERR_NET_REMOTE. */
function remoteFailure(message: FatalErrorResponse, remoteAddress: string): NetworkError {
  const prefix = `${message.code}: `;
  const text = message.message.startsWith(prefix) ? message.message.slice(prefix.length) : message.message;
  if (isNetworkErrorCode(message.code)) {
    return new NetworkError(message.code, `peer ${remoteAddress} failed the connection: ${text}`);
  }
  return new NetworkError('ERR_NET_REMOTE', `peer ${remoteAddress} failed the connection with ${message.code}: ${text}`);
}

/** A decoder error, naming the peer the bad bytes came from. */
function fromPeer(error: NetworkError, remoteAddress: string): NetworkError {
  const prefix = `${error.code}: `;
  const text = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new NetworkError(error.code, `${text}, from ${remoteAddress}`, { cause: error });
}

/** What a throw from `onMessage` fails the connection with: a NetworkError as is, anything else wrapped. */
function handlerFailure(error: unknown, remoteAddress: string): NetworkError {
  if (error instanceof NetworkError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new NetworkError('ERR_NET_REMOTE', `the handler of the connection to ${remoteAddress} threw: ${text}`, { cause: error });
}
