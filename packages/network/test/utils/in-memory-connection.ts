// An in-memory connection pair through the real codec (Flink's EmbeddedChannel): handlers without sockets.
import { FrameDecoder, encodeMessage, type NetworkMessage } from '../../src/protocol/index.js';
import type { NetworkError } from '../../src/errors.js';
import type { FlowControlHandler, NetworkConnection } from '../../src/transport/network-connection.js';

/** One end of an in-memory pair. Frames are delivered on a microtask, decoded by a real FrameDecoder. */
export class InMemoryConnection implements NetworkConnection {
  peer!: InMemoryConnection;
  handler!: FlowControlHandler;
  paused = false;
  writable = true;
  closedWith: NetworkError | null = null;
  readonly sent: NetworkMessage['type'][] = [];
  readonly inbox: Uint8Array[] = [];
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 1 << 20 });
  private writableCallbacks: Array<() => void> = [];

  constructor(readonly remoteAddress: string) {}

  static pair(): [InMemoryConnection, InMemoryConnection] {
    const a = new InMemoryConnection('client');
    const b = new InMemoryConnection('server');
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  sendFrame(frame: Uint8Array, onSent?: () => void): void {
    this.peer.inbox.push(frame.slice());
    queueMicrotask(() => this.peer.drain());
    if (onSent !== undefined) queueMicrotask(onSent); // copied above: the sender may reuse `frame`
  }

  sendMessage(message: NetworkMessage): void {
    this.sent.push(message.type);
    this.sendFrame(encodeMessage(message));
  }

  isWritable(): boolean {
    return this.writable;
  }

  onceWritable(callback: () => void): void {
    this.writableCallbacks.push(callback);
  }

  setWritable(writable: boolean): void {
    this.writable = writable;
    if (writable) for (const callback of this.writableCallbacks.splice(0)) callback();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    queueMicrotask(() => this.drain());
  }

  closeWithError(error: NetworkError): void {
    this.closedWith = error;
  }

  drain(): void {
    while (!this.paused && this.inbox.length > 0) {
      const chunk = this.inbox.shift()!;
      this.decoder.push(chunk, {
        onMessage: (message) => this.handler.onMessage(message, this),
        onError: (error) => {
          throw error;
        },
      });
    }
  }
}
