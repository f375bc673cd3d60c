// The web dashboard's static files: `/` (index.html), `/web-ui/:file` from rest/web-ui/, and uPlot from node_modules under `/web-ui/vendor/:file`.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../../errors.js';
import type { RestResponse, RestRoute } from '../rest-handler.js';

/** The dashboard's own files (plain HTML, JS and CSS, no build step). */
const WEB_UI_DIR = fileURLToPath(new URL('../web-ui/', import.meta.url));

/** uPlot's dist folder, resolved from the runtime package's dependencies. */
const UPLOT_DIST_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));

/** Files under `/web-ui/vendor/`: the browser build of uPlot and its stylesheet, nothing else of node_modules. */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'uPlot.iife.min.js': join(UPLOT_DIST_DIR, 'uPlot.iife.min.js'),
  'uPlot.min.css': join(UPLOT_DIST_DIR, 'uPlot.min.css'),
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file name the dashboard may serve from its folder: no path separators, no dot files. */
const WEB_UI_FILE = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/;

/** Files read once and kept (JobManager process, main thread): they are small and do not change while it runs. */
const cache = new Map<string, Buffer>();

/** Routes of the dashboard's files. */
export const webUiRoutes: readonly RestRoute[] = [
  { method: 'GET', path: '/', handler: () => serveFile(join(WEB_UI_DIR, 'index.html')) },
  {
    method: 'GET',
    path: '/web-ui/:file',
    handler: (request) => {
      const file = request.params.file ?? '';
      if (!WEB_UI_FILE.test(file)) throw notFound(file);
      return serveFile(join(WEB_UI_DIR, file), file);
    },
  },
  {
    method: 'GET',
    path: '/web-ui/vendor/:file',
    handler: (request) => {
      const path = VENDOR_FILES[request.params.file ?? ''];
      if (path === undefined) throw notFound(`vendor/${request.params.file ?? ''}`);
      return serveFile(path, request.params.file);
    },
  },
];

function serveFile(path: string, name = 'index.html'): RestResponse {
  let bytes = cache.get(path);
  if (bytes === undefined) {
    try {
      bytes = readFileSync(path);
    } catch {
      throw notFound(name);
    }
    cache.set(path, bytes);
  }
  return { status: 200, contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', body: bytes };
}

function notFound(name: string): RuntimeError {
  return new RuntimeError('ERR_RT_NOT_FOUND', `the web UI has no file ${JSON.stringify(name.slice(0, 80))}`);
}
