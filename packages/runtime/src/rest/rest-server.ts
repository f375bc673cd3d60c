// The JobManager's REST API over node:http: routing on Flink's paths, bounded JSON bodies, the cluster token on writes, errors as `{ errors, code }`.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { TOKEN_HEADER } from '@sluice/network';
import { RuntimeError } from '../errors.js';
import type { JobManager } from '../jobmanager/job-manager.js';
import { digest, hostForUrl } from '../rpc/rpc-server.js';
import { clusterRoutes } from './handlers/cluster.js';
import { jobRoutes } from './handlers/jobs.js';
import { metricRoutes } from './handlers/metrics.js';
import { vertexRoutes } from './handlers/vertices.js';
import { webUiRoutes } from './handlers/web-ui.js';
import { statusOf, type RestContext, type RestRequest, type RestResponse, type RestRoute } from './rest-handler.js';
import type { RestError } from './rest-types.js';

/** Largest request body: a submission carries the bundled job code. */
export const MAX_REST_BODY_BYTES = 64 * 1024 * 1024;

/** Options of a {@link RestServer}. */
export interface RestServerOptions {
  jobManager: JobManager;
  /** Interface to bind (`rest.bind-address`). */
  host: string;
  /** Port, 0 = pick (`rest.port`). */
  port: number;
  /** `cluster.token`: when set, every POST and PATCH needs it in `x-sluice-token` (else 401). */
  token: string | undefined;
  logger: Logger;
  /** Default {@link MAX_REST_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/** Every route, literal paths before parameterised ones of the same shape (`/jobs/overview` before `/jobs/:jobid`). */
const ROUTES: readonly RestRoute[] = [...clusterRoutes, ...jobRoutes, ...vertexRoutes, ...metricRoutes, ...webUiRoutes];

/**
 * The REST server (Flink's WebMonitorEndpoint, JSON only for now).
 *
 * ```
 *  request ─► strip /v1 ─► match route (404 no path, 405 wrong method) ─► write? token (401) ─► body ≤ max (413), JSON (400)
 *          ─► handler ─► 2xx JSON │ RuntimeError ─► { errors: [message], code } with its status │ other ─► 500, logged
 * ```
 *
 * Owned by: the JobManager process, main thread.
 */
export class RestServer {
  readonly #options: RestServerOptions;
  readonly #context: RestContext;
  readonly #http: Server;
  readonly #tokenDigest: Buffer | null;
  readonly #sockets = new Set<Socket>();

  /** @param options - see {@link RestServerOptions}. */
  constructor(options: RestServerOptions) {
    this.#options = options;
    this.#context = { jobManager: options.jobManager };
    this.#tokenDigest = options.token === undefined ? null : digest(options.token);
    this.#http = createServer((req, res) => void this.#serve(req, res));
    this.#http.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#http.on('clientError', (_error, socket: Socket) => socket.destroy());
  }

  /** Starts listening; resolves with the bound port (the real one when 0 was asked for). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.port, this.#options.host, () => {
        this.#http.off('error', reject);
        resolve((this.#http.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and closes every connection, idle or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#http.listening) return resolve();
      this.#http.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://sluice');
      const path = url.pathname.replace(/^\/v1(?=\/|$)/, '').replace(/\/+$/, '') || '/';
      const { route, params } = this.#match(req.method ?? 'GET', path);
      if (route.method !== 'GET') this.#checkToken(req);
      const body = route.method === 'GET' ? undefined : await this.#readJson(req);
      const request: RestRequest = { params, query: url.searchParams, body };
      this.#send(res, await route.handler(request, this.#context));
    } catch (error) {
      const status = statusOf(error);
      if (status === 500) this.#options.logger.error({ err: error, method: req.method, url: req.url }, 'REST handler failed');
      const code = error instanceof RuntimeError ? error.code : 'ERR_RT_INTERNAL';
      const message = error instanceof RuntimeError ? error.message.replace(`${error.code}: `, '') : 'internal error in the JobManager (see its log)';
      const body: RestError = { errors: [message], code };
      if (status === 405) res.setHeader('allow', allowedMethods(new URL(req.url ?? '/', 'http://sluice').pathname));
      if (status === 413 || status === 401) {
        res.setHeader('connection', 'close'); // the body is discarded, not parsed
        req.resume();
      }
      this.#send(res, { status, body });
    }
  }

  #match(method: string, path: string): { route: RestRoute; params: Record<string, string> } {
    let isPathKnown = false;
    for (const route of ROUTES) {
      const params = matchPath(route.path, path);
      if (params === null) continue;
      isPathKnown = true;
      if (route.method === method) return { route, params };
    }
    if (isPathKnown) throw new RuntimeError('ERR_RT_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
    throw new RuntimeError('ERR_RT_NOT_FOUND', `no REST resource at ${path}`);
  }

  #checkToken(req: IncomingMessage): void {
    if (this.#tokenDigest === null) return;
    const given = req.headers[TOKEN_HEADER];
    if (typeof given === 'string' && timingSafeEqual(digest(given), this.#tokenDigest)) return;
    throw new RuntimeError('ERR_RT_UNAUTHORIZED', `${given === undefined ? 'missing' : 'wrong'} ${TOKEN_HEADER} header: this JobManager requires cluster.token for submissions and changes`);
  }

  /** Reads the body (at most maxBodyBytes) and parses it as JSON; an empty body is undefined. */
  async #readJson(req: IncomingMessage): Promise<unknown> {
    const max = this.#options.maxBodyBytes ?? MAX_REST_BODY_BYTES;
    const tooLarge = (): RuntimeError => new RuntimeError('ERR_RT_PAYLOAD_TOO_LARGE', `request body exceeds ${max} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > max) throw tooLarge();
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size <= max) return void chunks.push(chunk);
        req.off('data', onData);
        reject(tooLarge());
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks, size)));
      req.once('error', reject);
    });
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new RuntimeError('ERR_RT_BAD_REQUEST', `request body is not JSON: ${(error as Error).message}`);
    }
  }

  #send(res: ServerResponse, response: RestResponse): void {
    if (res.headersSent) return;
    const isRaw = response.contentType !== undefined;
    const payload = isRaw ? (response.body as string | Buffer) : JSON.stringify(response.body);
    res.writeHead(response.status, {
      'content-type': response.contentType ?? 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      'cache-control': 'no-store',
    });
    res.end(payload);
  }
}

/** Params of `path` under `pattern` (`/jobs/:jobid`), or null when it does not match. */
function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

function allowedMethods(rawPath: string): string {
  const path = rawPath.replace(/^\/v1(?=\/|$)/, '').replace(/\/+$/, '') || '/';
  return [...new Set(ROUTES.filter((route) => matchPath(route.path, path) !== null).map((route) => route.method))].join(', ');
}

/** `http://host:port` of a REST server bound to `bindAddress`, reached at `restAddress` when it binds every interface. */
export function restUrlOf(bindAddress: string, restAddress: string, port: number): string {
  const isWildcard = bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress === '[::]';
  return `http://${hostForUrl(isWildcard ? restAddress : bindAddress)}:${port}`;
}
