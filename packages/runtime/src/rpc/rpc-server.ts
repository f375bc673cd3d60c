// The JobManager side of the control plane: a WebSocket server on RPC_PATH that checks every TaskManager message and hands it to one handler.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { TOKEN_HEADER } from '@sluice/network';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { RuntimeError } from '../errors.js';
import { RPC_PATH, type ExecutionState, type JobManagerToTaskManager, type TaskManagerToJobManager } from './messages.js';

/** Largest message the JobManager accepts from a TaskManager: heartbeats with metrics stay far below it. */
export const MAX_TASK_MANAGER_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Close code of a link whose peer broke the protocol (malformed or unexpected message). */
export const CLOSE_POLICY_VIOLATION = 1008;
/** Close code of every link when the JobManager shuts down. */
export const CLOSE_GOING_AWAY = 1001;

/** One TaskManager's control link, as the JobManager sees it. */
export interface RpcLink {
  /** Unique per server, for logs. */
  readonly id: number;
  /** `host:port` of the peer's socket (the TM's control connection, not its data port). */
  readonly remoteAddress: string;
  /** True when the upgrade request carried the right `x-sluice-token` (always false when no token is configured). */
  readonly hasValidTokenHeader: boolean;
  /** Sends one message as JSON text; false when the link is no longer open (the message is dropped). */
  send(message: JobManagerToTaskManager): boolean;
  /** Closes the link; `reason` is cut to what fits a close frame. The handler's `onLinkClose` follows. */
  close(code: number, reason: string): void;
}

/** What the {@link RpcServer} calls; every call is on the JobManager's main thread. */
export interface RpcServerHandler {
  /** A checked message from `link`. Throwing here is a bug: it is logged and the link is closed. */
  onMessage(link: RpcLink, message: TaskManagerToJobManager): void;
  /** `link` closed, whoever closed it; called once per link. */
  onLinkClose(link: RpcLink, code: number, reason: string): void;
}

/** Options of an {@link RpcServer}. */
export interface RpcServerOptions {
  /** Interface to bind (`jobmanager.rpc.address`). */
  host: string;
  /** Port to bind, 0 = pick (`jobmanager.rpc.port`). */
  port: number;
  /** `cluster.token`; when set, a matching upgrade header marks the link as authenticated. */
  token: string | undefined;
  logger: Logger;
  handler: RpcServerHandler;
  /** Default {@link MAX_TASK_MANAGER_MESSAGE_BYTES}. */
  maxPayloadBytes?: number;
}

/**
 * The JobManager's RPC endpoint: an HTTP server whose only resource is the WebSocket at {@link RPC_PATH}.
 *
 * ```
 *  HTTP (host:port) ── upgrade on /rpc ─► ws ─► RpcLink ── text message ─► parseTaskManagerMessage ─► handler.onMessage
 *                  └─ anything else ─► 404 / 426                            └─ malformed ─► close(1008, reason), logged
 * ```
 *
 * Links are independent: one that misbehaves is closed on its own, the others go on.
 *
 * Owned by: the JobManager process, main thread.
 */
export class RpcServer {
  readonly #options: RpcServerOptions;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #tokenDigest: Buffer | null;
  readonly #links = new Map<WebSocket, RpcLink>();
  #nextLinkId = 1;
  #url: string | null = null;
  #isClosing = false;

  /** @param options - see {@link RpcServerOptions}. */
  constructor(options: RpcServerOptions) {
    this.#options = options;
    this.#tokenDigest = options.token === undefined ? null : digest(options.token);
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes ?? MAX_TASK_MANAGER_MESSAGE_BYTES,
    });
    this.#http = createServer((req, res) => {
      const status = new URL(req.url ?? '/', 'http://x').pathname === RPC_PATH ? 426 : 404;
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`Sluice JobManager RPC: WebSocket at ${RPC_PATH} only\n`);
    });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onUpgrade(req, socket, head));
    this.#http.on('clientError', (_error, socket: Socket) => socket.destroy());
  }

  /** Starts listening; resolves with `ws://host:port/rpc` (the real port when 0 was asked for). */
  listen(): Promise<string> {
    if (this.#url !== null) return Promise.resolve(this.#url);
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.port, this.#options.host, () => {
        this.#http.off('error', reject);
        const { port } = this.#http.address() as AddressInfo;
        this.#url = `ws://${hostForUrl(this.#options.host)}:${port}${RPC_PATH}`;
        resolve(this.#url);
      });
    });
  }

  /** The live links (a snapshot). */
  get links(): readonly RpcLink[] {
    return [...this.#links.values()];
  }

  /** Closes every link with 1001 (each one's `onLinkClose` runs) and stops listening. */
  async close(): Promise<void> {
    this.#isClosing = true;
    const closed = [...this.#links.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(CLOSE_GOING_AWAY, 'JobManager shutting down');
          setTimeout(() => ws.terminate(), 2000).unref();
        }),
    );
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => (this.#http.listening ? this.#http.close(() => resolve()) : resolve()));
  }

  // ---- Accepting ----------------------------------------------------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.#isClosing) return refuse(socket, 503, 'Service Unavailable', 'the JobManager is shutting down');
    if (new URL(req.url ?? '/', 'http://x').pathname !== RPC_PATH) return refuse(socket, 404, 'Not Found', `the RPC endpoint is ${RPC_PATH}`);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req));
  }

  #onConnection(ws: WebSocket, req: IncomingMessage): void {
    const remote = req.socket.remoteAddress ?? 'unknown';
    const remoteAddress = `${hostForUrl(remote)}:${req.socket.remotePort ?? 0}`;
    const given = req.headers[TOKEN_HEADER];
    const hasValidTokenHeader = this.#tokenDigest !== null && typeof given === 'string' && timingSafeEqual(digest(given), this.#tokenDigest);
    const logger = this.#options.logger;
    const link: RpcLink = {
      id: this.#nextLinkId++,
      remoteAddress,
      hasValidTokenHeader,
      send: (message) => {
        if (ws.readyState !== ws.OPEN) return false;
        ws.send(JSON.stringify(message));
        return true;
      },
      close: (code, reason) => {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, cutReason(reason));
      },
    };
    this.#links.set(ws, link);
    logger.debug({ link: link.id, remoteAddress }, 'RPC link opened');
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(link, data, isBinary));
    ws.on('error', (error) => logger.warn({ link: link.id, remoteAddress, err: error }, `RPC link ${remoteAddress} failed: ${error.message}`));
    ws.once('close', (code: number, reason: Buffer) => {
      this.#links.delete(ws);
      const text = reason.toString('utf8');
      logger.debug({ link: link.id, remoteAddress, code, reason: text }, 'RPC link closed');
      try {
        this.#options.handler.onLinkClose(link, code, text);
      } catch (error) {
        logger.error({ err: error, link: link.id }, 'RPC handler failed on a closed link');
      }
    });
    if (this.#isClosing) ws.close(CLOSE_GOING_AWAY, 'JobManager shutting down');
  }

  #onMessage(link: RpcLink, data: RawData, isBinary: boolean): void {
    let message: TaskManagerToJobManager;
    try {
      if (isBinary) throw protocolError('expected a JSON text message, got a binary one');
      message = parseTaskManagerMessage(rawToString(data));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.logger.warn({ link: link.id, remoteAddress: link.remoteAddress }, `closing RPC link ${link.remoteAddress}: ${reason}`);
      link.close(CLOSE_POLICY_VIOLATION, reason);
      return;
    }
    try {
      this.#options.handler.onMessage(link, message);
    } catch (error) {
      this.#options.logger.error({ err: error, link: link.id, type: message.type }, `RPC handler failed on ${message.type}; closing the link`);
      link.close(1011, 'internal error in the JobManager');
    }
  }
}

// ---- Message checks ---------------------------------------------------------------------------------------------

const EXECUTION_STATES: ReadonlySet<string> = new Set<ExecutionState>(['DEPLOYING', 'INITIALIZING', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELING', 'CANCELED']);

/** Longest id (resource id, job id, execution id) the JobManager accepts. */
const MAX_ID_LENGTH = 256;

/**
 * Parses and checks one TaskManager → JobManager message (rpc/messages.ts): JSON, a known `type`, and every field
 * of that type with the right JSON type. Unknown extra fields are kept.
 *
 * @throws RuntimeError `ERR_RT_RPC_PROTOCOL` naming the first problem.
 */
export function parseTaskManagerMessage(text: string): TaskManagerToJobManager {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError(`message is not JSON (${(error as Error).message})`);
  }
  if (!isRecord(value)) throw protocolError('message is not a JSON object');
  const check = new FieldCheck(value);
  switch (value.type) {
    case 'RegisterTaskManager':
      check.id('resourceId');
      check.string('host');
      check.wsUrl('dataUrl');
      check.integer('numSlots', 1, 1024);
      check.integer('pid', 0, Number.MAX_SAFE_INTEGER);
      check.optionalString('token');
      break;
    case 'Heartbeat':
      check.id('resourceId');
      if (value.tasks !== undefined) {
        if (!Array.isArray(value.tasks)) throw protocolError('Heartbeat.tasks must be an array');
        for (const task of value.tasks) {
          if (!isRecord(task) || typeof task.jobId !== 'string' || typeof task.executionId !== 'string' || !isRecord(task.metrics)) {
            throw protocolError('Heartbeat.tasks[] must be { jobId: string, executionId: string, metrics: { [name]: number } }');
          }
          for (const metric of Object.values(task.metrics)) {
            if (typeof metric !== 'number' && metric !== null) throw protocolError('Heartbeat metrics must be numbers');
          }
          if (task.channels !== undefined && (!Array.isArray(task.channels) || !task.channels.every(isNumberRecord))) {
            throw protocolError('Heartbeat.tasks[].channels must be an array of { [name]: number }');
          }
        }
      }
      if (value.taskManager !== undefined && !isNumberRecord(value.taskManager)) throw protocolError('Heartbeat.taskManager must be { [name]: number }');
      break;
    case 'TaskExecutionState':
      check.id('jobId');
      check.id('executionId');
      check.integer('attemptNumber', 0, Number.MAX_SAFE_INTEGER);
      if (typeof value.state !== 'string' || !EXECUTION_STATES.has(value.state)) {
        throw protocolError(`TaskExecutionState.state must be one of ${[...EXECUTION_STATES].join(', ')}, got ${JSON.stringify(value.state)}`);
      }
      if (value.error !== undefined) {
        const error = value.error;
        if (!isRecord(error) || typeof error.message !== 'string' || typeof error.name !== 'string') {
          throw protocolError('TaskExecutionState.error must be { name: string, message: string, stack?, code? }');
        }
      }
      break;
    default:
      throw protocolError(`unknown message type ${JSON.stringify(value.type)}`);
  }
  return value as unknown as TaskManagerToJobManager;
}

/** Field checks of one message, each throwing `ERR_RT_RPC_PROTOCOL` with `Type.field`. */
class FieldCheck {
  readonly #value: Record<string, unknown>;
  constructor(value: Record<string, unknown>) {
    this.#value = value;
  }
  #fail(field: string, expected: string): never {
    throw protocolError(`${String(this.#value.type)}.${field} must be ${expected}, got ${JSON.stringify(this.#value[field]) ?? 'nothing'}`);
  }
  string(field: string): void {
    if (typeof this.#value[field] !== 'string') this.#fail(field, 'a string');
  }
  optionalString(field: string): void {
    if (this.#value[field] !== undefined && typeof this.#value[field] !== 'string') this.#fail(field, 'a string');
  }
  id(field: string): void {
    const v = this.#value[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) this.#fail(field, `a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  integer(field: string, min: number, max: number): void {
    const v = this.#value[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.#fail(field, `an integer in [${min}, ${max}]`);
  }
  wsUrl(field: string): void {
    const v = this.#value[field];
    let isOk = false;
    if (typeof v === 'string') {
      try {
        const url = new URL(v);
        isOk = (url.protocol === 'ws:' || url.protocol === 'wss:') && url.port !== '';
      } catch {
        isOk = false;
      }
    }
    if (!isOk) this.#fail(field, 'a ws:// or wss:// url with a port');
  }
}

function protocolError(message: string): RuntimeError {
  return new RuntimeError('ERR_RT_RPC_PROTOCOL', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object whose every value is a number (heartbeat metrics). */
function isNumberRecord(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every((entry) => typeof entry === 'number');
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

// ---- Helpers ------------------------------------------------------------------------------------------------------

/** A host as it appears in a url: IPv6 in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A close reason cut to the 123 bytes a close frame holds. */
function cutReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}

/** Answers an upgrade request with an HTTP error; the WebSocket never opens. */
function refuse(socket: Socket, status: number, statusText: string, body: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** SHA-256 of a token, so `timingSafeEqual` compares equal lengths whatever was sent. */
export function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
