// Client side of one connection: routes arriving buffers to remote input channels; in legacy mode, pauses the socket.
import type { RemoteInputChannel } from '../consumer/remote-input-channel.js';
import { NetworkError } from '../errors.js';
import { idToKey, type IdKey } from '../ids.js';
import type { BufferResponse, NetworkMessage } from '../protocol/messages.js';
import type { FlowControlHandler, NetworkConnection } from './network-connection.js';
import type { NetworkLoop, NetworkPoller } from './network-loop.js';

/**
 * Flink's CreditBasedPartitionRequestClientHandler (and, with `isCreditBased` false, the 1.4-era
 * PartitionRequestClientHandler). One per connection on the consumer's TaskManager; every remote
 * channel to the same producer TaskManager shares it.
 *
 * Legacy mode: when a data buffer arrives for a channel that has no free buffer, the buffer is staged
 * (copied aside) and the whole connection is paused — every channel multiplexed on it stalls until that
 * one channel's consumer recycles a buffer: head-of-line blocking. Credit mode never needs this: a
 * buffer without credit is a protocol violation (`ERR_NET_NO_CREDIT`) and closes the connection.
 *
 * Owned by: the TaskManager main thread.
 */
export class PartitionRequestClient implements FlowControlHandler, NetworkPoller {
  private readonly channels = new Map<IdKey, RemoteInputChannel>();
  private readonly staged: Array<{ channel: RemoteInputChannel; message: BufferResponse }> = [];
  private connection: NetworkConnection | null = null;
  private closedWith: NetworkError | null = null;

  constructor(private readonly loop: NetworkLoop, readonly isCreditBased: boolean) {
    loop.add(this);
  }

  /** True while the connection is paused with buffers waiting for room (legacy mode). */
  get isStalled(): boolean {
    return this.staged.length > 0;
  }

  /** Registers a channel and sends its PartitionRequest on `connection`. */
  requestPartition(channel: RemoteInputChannel, connection: NetworkConnection): void {
    this.connection = connection;
    if (this.closedWith !== null) {
      channel.fail(this.closedWith);
      return;
    }
    this.channels.set(channel.key, channel);
    channel.requestPartition(connection);
  }

  /** Forgets a channel (after it was released). */
  removeChannel(channel: RemoteInputChannel): void {
    this.channels.delete(channel.key);
  }

  get numChannels(): number {
    return this.channels.size;
  }

  onMessage(message: NetworkMessage, connection: NetworkConnection): void {
    switch (message.type) {
      case 'BufferResponse':
        this.onBufferResponse(message, connection);
        break;
      case 'ErrorResponse': {
        const error = new NetworkError('ERR_NET_REMOTE', `${connection.remoteAddress} reported ${message.code}: ${message.message}`);
        if (message.isFatal) {
          this.failAll(error);
        } else {
          const channel = this.channels.get(idToKey(message.receiverId));
          // The producer may simply not be deployed yet: ask again with backoff, as Flink does.
          if (channel !== undefined && !(message.code === 'ERR_NET_PARTITION_NOT_FOUND' && channel.retryPartitionRequest())) channel.fail(error);
        }
        break;
      }
      default:
        connection.closeWithError(new NetworkError('ERR_NET_MALFORMED_FRAME', `${connection.remoteAddress} sent ${message.type}, which only consumers send`));
        this.failAll(new NetworkError('ERR_NET_MALFORMED_FRAME', `${connection.remoteAddress} sent ${message.type} to a consumer`));
    }
  }

  onClose(connection: NetworkConnection, error: NetworkError | null): void {
    this.failAll(error ?? new NetworkError('ERR_NET_PEER_LOST', `the connection to ${connection.remoteAddress} closed`));
  }

  /** Legacy mode: delivers staged buffers once their channels have room again, then resumes the socket. */
  poll(): void {
    if (this.staged.length === 0) return;
    while (this.staged.length > 0) {
      const { channel, message } = this.staged[0];
      if (!channel.onBuffer(message)) return; // still no room: stay paused
      this.staged.shift();
    }
    this.connection?.resume();
  }

  private onBufferResponse(message: BufferResponse, connection: NetworkConnection): void {
    const channel = this.channels.get(idToKey(message.receiverId));
    if (channel === undefined) {
      // A channel released while its buffers were in flight: drop them (PROTOCOL.md).
      return;
    }
    if (this.staged.length > 0) {
      this.stage(channel, message); // keep order behind what is already waiting
      return;
    }
    try {
      if (!channel.onBuffer(message)) {
        this.stage(channel, message);
        connection.pause();
      }
    } catch (error) {
      const e = error as NetworkError;
      if (e.code === 'ERR_NET_SEQUENCE_GAP') {
        channel.fail(e);
        channel.release(true);
        this.channels.delete(channel.key);
      } else {
        connection.closeWithError(e);
        this.failAll(e);
      }
    }
  }

  private stage(channel: RemoteInputChannel, message: BufferResponse): void {
    // The decoder's payload view dies with the callback: keep a copy while the socket is paused.
    this.staged.push({ channel, message: { ...message, payload: message.payload.slice() } });
  }

  private failAll(error: NetworkError): void {
    if (this.closedWith !== null) return;
    this.closedWith = error;
    for (const channel of this.channels.values()) channel.fail(error);
    this.staged.length = 0;
    this.loop.delete(this);
  }
}
