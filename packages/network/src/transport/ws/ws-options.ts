// How Sluice configures `ws` on both ends (no deflate, bounded payload, zero mask) and how WebSocket close codes map to NetworkErrors.

import type { ClientOptions, ServerOptions } from 'ws';
import { NETWORK_ERROR_CODES, NetworkError, type NetworkErrorCode } from '../../errors.js';
import { TOKEN_HEADER, type ResolvedWsTransportOptions } from '../transport.js';

// ---- Masking ------------------------------------------------------------------------------------------------
//
// RFC 6455 makes a client mask every frame it sends. ws masks in JS (a copy plus an XOR pass) unless the native
// `bufferutil` is installed; a mask of four zero bytes makes ws skip both the copy and the XOR on the sender and
// the unmask on the receiver. Masking protects proxies from byte streams chosen by hostile browser scripts; a
// TaskManager link carries our own frames between our own processes, so Sluice sends zero masks by default (no
// native dependency) and keeps random masks as an option for links through proxies. In this protocol bulk data
// (BufferResponse) flows server → client and is never masked; client frames are requests and credit.
//
// Measured with packages/runtime/bench/remote/ws-raw.ts (32 KiB frames client → server, two processes, median of
// 3 × 5 s, 2-core machine under load): random mask in JS 0.34 GB/s, random mask with bufferutil 4.1.0 1.85 GB/s,
// zero mask 2.56 GB/s (server → client, unmasked: 2.60 GB/s).

/** How the client masks its frames: `'zero'` (no-op mask, default on TM↔TM links) or `'random'` (RFC 6455, JS XOR). */
export type MaskingMode = 'zero' | 'random';

/** The default masking of client frames: see the comment above. */
export const DEFAULT_MASKING: MaskingMode = 'zero';

/** ws `generateMask` that leaves the mask all zeros, so ws skips masking (ws ≥ 8.4.0, lib/sender.js `skipMasking`). */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

// ---- ws options -----------------------------------------------------------------------------------------------

/** ws 8.23 takes `closeTimeout` (default 30 s) on both ends; @types/ws 8.18 does not declare it. */
interface CloseTimeoutOption {
  closeTimeout?: number;
}

/**
 * Options for `new WebSocket(url, …)` on the consumer TM.
 *
 * @param masking - see {@link MaskingMode}; default {@link DEFAULT_MASKING}.
 * @param handshakeTimeoutMs - how long the opening handshake may take.
 */
export function clientWsOptions(
  options: ResolvedWsTransportOptions,
  masking: MaskingMode,
  handshakeTimeoutMs: number,
): ClientOptions & CloseTimeoutOption {
  return {
    perMessageDeflate: false, // "basically kills ws performance"; must be off on both ends
    maxPayload: options.maxMessageBytes,
    closeTimeout: options.closeTimeoutMs,
    handshakeTimeout: handshakeTimeoutMs,
    followRedirects: false,
    skipUTF8Validation: true, // text messages are rejected anyway
    ...(masking === 'zero' ? { generateMask: zeroMask } : {}),
    ...(options.token === undefined ? {} : { headers: { [TOKEN_HEADER]: options.token } }),
  };
}

/** Options for the `WebSocketServer` of a producer TM (`noServer`: the DataServer owns the HTTP server and the token check). */
export function serverWsOptions(options: ResolvedWsTransportOptions): ServerOptions & CloseTimeoutOption {
  return {
    noServer: true,
    clientTracking: false, // the DataServer tracks its WsConnections itself
    perMessageDeflate: false,
    maxPayload: options.maxMessageBytes,
    closeTimeout: options.closeTimeoutMs,
    skipUTF8Validation: true,
  };
}

// ---- Close codes ----------------------------------------------------------------------------------------------

/** WebSocket close code of a clean close (after a CloseRequest). */
export const CLOSE_NORMAL = 1000;
/** WebSocket close code of a server shutting down (DataServer.close). */
export const CLOSE_GOING_AWAY = 1001;
/**
 * Application close code that follows a fatal ErrorResponse; the close reason repeats the error code, so a peer
 * that lost the ErrorResponse still learns the cause.
 */
export const CLOSE_FATAL_ERROR = 4000;

/** Largest close reason in bytes (RFC 6455: a control frame payload is ≤ 125 bytes, 2 of them the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** The close reason carrying `code`, cut to what fits a close frame. */
export function closeReasonFor(code: string): string {
  return Buffer.from(code, 'utf8').subarray(0, MAX_CLOSE_REASON_BYTES).toString('utf8');
}

/** Whether `code` is one of the network package's error codes. */
export function isNetworkErrorCode(code: string): code is NetworkErrorCode {
  return Object.hasOwn(NETWORK_ERROR_CODES, code);
}

/**
 * The error of a connection the peer closed without a CloseRequest (server side) and without a fatal
 * ErrorResponse: a close code ws uses for protocol violations keeps its meaning, anything else is a lost peer.
 *
 * @param what - what happened, e.g. `closed with code 1006` or a socket error's message.
 */
export function errorForPeerClose(remoteAddress: string, code: number, reason: string, what: string): NetworkError {
  if (code === CLOSE_FATAL_ERROR && isNetworkErrorCode(reason)) {
    return new NetworkError(reason, `peer ${remoteAddress} failed the connection with ${reason} (its ErrorResponse did not arrive)`);
  }
  if (code === 1009) {
    return new NetworkError('ERR_NET_FRAME_TOO_LARGE', `peer ${remoteAddress} closed the connection (1009): a message we sent exceeds its maxPayload`);
  }
  if (code === 1002 || code === 1003 || code === 1007) {
    return new NetworkError('ERR_NET_MALFORMED_FRAME', `peer ${remoteAddress} closed the connection (${code}${reason ? ` ${reason}` : ''}): it rejected our WebSocket framing`);
  }
  return new NetworkError('ERR_NET_PEER_LOST', `connection to ${remoteAddress} lost: ${what}, without a CloseRequest or a fatal ErrorResponse`);
}

/** The error of a ws-level failure detected on this side (ws emitted `'error'`; ws closes the socket itself). */
export function errorForWsError(remoteAddress: string, error: Error): NetworkError {
  const wsCode = (error as { code?: unknown }).code;
  if (wsCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return new NetworkError('ERR_NET_FRAME_TOO_LARGE', `message from ${remoteAddress} exceeds maxPayload: ${error.message}`, { cause: error });
  }
  if (typeof wsCode === 'string' && wsCode.startsWith('WS_ERR_')) {
    return new NetworkError('ERR_NET_MALFORMED_FRAME', `bad WebSocket framing from ${remoteAddress}: ${error.message}`, { cause: error });
  }
  return new NetworkError('ERR_NET_PEER_LOST', `connection to ${remoteAddress} failed: ${error.message}`, { cause: error });
}
