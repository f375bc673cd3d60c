// The consumer TaskManager's side: at most one reference-counted WebSocket per producer TaskManager url, shared by all channels.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { NetworkError } from '../../errors.js';
import {
  resolveWsTransportOptions,
  TOKEN_HEADER,
  type Connection,
  type ConnectionHandler,
  type ConnectionHandlerFactory,
  type ResolvedWsTransportOptions,
  type WsTransportOptions,
} from '../transport.js';
import { clientWsOptions, DEFAULT_MASKING, type MaskingMode } from './ws-options.js';
import { WsConnection } from './ws-connection.js';

/** Options of a {@link ConnectionManager}. */
export interface ConnectionManagerOptions extends WsTransportOptions {
  /** Makes the handler of each new connection (the credit or legacy client logic that routes by receiverId). */
  createHandler: ConnectionHandlerFactory;
  /** How client frames are masked; default `'zero'` (see ws-options.ts for why). */
  masking?: MaskingMode;
  /** How long opening a connection (TCP + WebSocket handshake) may take, in ms. Default 10 000. */
  handshakeTimeoutMs?: number;
}

/** One remote url: its connection (or the attempt to open it) and how many acquirers hold it. */
interface Entry {
  readonly url: string;
  numReferences: number;
  /** Settles once the WebSocket is open (or failed); every concurrent acquire shares it. */
  readonly opened: Promise<WsConnection>;
  /** The connection once open. */
  connection: WsConnection | null;
  /** The WebSocket while it is still connecting, so that closeAll() can abort it. */
  connecting: WebSocket | null;
}

/** Default handshake timeout: generous for a loaded machine, short enough that a dead host fails its channels soon. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Opens and shares the consumer TM's connections (PROTOCOL.md §1, §6.2): at most ONE per producer TM url,
 * reference-counted across the input channels that read from it.
 *
 * - `acquire(url)` opens the connection on first use; concurrent acquires share the pending attempt.
 * - `release(connection)` drops one reference; the last one closes it cleanly with a `CloseRequest`.
 * - A connection that fails or is lost is forgotten at once, so the next `acquire` opens a new one; releasing
 *   the dead one afterwards does nothing.
 *
 * Owned by: the TaskManager main thread.
 */
export class ConnectionManager {
  readonly #options: ResolvedWsTransportOptions;
  readonly #createHandler: ConnectionHandlerFactory;
  readonly #masking: MaskingMode;
  readonly #handshakeTimeoutMs: number;
  readonly #byUrl = new Map<string, Entry>();
  readonly #byConnection = new Map<Connection, Entry>();
  #isClosed = false;

  /**
   * @param options - see {@link ConnectionManagerOptions}; transport defaults from `DEFAULT_WS_TRANSPORT_OPTIONS`.
   * @throws RangeError/TypeError on an invalid option.
   */
  constructor(options: ConnectionManagerOptions) {
    const { createHandler, masking = DEFAULT_MASKING, handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS, ...transport } = options;
    if (typeof createHandler !== 'function') throw new TypeError('createHandler must be a function');
    if (masking !== 'zero' && masking !== 'random') throw new TypeError(`masking must be 'zero' or 'random', got ${String(masking)}`);
    if (!Number.isInteger(handshakeTimeoutMs) || handshakeTimeoutMs < 1) {
      throw new RangeError(`handshakeTimeoutMs must be a positive integer, got ${handshakeTimeoutMs}`);
    }
    this.#options = resolveWsTransportOptions(transport);
    this.#createHandler = createHandler;
    this.#masking = masking;
    this.#handshakeTimeoutMs = handshakeTimeoutMs;
  }

  /**
   * Returns the open connection to `url`, opening it if needed, and takes one reference on it.
   *
   * @param url - the producer TM's data server, `ws://host:port` (`DataServer.listen().url`).
   * @throws TypeError (synchronously) if `url` is not a ws:// or wss:// url.
   * @returns a promise rejecting with `ERR_NET_PEER_LOST` if the connection cannot be opened (refused, 401
   *   for a missing/wrong token, handshake timeout) or the manager is closed.
   */
  acquire(url: string): Promise<WsConnection> {
    const key = normalizeUrl(url);
    if (this.#isClosed) {
      return Promise.reject(new NetworkError('ERR_NET_PEER_LOST', `cannot connect to ${key}: the ConnectionManager is closed`));
    }
    let entry = this.#byUrl.get(key);
    if (entry?.connection?.isOpen === false) {
      this.#forget(entry); // closed behind our back (e.g. by its handler): open a fresh one
      entry = undefined;
    }
    if (entry === undefined) {
      entry = this.#open(key, url);
      this.#byUrl.set(key, entry);
    }
    entry.numReferences += 1;
    return entry.connection !== null ? Promise.resolve(entry.connection) : entry.opened;
  }

  /**
   * Drops one reference taken by {@link acquire}. The last reference closes the connection with a `CloseRequest`.
   * Does nothing for a connection that already failed, was lost or was closed (it is no longer managed).
   */
  release(connection: Connection): void {
    const entry = this.#byConnection.get(connection);
    if (entry === undefined) return;
    entry.numReferences -= 1;
    if (entry.numReferences > 0) return;
    this.#forget(entry);
    connection.close();
  }

  /** The managed open connections (a snapshot). */
  get connections(): readonly WsConnection[] {
    return [...this.#byConnection.values()].map((entry) => entry.connection!);
  }

  /** References held on the connection to `url` (0 if there is none). */
  numReferences(url: string): number {
    return this.#byUrl.get(normalizeUrl(url))?.numReferences ?? 0;
  }

  /**
   * Closes every connection cleanly (CloseRequest), aborts those still opening (their acquires reject), and
   * resolves once all are closed. The manager stays closed: later acquires reject.
   */
  async closeAll(): Promise<void> {
    this.#isClosed = true;
    const entries = [...this.#byUrl.values()];
    const closing: Promise<unknown>[] = [];
    for (const entry of entries) {
      this.#forget(entry);
      if (entry.connection !== null) {
        entry.connection.close();
        closing.push(entry.connection.whenClosed());
      } else {
        entry.connecting?.terminate();
        closing.push(entry.opened.catch(() => undefined));
      }
    }
    await Promise.all(closing);
  }

  // ---- Opening --------------------------------------------------------------------------------------------------

  /** Starts opening `url` (the normalized key); `displayUrl` is the url as the caller wrote it, for messages. */
  #open(url: string, displayUrl: string): Entry {
    const ws = new WebSocket(url, clientWsOptions(this.#options, this.#masking, this.#handshakeTimeoutMs));
    let resolveOpened!: (connection: WsConnection) => void;
    let rejectOpened!: (error: NetworkError) => void;
    const opened = new Promise<WsConnection>((resolve, reject) => {
      resolveOpened = resolve;
      rejectOpened = reject;
    });
    const entry: Entry = { url, numReferences: 0, opened, connection: null, connecting: ws };
    let socket: Socket | null = null;

    const fail = (cause: string, error?: Error): void => {
      ws.off('open', onOpen);
      ws.off('close', onClose);
      this.#forget(entry);
      rejectOpened(new NetworkError('ERR_NET_PEER_LOST', `cannot connect to ${displayUrl}: ${cause}`, { cause: error }));
    };
    const onError = (error: Error): void => {
      const hint = /\b401\b/.test(error.message) ? ` (missing or wrong ${TOKEN_HEADER}?)` : '';
      fail(`${error.message}${hint}`, error);
    };
    const onClose = (code: number): void => fail(`closed during the handshake (code ${code})`);
    const onOpen = (): void => {
      entry.connecting = null;
      ws.off('close', onClose);
      if (this.#isClosed || this.#byUrl.get(url) !== entry) {
        ws.off('error', onError);
        ws.on('error', () => {});
        ws.terminate();
        fail('the ConnectionManager closed while connecting');
        return;
      }
      let connection: WsConnection;
      try {
        connection = new WsConnection(
          ws,
          { role: 'client', remoteAddress: displayUrl, socket: socket ?? underlyingSocket(ws), transport: this.#options },
          (conn) => this.#wrapHandler(this.#createHandler(conn)),
        );
      } catch (error) {
        ws.close(1011); // a throwing handler factory: this connection fails, its acquirers learn why
        fail(`createHandler threw: ${String(error)}`, error as Error);
        return;
      }
      ws.off('error', onError); // WsConnection listens from here on
      entry.connection = connection;
      this.#byConnection.set(connection, entry);
      resolveOpened(connection);
    };
    ws.once('upgrade', (response: IncomingMessage) => (socket = response.socket as Socket));
    ws.on('error', onError);
    ws.once('close', onClose);
    ws.once('open', onOpen);
    return entry;
  }

  /** Forgets a connection as soon as it fails or closes, so the next acquire opens a new one. */
  #wrapHandler(inner: ConnectionHandler): ConnectionHandler {
    return {
      onMessage: (message, connection) => inner.onMessage(message, connection),
      onError: (error, connection) => {
        this.#forgetConnection(connection);
        inner.onError?.(error, connection);
      },
      onClose: (connection, error) => {
        this.#forgetConnection(connection);
        inner.onClose(connection, error);
      },
    };
  }

  #forgetConnection(connection: Connection): void {
    const entry = this.#byConnection.get(connection);
    if (entry !== undefined) this.#forget(entry);
  }

  #forget(entry: Entry): void {
    if (this.#byUrl.get(entry.url) === entry) this.#byUrl.delete(entry.url);
    if (entry.connection !== null) this.#byConnection.delete(entry.connection);
  }
}

/** The canonical form of a data server url (the map key); rejects anything but ws:// and wss://. */
function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a url: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`a data server url must be ws:// or wss://, got ${JSON.stringify(url)}`);
  }
  return parsed.href;
}

/** Fallback when the 'upgrade' response did not expose the socket: ws keeps it in a private field. */
function underlyingSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}
