// The TaskManager side of the control plane: one WebSocket to the JobManager's RPC endpoint, JSON messages both ways.

import { TOKEN_HEADER } from '@sluice/network';
import { WebSocket, type RawData } from 'ws';
import { RuntimeError } from '../errors.js';
import type { JobManagerToTaskManager, TaskManagerToJobManager } from './messages.js';

/**
 * Largest message a TaskManager accepts from the JobManager. `DeployJobCode` carries the bundled job, which the
 * REST API caps at 64 MiB of request body; the rest is headroom for the descriptor around it.
 */
export const MAX_JOB_MANAGER_MESSAGE_BYTES = 80 * 1024 * 1024;

/** Options of {@link connectToJobManager}. */
export interface RpcClientOptions {
  /** `cluster.token`, sent as the `x-sluice-token` upgrade header (put it in `RegisterTaskManager.token` too). */
  token?: string | undefined;
  /** Every message from the JobManager, parsed and checked for a known `type`. Called on the TM main thread. */
  onMessage(message: JobManagerToTaskManager): void;
  /**
   * The link closed without {@link RpcClient.close} being called: the JobManager went away, rejected us
   * (`RegistrationRejected` comes first), or sent a malformed message (`code` 1008, `reason` says which).
   * Called once.
   */
  onClose?(code: number, reason: string): void;
  /** How long the opening handshake may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Default {@link MAX_JOB_MANAGER_MESSAGE_BYTES}. */
  maxPayloadBytes?: number;
}

/** An open control link to the JobManager. */
export interface RpcClient {
  /** Sends one message as JSON text; false (and nothing sent) when the link is no longer open. */
  send(message: TaskManagerToJobManager): boolean;
  /** Closes the link (1000) and resolves once it is closed; `onClose` is not called. */
  close(): Promise<void>;
  /** Whether the link is open. */
  readonly isOpen: boolean;
}

const JM_MESSAGE_TYPES: ReadonlySet<string> = new Set<JobManagerToTaskManager['type']>([
  'RegistrationSuccess',
  'RegistrationRejected',
  'DeployJobCode',
  'SubmitTask',
  'CancelTask',
  'ReleaseJob',
  'SetThrottle',
]);

/**
 * Opens the control link to the JobManager at `url` (`ws://host:port/rpc`) and resolves once it is open; the caller
 * then sends `RegisterTaskManager`.
 *
 * A message that is not JSON or has no known `type` closes the link with 1008 (a JobManager bug or a wrong peer);
 * `SetThrottle.recordsPerSecond` arrives as `null` for Infinity (JSON has no Infinity) and is turned back into it.
 *
 * @throws RuntimeError `ERR_RT_JM_UNREACHABLE` naming the url and the cause (refused, timed out, 401, 404…).
 */
export function connectToJobManager(url: string, options: RpcClientOptions): Promise<RpcClient> {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes ?? MAX_JOB_MANAGER_MESSAGE_BYTES,
    handshakeTimeout: options.connectTimeoutMs ?? 10_000,
    followRedirects: false,
    ...(options.token === undefined ? {} : { headers: { [TOKEN_HEADER]: options.token } }),
  });
  let isClosedLocally = false;

  const client: RpcClient = {
    send(message) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    close() {
      isClosedLocally = true;
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'TaskManager closing');
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
  };

  return new Promise((resolve, reject) => {
    const fail = (cause: string, error?: Error): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(new RuntimeError('ERR_RT_JM_UNREACHABLE', `cannot reach the JobManager at ${url}: ${cause}`, { cause: error }));
    };
    ws.once('unexpected-response', (_req, res) => {
      const hint = res.statusCode === 401 ? ' (missing or wrong cluster token)' : res.statusCode === 404 ? ' (not a Sluice RPC endpoint)' : '';
      fail(`HTTP ${res.statusCode}${hint}`);
    });
    ws.once('error', (error: Error) => fail(describeConnectError(error), error));
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.removeAllListeners('unexpected-response');
      ws.on('error', () => undefined); // 'close' follows and says what happened
      ws.on('message', (data: RawData, isBinary: boolean) => {
        let message: JobManagerToTaskManager;
        try {
          message = parseJobManagerMessage(data, isBinary);
        } catch (error) {
          ws.close(1008, (error as Error).message.slice(0, 120));
          return;
        }
        options.onMessage(message);
      });
      ws.once('close', (code: number, reason: Buffer) => {
        if (!isClosedLocally) options.onClose?.(code, reason.toString('utf8'));
      });
      resolve(client);
    });
  });
}

/** Parses one JobManager → TaskManager message; throws when it is not JSON or its `type` is unknown. */
function parseJobManagerMessage(data: RawData, isBinary: boolean): JobManagerToTaskManager {
  if (isBinary) throw new RuntimeError('ERR_RT_RPC_PROTOCOL', 'expected a JSON text message');
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RuntimeError('ERR_RT_RPC_PROTOCOL', 'message is not JSON');
  }
  if (typeof value !== 'object' || value === null || !JM_MESSAGE_TYPES.has((value as { type?: unknown }).type as string)) {
    throw new RuntimeError('ERR_RT_RPC_PROTOCOL', `unknown message type ${JSON.stringify((value as { type?: unknown } | null)?.type)}`);
  }
  const message = value as JobManagerToTaskManager;
  if (message.type === 'SetThrottle' && (message.recordsPerSecond as number | null) === null) message.recordsPerSecond = Infinity;
  return message;
}

function describeConnectError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the JobManager running, and is jobmanager.rpc.address/port right?)';
  if (code === 'ENOTFOUND') return 'host not found';
  if (/handshake has timed out/i.test(error.message)) return 'the handshake timed out';
  return error.message;
}
