// What a REST handler receives and returns: the seam between rest-server.ts (HTTP) and handlers/*.ts (JSON about the cluster).

import { RuntimeError, type RuntimeErrorCode } from '../errors.js';
import type { JobManager } from '../jobmanager/job-manager.js';
import type { RegisteredTaskManager } from '../jobmanager/task-manager-registry.js';

/** One parsed request, as a handler sees it. */
export interface RestRequest {
  /** Path parameters by name (`:jobid` → `params.jobid`), decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body of POST/PATCH, or undefined when there is none. */
  readonly body: unknown;
}

/** A handler's answer: status and JSON body, or a text/bytes body of `contentType` (Prometheus, the web UI). */
export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
  /** Set for a body sent as is (a string or Buffer); absent: the body is JSON. */
  readonly contentType?: string;
}

/** What every handler may use. */
export interface RestContext {
  readonly jobManager: JobManager;
}

/** One route's handler; it throws a `RuntimeError` for every error answer (see {@link statusOf}). */
export type RestHandler = (request: RestRequest, context: RestContext) => RestResponse | Promise<RestResponse>;

/** One route: method, path pattern with `:name` segments, handler. */
export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** `/jobs/:jobid/plan`. */
  readonly path: string;
  readonly handler: RestHandler;
}

/** HTTP status of each error code a handler or the server throws; any other code is a 500. */
const STATUS_BY_CODE: Partial<Record<RuntimeErrorCode, number>> = {
  ERR_RT_BAD_REQUEST: 400,
  ERR_RT_BAD_ARGUMENT: 400,
  ERR_RT_BAD_GRAPH: 400,
  ERR_RT_UNAUTHORIZED: 401,
  ERR_RT_UNKNOWN_JOB: 404,
  ERR_RT_NOT_FOUND: 404,
  ERR_RT_METHOD_NOT_ALLOWED: 405,
  ERR_RT_NOT_ENOUGH_SLOTS: 409,
  ERR_RT_JOB_NOT_RUNNING: 409,
  ERR_RT_PAYLOAD_TOO_LARGE: 413,
  ERR_RT_JM_SHUTDOWN: 503,
};

/** The HTTP status that answers `error`: its code's status, else 500. */
export function statusOf(error: unknown): number {
  return error instanceof RuntimeError ? (STATUS_BY_CODE[error.code] ?? 500) : 500;
}

/** A job id as Flink writes it: 32 lower-case hex digits. */
const JOB_ID = /^[0-9a-f]{32}$/;

/**
 * The `:jobid` parameter, checked.
 *
 * @throws RuntimeError `ERR_RT_BAD_REQUEST` when it is not 32 hex digits (an unknown but well-formed id is the
 *   JobManager's 404).
 */
export function jobIdParam(request: RestRequest): string {
  const jobId = request.params.jobid ?? '';
  if (!JOB_ID.test(jobId)) throw new RuntimeError('ERR_RT_BAD_REQUEST', `job id must be 32 lower-case hex digits, got ${JSON.stringify(jobId.slice(0, 80))}`);
  return jobId;
}

/**
 * The registered TaskManager the path's `:taskmanagerid` names.
 * @throws RuntimeError `ERR_RT_NOT_FOUND` when no TaskManager with that id is registered
 */
export function taskManagerParam(request: RestRequest, jobManager: JobManager): RegisteredTaskManager {
  const resourceId = request.params.taskmanagerid ?? '';
  const tm = jobManager.registry.get(resourceId);
  if (tm === undefined) throw new RuntimeError('ERR_RT_NOT_FOUND', `no TaskManager with id ${JSON.stringify(resourceId.slice(0, 80))} is registered`);
  return tm;
}
