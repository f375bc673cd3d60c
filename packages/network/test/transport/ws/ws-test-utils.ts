// Helpers for the WebSocket transport tests: a recording ConnectionHandler, servers and managers on 127.0.0.1 port 0.

import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { NetworkError } from '../../../src/errors.js';
import { randomId, type AbstractId } from '../../../src/ids.js';
import { DATA_TYPE } from '../../../src/protocol/constants.js';
import type { NetworkMessage } from '../../../src/protocol/messages.js';
import type { Connection, ConnectionHandler } from '../../../src/transport/transport.js';
import {
  ConnectionManager,
  DataServer,
  type ConnectionManagerOptions,
  type DataServerOptions,
  WsConnection,
  resolveWsTransportOptions,
} from '../../../src/transport/ws/index.js';

/** A ConnectionHandler that records everything and lets a test await it. */
export class RecordingHandler implements ConnectionHandler {
  readonly messages: NetworkMessage[] = [];
  readonly errors: NetworkError[] = [];
  connection: Connection | null = null;
  isClosed = false;
  closeError: NetworkError | null = null;
  /** Called after each message is recorded (e.g. to reply). */
  onEach: ((message: NetworkMessage, connection: Connection) => void) | null = null;
  readonly #closed: Promise<NetworkError | null>;
  #resolveClosed!: (error: NetworkError | null) => void;

  constructor() {
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  onMessage(message: NetworkMessage, connection: Connection): void {
    this.messages.push(message.type === 'BufferResponse' ? { ...message, payload: message.payload.slice() } : message);
    this.onEach?.(message, connection);
  }

  onError(error: NetworkError): void {
    this.errors.push(error);
  }

  onClose(connection: Connection, error: NetworkError | null): void {
    if (this.isClosed) throw new Error('onClose called twice');
    this.connection = connection;
    this.isClosed = true;
    this.closeError = error;
    this.#resolveClosed(error);
  }

  /** Resolves with the close error once onClose ran. */
  closed(): Promise<NetworkError | null> {
    return this.#closed;
  }

  /** Resolves once at least `n` messages arrived. */
  async waitForMessages(n: number, timeoutMs = 5_000): Promise<NetworkMessage[]> {
    await waitFor(() => this.messages.length >= n, timeoutMs, () => `${this.messages.length} of ${n} messages`);
    return this.messages;
  }
}

/** Polls `condition` every few ms until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms${describe ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A server whose accepted connections each get a fresh RecordingHandler (in `handlers`, in accept order). */
export async function startServer(options: Partial<DataServerOptions> = {}): Promise<{
  server: DataServer;
  url: string;
  handlers: RecordingHandler[];
}> {
  const handlers: RecordingHandler[] = [];
  const server = new DataServer({
    ...options,
    createHandler: (connection) => {
      const handler = new RecordingHandler();
      handler.connection = connection;
      handlers.push(handler);
      return handler;
    },
  });
  const { url } = await server.listen();
  return { server, url, handlers };
}

/** A client manager whose connections each get a fresh RecordingHandler (in `handlers`, in open order). */
export function startManager(options: Partial<ConnectionManagerOptions> = {}): {
  manager: ConnectionManager;
  handlers: RecordingHandler[];
} {
  const handlers: RecordingHandler[] = [];
  const manager = new ConnectionManager({
    ...options,
    createHandler: (connection) => {
      const handler = new RecordingHandler();
      handler.connection = connection;
      handlers.push(handler);
      return handler;
    },
  });
  return { manager, handlers };
}

/** A plain ws client (no Sluice logic), open, with its TCP socket. Deflate off, random masks (ws's default). */
export async function openRawClient(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; socket: Socket }> {
  const ws = new WebSocket(url, { perMessageDeflate: false, headers });
  let socket: Socket | null = null;
  ws.once('upgrade', (response) => (socket = response.socket));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, socket: socket! };
}

/**
 * A raw ws client wrapped in a client-side WsConnection with a RecordingHandler, so a test can both send bytes
 * the transport would never produce (`ws.send`) and observe what the Sluice side of the client reports.
 * `received` collects the decoded frames the server sent, as bytes, before the WsConnection interprets them.
 */
export async function openWrappedRawClient(url: string): Promise<{
  ws: WebSocket;
  connection: WsConnection;
  handler: RecordingHandler;
  received: Uint8Array[];
  closeCode: Promise<{ code: number; reason: string }>;
}> {
  const { ws, socket } = await openRawClient(url);
  const received: Uint8Array[] = [];
  ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
  const closeCode = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  const handler = new RecordingHandler();
  const connection = new WsConnection(
    ws,
    { role: 'client', remoteAddress: url, socket, transport: resolveWsTransportOptions({}) },
    () => handler,
  );
  return { ws, connection, handler, received, closeCode };
}

/** A data BufferResponse for `receiverId` carrying `payload`. */
export function bufferResponse(receiverId: AbstractId, sequenceNumber: number, payload: Uint8Array): NetworkMessage {
  return { type: 'BufferResponse', receiverId, sequenceNumber, backlog: 0, dataType: DATA_TYPE.DATA_BUFFER, payload };
}

/** An AddCredit for a fresh receiver. */
export function addCredit(credit = 1, receiverId: AbstractId = randomId()): NetworkMessage {
  return { type: 'AddCredit', credit, receiverId };
}
