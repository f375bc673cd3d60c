// Baseline: raw `ws` throughput of 32 KiB binary frames between two processes, with only the socket's own backpressure.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  ByteCounter,
  pump,
  ws,
  wsOptions,
  zeroMask,
  type RawWebSocket,
  type WsRawChildConfig,
  type WsRawChildReport,
  type WsRawDirection,
  type WsRawMasking,
} from './ws-raw-shared.js';

// The child process this file starts (a server that sends or receives):
const CHILD_ENTRY = fileURLToPath(new URL('./ws-raw-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Bytes per record the remote benches send: a 20-byte record plus its 4-byte length prefix. */
export const BYTES_PER_RECORD = 24;
/** Frame size: the default network segment (Flink's 32 KiB). */
export const DEFAULT_FRAME_BYTES = 32 * 1024;
/** The transport's default high-water mark (`DEFAULT_WS_TRANSPORT_OPTIONS.highWaterMarkBytes`, 4 segments). */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 4 * 32 * 1024;
/** Beyond `seconds`, how long to wait for the child (tsx start-up, close handshake) before giving up. */
const SLACK_MS = 30_000;

/** Options of {@link runWsRaw}. */
export interface WsRawOptions {
  /** Length of the measured window in seconds (> 0). */
  readonly seconds: number;
  /** Default `'server-to-client'`, the direction BufferResponses travel in Sluice (server frames are never masked). */
  readonly direction?: WsRawDirection;
  /** How the client masks; default `'zero'`, the transport's choice. Matters only for `'client-to-server'`. */
  readonly masking?: WsRawMasking;
  /** Bytes per WebSocket message; default {@link DEFAULT_FRAME_BYTES}. */
  readonly frameBytes?: number;
  /** The sender sends while `bufferedAmount` is below this; default {@link DEFAULT_HIGH_WATER_MARK_BYTES}. */
  readonly highWaterMarkBytes?: number;
}

/** Result of one {@link runWsRaw} run. */
export interface WsRawResult {
  readonly case: 'ws-raw';
  /** Bytes the receiver got in its window (first message to the end), per second. */
  readonly bytesPerSec: number;
  /** `bytesPerSec / 24`: as many 20-byte records with a 4-byte length prefix, comparable with the remote benches. */
  readonly recordsPerSec: number;
}

/**
 * Measures what plain ws moves between two processes on loopback: the ceiling for Sluice's remote channels.
 *
 * A child process (`ws-raw-child.ts`, started with `process.execPath --import tsx`) listens on 127.0.0.1:0; this
 * process connects as the client. The sender sends one reused `frameBytes` buffer per message while
 * `bufferedAmount` is below the high-water mark and otherwise waits for the TCP socket's `'drain'`: no credit, no
 * protocol frames, no decoding. Deflate is off on both ends and the client uses the transport's masking. The
 * receiver counts bytes from its first message for `seconds`; the child exits once the connection is closed.
 *
 * @param options - see {@link WsRawOptions}.
 */
export async function runWsRaw(options: WsRawOptions): Promise<WsRawResult> {
  const { seconds, direction = 'server-to-client', masking = 'zero' } = options;
  const { frameBytes = DEFAULT_FRAME_BYTES, highWaterMarkBytes = DEFAULT_HIGH_WATER_MARK_BYTES } = options;
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`runWsRaw: seconds must be > 0, got ${seconds}`);
  if (!Number.isInteger(frameBytes) || frameBytes < 1) throw new RangeError(`runWsRaw: frameBytes must be a positive integer, got ${frameBytes}`);

  const config: WsRawChildConfig = { direction, frameBytes, highWaterMarkBytes };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_ENTRY, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000 + SLACK_MS);
  try {
    const reports = childReports(child);
    const first = await reports.next();
    if (first.done === true || !('port' in first.value)) throw new Error('ws-raw: the child exited before listening');
    const webSocket = new ws.WebSocket(`ws://127.0.0.1:${first.value.port}`, {
      ...wsOptions(frameBytes),
      ...(masking === 'zero' ? { generateMask: zeroMask } : {}),
    });
    const { numBytes, elapsedMs } =
      direction === 'server-to-client'
        ? await receive(webSocket, seconds)
        : await send(webSocket, seconds, frameBytes, highWaterMarkBytes, reports);
    const [code, signal] = (await exited(child)) as [number | null, string | null];
    if (code !== 0) throw new Error(`ws-raw: the child exited with ${code ?? signal}`);
    const bytesPerSec = numBytes / (elapsedMs / 1000);
    return { case: 'ws-raw', bytesPerSec, recordsPerSec: bytesPerSec / BYTES_PER_RECORD };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Receives for `seconds` from the first message, then closes. */
async function receive(webSocket: RawWebSocket, seconds: number): Promise<{ numBytes: number; elapsedMs: number }> {
  const counter = new ByteCounter();
  const done = new Promise<{ numBytes: number; elapsedMs: number }>((resolve, reject) => {
    let deadlineMs = Infinity;
    let isDone = false;
    webSocket.on('message', (data) => {
      if (isDone) return; // what was in flight when we closed
      const nowMs = performance.now();
      if (!counter.hasStarted) deadlineMs = nowMs + seconds * 1000;
      counter.add(data.length, nowMs);
      if (nowMs >= deadlineMs) {
        isDone = true;
        const result = { numBytes: counter.numBytes, elapsedMs: counter.elapsedMs };
        webSocket.close(1000);
        resolve(result);
      }
    });
    webSocket.on('error', reject);
  });
  const result = await done;
  await once(webSocket as unknown as NodeJS.EventEmitter, 'close');
  return result;
}

/** Sends for `seconds`, closes, and returns what the child counted. */
async function send(
  webSocket: RawWebSocket,
  seconds: number,
  frameBytes: number,
  highWaterMarkBytes: number,
  reports: AsyncIterator<WsRawChildReport>,
): Promise<{ numBytes: number; elapsedMs: number }> {
  let socket: import('node:net').Socket | null = null;
  webSocket.once('upgrade', (response) => (socket = response.socket));
  await new Promise<void>((resolve, reject) => {
    webSocket.once('open', resolve);
    webSocket.on('error', reject);
  });
  const stop = pump(webSocket, socket!, new Uint8Array(frameBytes).fill(0x5a), highWaterMarkBytes);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  stop();
  webSocket.close(1000);
  const counted = await reports.next();
  if (counted.done === true || !('numBytes' in counted.value)) throw new Error('ws-raw: the child exited without its count');
  return counted.value;
}

/** The child's stdout lines, parsed. */
async function* childReports(child: ChildProcessByStdio<null, Readable, null>): AsyncGenerator<WsRawChildReport> {
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.trim() !== '') yield JSON.parse(line) as WsRawChildReport;
  }
}

function exited(child: ChildProcessByStdio<null, Readable, null>): Promise<unknown[]> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve([child.exitCode, child.signalCode]);
  return once(child, 'exit');
}
