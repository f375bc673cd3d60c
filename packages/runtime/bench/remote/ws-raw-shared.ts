// What both processes of the ws-raw baseline share: the `ws` module the transport uses, its settings, and the sending pump.

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

// `ws` is a dependency of @sluice/network, not of runtime (runtime reaches the network only through its index).
// The baseline loads the very copy the transport runs on, resolved from the network package's own directory.
const requireFromRuntime = createRequire(import.meta.url);
const requireFromNetwork = createRequire(requireFromRuntime.resolve('@sluice/network'));

/** The part of a ws `WebSocket` this baseline uses (ws 8.23; @types/ws is not visible from runtime). */
export interface RawWebSocket {
  readonly bufferedAmount: number;
  send(data: Uint8Array, options: { binary: boolean; compress: boolean }): void;
  close(code?: number): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'close', listener: (code: number) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'open', listener: () => void): this;
  once(event: 'upgrade', listener: (response: { socket: Socket }) => void): this;
  once(event: 'close', listener: (code: number) => void): this;
}

/** The part of a ws `WebSocketServer` this baseline uses. */
export interface RawWebSocketServer {
  address(): { port: number };
  close(callback?: () => void): void;
  on(event: 'listening', listener: () => void): this;
  on(event: 'connection', listener: (ws: RawWebSocket, request: { socket: Socket }) => void): this;
}

/** The ws module as loaded from @sluice/network. */
export const ws = requireFromNetwork('ws') as {
  WebSocket: new (url: string, options: Record<string, unknown>) => RawWebSocket;
  WebSocketServer: new (options: Record<string, unknown>) => RawWebSocketServer;
};

/** Which way the bytes flow: server → client is how BufferResponses travel (unmasked); client → server is masked. */
export type WsRawDirection = 'server-to-client' | 'client-to-server';

/** How the client masks its frames: the transport's choice is `'zero'` (see network's transport/ws/ws-options.ts). */
export type WsRawMasking = 'zero' | 'random';

/** What the parent passes to the child as its one argument (JSON). */
export interface WsRawChildConfig {
  readonly direction: WsRawDirection;
  readonly frameBytes: number;
  readonly highWaterMarkBytes: number;
}

/** What the child prints on stdout: first its port, then (if it was the receiver) what it counted. */
export type WsRawChildReport = { readonly port: number } | { readonly numBytes: number; readonly elapsedMs: number };

/** ws options both ends use: no deflate (as the transport), payload bounded a little above one frame. */
export function wsOptions(frameBytes: number): Record<string, unknown> {
  return { perMessageDeflate: false, maxPayload: frameBytes + 1024 };
}

/** The transport's zero mask: ws then skips masking on the sender and unmasking on the receiver. */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/**
 * Sends `frame` over `socket`'s WebSocket as fast as its own backpressure allows: while `bufferedAmount` is below
 * `highWaterMarkBytes` it sends, then it waits for the TCP socket's `'drain'`. Returns a function that stops it.
 */
export function pump(webSocket: RawWebSocket, socket: Socket, frame: Uint8Array, highWaterMarkBytes: number): () => void {
  let isStopped = false;
  const fill = (): void => {
    while (!isStopped && webSocket.bufferedAmount < highWaterMarkBytes) webSocket.send(frame, { binary: true, compress: false });
  };
  socket.on('drain', fill);
  fill();
  return () => {
    isStopped = true;
    socket.off('drain', fill);
  };
}

/** Counts received bytes from the first message on; `elapsedMs` runs from the first to the latest message. */
export class ByteCounter {
  numBytes = 0;
  #firstMs = -1;
  #lastMs = -1;

  add(numBytes: number, nowMs: number): void {
    if (this.#firstMs < 0) {
      this.#firstMs = nowMs; // the window starts at the first message: its bytes are not counted
      this.#lastMs = nowMs;
      return;
    }
    this.numBytes += numBytes;
    this.#lastMs = nowMs;
  }

  get elapsedMs(): number {
    return this.#lastMs - this.#firstMs;
  }

  get hasStarted(): boolean {
    return this.#firstMs >= 0;
  }
}
