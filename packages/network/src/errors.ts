// Stable, coded errors of the network package; every code is listed in packages/network/README.md.

/**
 * Every error code the network package throws or sends. Codes are stable: tests, logs and peers match on
 * them, never on messages. `scope` says what an error ends (Flink's `isFatalError`): `connection` closes the
 * whole multiplexed connection, `channel` fails one input channel, `local` is a programming error in the
 * calling thread.
 */
export const NETWORK_ERROR_CODES = {
  ERR_NET_BAD_OPTION: 'local',
  ERR_NET_BAD_MEMORY: 'local',
  ERR_NET_EVENT_TOO_LARGE: 'local',
  ERR_NET_DOUBLE_RECYCLE: 'local',
  ERR_NET_FOREIGN_SEGMENT: 'local',
  ERR_NET_POOL_EXHAUSTED: 'local',
  ERR_NET_POOL_DESTROYED: 'local',
  ERR_NET_SEGMENT_LEAK: 'local',
  ERR_NET_TABLE_FULL: 'local',
  ERR_NET_PARTITION_FINISHED: 'local',
  ERR_NET_BAD_MAGIC: 'connection',
  ERR_NET_BAD_VERSION: 'connection',
  ERR_NET_UNKNOWN_MESSAGE: 'connection',
  ERR_NET_FRAME_TOO_LARGE: 'connection',
  ERR_NET_MALFORMED_FRAME: 'connection',
  ERR_NET_NO_CREDIT: 'connection',
  ERR_NET_UNKNOWN_RECEIVER: 'channel',
  ERR_NET_PARTITION_NOT_FOUND: 'channel',
  ERR_NET_SEQUENCE_GAP: 'channel',
  ERR_NET_PEER_LOST: 'channel',
  ERR_NET_REMOTE: 'channel',
} as const;

export type NetworkErrorCode = keyof typeof NETWORK_ERROR_CODES;
export type NetworkErrorScope = (typeof NETWORK_ERROR_CODES)[NetworkErrorCode];

/** The one error class of the network package; `code` is stable, `message` names the cause. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly code: NetworkErrorCode;

  constructor(code: NetworkErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }

  /** What this error ends: the connection, one channel, or nothing beyond the calling code. */
  get scope(): NetworkErrorScope {
    return NETWORK_ERROR_CODES[this.code];
  }
}

/** The plain shape of an error that crosses postMessage or the wire (class identity does not survive). */
export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  stack?: string;
}

/** Turns any thrown value into the plain shape that crosses threads and sockets. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, stack: error.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
