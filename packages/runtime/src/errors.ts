// Stable, coded errors of the runtime package; every code is listed in packages/runtime/README.md.

/** Every error code the runtime package throws. Codes are stable; messages name the cause. */
export const RUNTIME_ERROR_CODES = [
  'ERR_RT_BAD_OPTION',
  'ERR_RT_BAD_SHAPE',
  'ERR_RT_SERIALIZE',
  'ERR_RT_DESERIALIZE',
  'ERR_RT_BAD_ARGUMENT',
  'ERR_RT_BAD_GRAPH',
  'ERR_RT_BAD_KEY',
  'ERR_RT_NO_EXECUTOR',
  'ERR_RT_BAD_CONFIG',
  'ERR_RT_NOT_IMPLEMENTED',
  'ERR_RT_NOT_ENOUGH_SLOTS',
  'ERR_RT_UNKNOWN_JOB',
  'ERR_RT_BAD_REQUEST',
  'ERR_RT_UNAUTHORIZED',
  'ERR_RT_NOT_FOUND',
  'ERR_RT_METHOD_NOT_ALLOWED',
  'ERR_RT_PAYLOAD_TOO_LARGE',
  'ERR_RT_JOB_NOT_RUNNING',
  'ERR_RT_INTERNAL',
  'ERR_RT_TM_LOST',
  'ERR_RT_RPC_PROTOCOL',
  'ERR_RT_JM_UNREACHABLE',
  'ERR_RT_JM_SHUTDOWN',
  'ERR_RT_DEPLOY',
  'ERR_RT_WORKER_DIED',
  'ERR_RT_UNKNOWN_OPERATOR',
  'ERR_RT_NO_EXECUTE',
  'ERR_RT_JOB_BUILD',
  'ERR_RT_REST',
  'ERR_RT_JOB_FAILED',
  'ERR_RT_JOB_CANCELED',
  'ERR_RT_CLUSTER_START',
] as const;

export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[number];

/** The one error class of the runtime package; `code` is stable, `message` names the cause. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
