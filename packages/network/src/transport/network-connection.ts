// What the credit and legacy handlers need of a connection: the seam between protocol logic and sockets.
import type { NetworkError } from '../errors.js';
import type { NetworkMessage } from '../protocol/messages.js';

/**
 * One multiplexed connection between two TaskManagers, as the flow-control handlers see it. The ws
 * transport implements it over a real socket; tests implement it over an in-memory pair (Flink's
 * EmbeddedChannel), so credit logic is testable without sockets.
 *
 * Owned by: the TaskManager main thread.
 */
export interface NetworkConnection {
  /** Peer address, for error messages. */
  readonly remoteAddress: string;
  /**
   * Sends frames already encoded by the caller. `frame` must stay unchanged until `onSent` runs (once the
   * bytes are with the kernel, or the connection failed), so a sender can then reuse it.
   */
  sendFrame(frame: Uint8Array, onSent?: () => void): void;
  /** Encodes and sends one message. */
  sendMessage(message: NetworkMessage): void;
  /** False while the socket's own send buffer is above its high-water mark: the safety valve. */
  isWritable(): boolean;
  /** Calls back once the connection is writable again. */
  onceWritable(callback: () => void): void;
  /** Stops reading the socket: every channel on it stalls (legacy mode's receive-side backpressure). */
  pause(): void;
  resume(): void;
  /** Sends a fatal ErrorResponse naming `error` and closes the connection. */
  closeWithError(error: NetworkError): void;
}

/** What a connection delivers to the handler of its end. */
export interface FlowControlHandler {
  onMessage(message: NetworkMessage, connection: NetworkConnection): void;
  /** The connection ended; `error` is null after a clean close. */
  onClose(connection: NetworkConnection, error: NetworkError | null): void;
}
