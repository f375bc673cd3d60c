// The client side of the JobManager's REST API (Flink's paths), used by `sluice run/list/cancel`, the tests and the experiment.
import { setTimeout as sleep } from 'node:timers/promises';
import { TOKEN_HEADER } from '@sluice/network';
import { RUNTIME_ERROR_CODES, RuntimeError, type RuntimeErrorCode } from '../errors.js';
import {
  isTerminalJobStatus,
  TERMINAL_JOB_STATES,
  type ClusterOverview,
  type JobDetails,
  type JobGraphJson,
  type JobExceptionsInfo,
  type JobIdWithStatus,
  type JobStatus,
  type JobSubmitRequest,
  type JobSubmitResponse,
  type JobSummary,
  type JobVertexBackPressureInfo,
  type RestError,
  type TaskManagerDetailsInfo,
  type TaskManagerInfo,
} from '../rest/rest-types.js';

// Defined next to JobStatus; re-exported so the client's users (the CLI, top, the experiment) find them here.
export { isTerminalJobStatus, TERMINAL_JOB_STATES };

/** One entry of `GET /jobs/overview` (Flink's JobDetails summary): what `sluice list` prints. */
export type JobOverview = JobSummary;

/** Options of {@link RestClient}. */
export interface RestClientOptions {
  /** `cluster.token`, sent in the `x-sluice-token` header (the network package's `TOKEN_HEADER`, as on the RPC and data connections); default none (fine on loopback). */
  token?: string;
  /** Longest wait for one answer before the JobManager counts as unreachable; default 30 000 ms. */
  timeoutMs?: number;
}

/** Options of {@link RestClient.waitForJobEnd}. */
export interface WaitForJobEndOptions {
  /** Time between two `GET /jobs/:id`; default 500 ms. */
  pollMs?: number;
  /** Stops waiting, also in the middle of a request (the job is not touched): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the details whenever the state differs from the last one seen (the first poll included). */
  onStateChange?: (details: JobDetails, previousState: JobStatus | undefined) => void;
}

/** The error a non-2xx answer becomes: a RuntimeError with the server's code, plus the HTTP status. */
export type RestCallError = RuntimeError & { readonly httpStatus: number };

/**
 * A small client of the JobManager's REST API over the global `fetch`: one method per endpoint, JSON in and
 * out. A non-2xx answer becomes a RuntimeError carrying the server's code (`ERR_RT_UNKNOWN_JOB`, …) and
 * message, with `httpStatus` set; a code this client does not know, or a body that is not JSON, becomes
 * `ERR_RT_REST`. No answer at all (refused, reset, timed out) is `ERR_RT_JM_UNREACHABLE`, naming the url.
 *
 * Stateless apart from its options; safe to share within the process that created it (the CLI client).
 */
export class RestClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  /**
   * @param baseUrl - `http://host:port` of the JobManager's REST API (a trailing `/` is fine)
   * @param options - token (default none), timeoutMs (default 30 000)
   */
  constructor(baseUrl: string | URL, options: RestClientOptions = {}) {
    this.baseUrl = String(baseUrl).replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `GET /overview`: TaskManagers, slots and job counts. */
  overview(): Promise<ClusterOverview> {
    return this.#request('GET', '/overview');
  }

  /** `GET /config`: the cluster's configuration by Flink key (the token redacted). */
  config(): Promise<Record<string, unknown>> {
    return this.#request('GET', '/config');
  }

  /** `GET /taskmanagers`: every registered TaskManager. */
  async taskManagers(): Promise<TaskManagerInfo[]> {
    return (await this.#request<{ taskmanagers: TaskManagerInfo[] }>('GET', '/taskmanagers')).taskmanagers;
  }

  /** `GET /taskmanagers/:id`: one registered TaskManager's entry plus its heartbeat `metrics` (network segments, heap); `ERR_RT_NOT_FOUND` (404) for an unknown id. */
  taskManager(resourceId: string): Promise<TaskManagerDetailsInfo> {
    return this.#request('GET', `/taskmanagers/${encodeURIComponent(resourceId)}`);
  }

  /** `GET /jobs`: every job's id and status. */
  async jobs(): Promise<JobIdWithStatus[]> {
    return (await this.#request<{ jobs: JobIdWithStatus[] }>('GET', '/jobs')).jobs;
  }

  /** `GET /jobs/overview`: every job's id, name, state and times, for `sluice list`. */
  async jobsOverview(): Promise<JobOverview[]> {
    return (await this.#request<{ jobs: JobOverview[] }>('GET', '/jobs/overview')).jobs;
  }

  /** `GET /jobs/:id`: one job's state, vertices and, once failed, its failure cause. */
  job(jobId: string): Promise<JobDetails> {
    return this.#request('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  /** `GET /jobs/:id/plan`: the job graph the job was submitted with. */
  async plan(jobId: string): Promise<JobGraphJson> {
    return (await this.#request<{ plan: JobGraphJson }>('GET', `/jobs/${encodeURIComponent(jobId)}/plan`)).plan;
  }

  /**
   * `GET /jobs/:id/exceptions[?maxExceptions=n]`: the job's failure (root exception, its FAILING time, the failed
   * subtasks' errors and Flink's exception history); null and empty lists for a job that has not failed.
   */
  jobExceptions(jobId: string, options: { maxExceptions?: number } = {}): Promise<JobExceptionsInfo> {
    const query = options.maxExceptions === undefined ? '' : `?maxExceptions=${options.maxExceptions}`;
    return this.#request('GET', `/jobs/${encodeURIComponent(jobId)}/exceptions${query}`);
  }

  /** `GET /jobs/:id/vertices/:vertexId/backpressure`: the vertex's backpressure level and each subtask's time ratios. */
  vertexBackPressure(jobId: string, vertexId: string): Promise<JobVertexBackPressureInfo> {
    return this.#request('GET', `/jobs/${encodeURIComponent(jobId)}/vertices/${encodeURIComponent(vertexId)}/backpressure`);
  }

  /**
   * `POST /jobs`: submits a bundled job.
   * @returns the id the JobManager gave the job
   */
  async submit(request: JobSubmitRequest): Promise<string> {
    return (await this.#request<JobSubmitResponse>('POST', '/jobs', request)).jobid;
  }

  /** `PATCH /jobs/:id?mode=cancel` (Flink's): asks the JobManager to cancel the job; resolves once accepted. */
  async cancel(jobId: string): Promise<void> {
    await this.#request('PATCH', `/jobs/${encodeURIComponent(jobId)}?mode=cancel`);
  }

  /**
   * `PATCH /jobs/:id/throttles` with `{ name, recordsPerSecond }`: changes a named rate of a running job (the
   * experiment's throttles) on every TaskManager running it. `Infinity` (unthrottled) travels as the string
   * `"Infinity"`: JSON has no Infinity.
   * @returns how many TaskManagers were told
   */
  async setThrottle(jobId: string, name: string, recordsPerSecond: number): Promise<number> {
    const body = { name, recordsPerSecond: Number.isFinite(recordsPerSecond) ? recordsPerSecond : String(recordsPerSecond) };
    return (await this.#request<{ taskmanagers: number }>('PATCH', `/jobs/${encodeURIComponent(jobId)}/throttles`, body)).taskmanagers;
  }

  /**
   * Polls `GET /jobs/:id` until the job is FINISHED, FAILED or CANCELED, and resolves with its last details;
   * FAILING and CANCELING are passing states (reported to `onStateChange` like any other).
   * Aborting `signal` only stops the waiting: the job keeps running.
   */
  async waitForJobEnd(jobId: string, options: WaitForJobEndOptions = {}): Promise<JobDetails> {
    const { pollMs = 500, signal, onStateChange } = options;
    let state: JobStatus | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const details = await this.#request<JobDetails>('GET', `/jobs/${encodeURIComponent(jobId)}`, undefined, signal);
      if (details.state !== state) {
        onStateChange?.(details, state);
        state = details.state;
      }
      if (isTerminalJobStatus(details.state)) return details;
      await sleep(pollMs, undefined, { signal }).catch((error: unknown) => {
        throw signal?.aborted ? signal.reason : error; // the reason, not a generic AbortError
      });
    }
  }

  // ─────────────────────────────────────────── transport ───────────────────────────────────────────

  /** One call; `signal` (besides the timeout) lets a caller give up on it, rejecting with the signal's reason. */
  async #request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token !== undefined) headers[TOKEN_HEADER] = this.#token;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal === undefined ? AbortSignal.timeout(this.#timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw unreachable(this.baseUrl, method, path, error, this.#timeoutMs);
    }
    if (!response.ok) throw restError(response.status, method, url, text);
    if (text === '') return undefined as T; // 202 Accepted without a body (cancel)
    try {
      return JSON.parse(text) as T;
    } catch {
      throw withStatus(new RuntimeError('ERR_RT_REST', `${method} ${url} answered ${response.status} with something that is not JSON: ${abbreviate(text)}`), response.status);
    }
  }
}

function unreachable(baseUrl: string, method: string, path: string, error: unknown, timeoutMs: number): RuntimeError {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const name = (error as { name?: unknown }).name;
  const reason =
    name === 'TimeoutError'
      ? `no answer within ${timeoutMs} ms`
      : ((cause as { code?: unknown }).code === 'ECONNREFUSED' ? 'connection refused' : (cause as Error).message ?? String(cause));
  return new RuntimeError(
    'ERR_RT_JM_UNREACHABLE',
    `no JobManager answers at ${baseUrl} (${method} ${path}: ${reason}); is the cluster running? Start one with \`sluice cluster start\`, or point to it with --jobmanager URL`,
    { cause: error },
  );
}

/** A non-2xx answer as a RuntimeError: Flink's `{ errors: [...] }` plus our `code`. */
function restError(status: number, method: string, url: string, text: string): RestCallError {
  let parsed: Partial<RestError> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<RestError>;
  } catch {
    parsed = undefined;
  }
  const messages = Array.isArray(parsed?.errors) ? parsed.errors.map(String) : [];
  const serverCode = typeof parsed?.code === 'string' ? parsed.code : undefined;
  // The server's messages usually start with their code already (RuntimeError's message does): don't repeat it.
  const message = messages.map((m) => (serverCode !== undefined && m.startsWith(`${serverCode}: `) ? m.slice(serverCode.length + 2) : m)).join('; ');
  if (serverCode !== undefined && (RUNTIME_ERROR_CODES as readonly string[]).includes(serverCode)) {
    return withStatus(new RuntimeError(serverCode as RuntimeErrorCode, message || `HTTP ${status} from ${method} ${url}`), status);
  }
  const detail = message || (parsed === undefined ? abbreviate(text) : '') || 'no details';
  const codeText = serverCode === undefined ? '' : ` ${serverCode}`;
  return withStatus(new RuntimeError('ERR_RT_REST', `${method} ${url} failed with HTTP ${status}${codeText}: ${detail}`), status);
}

function withStatus(error: RuntimeError, httpStatus: number): RestCallError {
  return Object.assign(error, { httpStatus });
}

function abbreviate(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}
