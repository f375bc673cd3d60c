// The producer TaskManager's WebSocket server: accepts one connection per consumer TaskManager and wraps each in a WsConnection.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  resolveWsTransportOptions,
  TOKEN_HEADER,
  type ConnectionHandlerFactory,
  type ResolvedWsTransportOptions,
  type WsTransportOptions,
} from '../transport.js';
import { serverWsOptions } from './ws-options.js';
import { WsConnection } from './ws-connection.js';

/** Options of a {@link DataServer}. */
export interface DataServerOptions extends WsTransportOptions {
  /** Interface to bind. Default `'127.0.0.1'`: nothing is reachable off the machine unless asked for. */
  host?: string;
  /** Port to bind. Default 0: the OS picks a free one ({@link DataServer.listen} returns it). */
  port?: number;
  /** Makes the handler of each accepted connection (the credit or legacy server logic). */
  createHandler: ConnectionHandlerFactory;
}

/** Where a {@link DataServer} listens. */
export interface DataServerAddress {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port`, what a consumer TM passes to `ConnectionManager.acquire`. */
  readonly url: string;
}

/**
 * The WebSocket server of one producer TaskManager (PROTOCOL.md §1): every consumer TM opens one connection to it
 * and multiplexes all its channels over it.
 *
 * ```
 *  HTTP server (host:port) ── 'upgrade' ─► token check (401 if set and wrong) ─► ws handleUpgrade
 *                                                                   ─► WsConnection(createHandler) ─► connections
 *  other HTTP requests ─► 426 Upgrade Required
 * ```
 *
 * Connections are independent: one failing (bad frame, lost peer) is closed on its own while the others go on.
 *
 * Owned by: the TaskManager main thread.
 */
export class DataServer {
  readonly #options: ResolvedWsTransportOptions;
  readonly #host: string;
  readonly #port: number;
  readonly #createHandler: ConnectionHandlerFactory;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #tokenDigest: Buffer | null;
  readonly #connections = new Set<WsConnection>();
  #address: DataServerAddress | null = null;
  #isClosing = false;

  /**
   * @param options - see {@link DataServerOptions}; host default `'127.0.0.1'`, port default 0, transport
   *   defaults from `DEFAULT_WS_TRANSPORT_OPTIONS`.
   * @throws RangeError/TypeError on an invalid option.
   */
  constructor(options: DataServerOptions) {
    const { host = '127.0.0.1', port = 0, createHandler, ...transport } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
    if (typeof createHandler !== 'function') throw new TypeError('createHandler must be a function');
    this.#options = resolveWsTransportOptions(transport);
    this.#host = host;
    this.#port = port;
    this.#createHandler = createHandler;
    this.#tokenDigest = this.#options.token === undefined ? null : digest(this.#options.token);
    this.#wss = new WebSocketServer(serverWsOptions(this.#options));
    this.#http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('Sluice data port: WebSocket only\n');
    });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onUpgrade(req, socket, head));
    this.#http.on('clientError', (_error, socket: Socket) => socket.destroy());
  }

  /** Starts listening; resolves with the bound address (the real port when 0 was asked for). */
  listen(): Promise<DataServerAddress> {
    if (this.#address !== null) return Promise.resolve(this.#address);
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#http.once('error', onError);
      this.#http.listen(this.#port, this.#host, () => {
        this.#http.off('error', onError);
        const { port } = this.#http.address() as AddressInfo;
        const host = this.#host;
        this.#address = { host, port, url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}` };
        resolve(this.#address);
      });
    });
  }

  /** The bound address, or null before {@link listen} resolved. */
  get address(): DataServerAddress | null {
    return this.#address;
  }

  /** The live connections (a snapshot). */
  get connections(): readonly WsConnection[] {
    return [...this.#connections];
  }

  /**
   * Stops accepting, closes every connection (close code 1001: their clients fail their channels with
   * `ERR_NET_PEER_LOST`) and resolves once all are closed and the port is free. Connections whose peer does not
   * answer the close are destroyed after `closeTimeoutMs`.
   */
  async close(): Promise<void> {
    this.#isClosing = true;
    const closed = this.connections.map((connection) => {
      connection.close();
      return connection.whenClosed();
    });
    const httpClosed = new Promise<void>((resolve) => {
      if (!this.#http.listening) resolve();
      else this.#http.close(() => resolve());
    });
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await httpClosed;
  }

  // ---- Accepting ----------------------------------------------------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy()); // before the WebSocket owns it: a reset peer must not crash us
    if (this.#isClosing) {
      refuse(socket, 503, 'Service Unavailable', 'the data server is shutting down');
      return;
    }
    if (this.#tokenDigest !== null && !this.#hasToken(req)) {
      refuse(socket, 401, 'Unauthorized', `missing or wrong ${TOKEN_HEADER} header`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req, socket));
  }

  #hasToken(req: IncomingMessage): boolean {
    const given = req.headers[TOKEN_HEADER];
    if (typeof given !== 'string') return false;
    return timingSafeEqual(digest(given), this.#tokenDigest!);
  }

  #onConnection(ws: WebSocket, req: IncomingMessage, socket: Socket): void {
    if (this.#isClosing) {
      ws.terminate();
      return;
    }
    const remote = req.socket.remoteAddress ?? 'unknown';
    const remoteAddress = `${remote.includes(':') ? `[${remote}]` : remote}:${req.socket.remotePort ?? 0}`;
    let connection: WsConnection;
    try {
      connection = new WsConnection(ws, { role: 'server', remoteAddress, socket, transport: this.#options }, this.#createHandler);
    } catch (error) {
      // A throwing handler factory is a bug; it costs this connection only (1011 = internal error), not the server.
      ws.close(1011);
      process.emitWarning(`DataServer: createHandler threw for ${remoteAddress}: ${String(error)}`, 'SluiceNetworkWarning');
      return;
    }
    this.#connections.add(connection);
    void connection.whenClosed().then(() => this.#connections.delete(connection));
  }
}

/** Answers an upgrade request with an HTTP error and ends the socket; the WebSocket never opens. */
function refuse(socket: Socket, status: number, statusText: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** SHA-256 of a token, so `timingSafeEqual` compares equal lengths whatever was sent. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
