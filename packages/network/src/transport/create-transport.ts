// The ONE place that chooses credit-based or legacy flow control (`taskmanager.network.credit-model`).
import type { RemoteInputChannel } from '../consumer/remote-input-channel.js';
import { PartitionRequestClient } from './partition-request-client.js';
import type { NetworkLoop } from './network-loop.js';
import { ReaderQueue, type ReaderQueueContext } from './reader-queue.js';

/** The handlers of both ends of a connection, for one flow-control model. */
export interface Transport {
  readonly model: 'credit' | 'legacy';
  /** Handler of an accepted connection on the producer's TaskManager. */
  createServerHandler(context: ReaderQueueContext): ReaderQueue;
  /** Handler of an opened connection on the consumer's TaskManager. */
  createClientHandler(loop: NetworkLoop): PartitionRequestClient;
  /** Whether remote channels announce credit (and treat a buffer without credit as a violation). */
  readonly isCreditBased: boolean;
}

/**
 * Credit mode (Flink ≥ 1.5, the default): a sender sends a data buffer only against credit, so a stalled
 * channel never blocks its neighbours on the shared connection. Legacy mode (Flink < 1.5): no credit;
 * the sender writes while the socket accepts and a receiver without a free buffer pauses the whole
 * socket. Both use the same messages (PROTOCOL.md); only these handlers differ.
 */
export function createTransport(creditModel: boolean): Transport {
  return {
    model: creditModel ? 'credit' : 'legacy',
    isCreditBased: creditModel,
    createServerHandler: (context) => new ReaderQueue(context, creditModel),
    createClientHandler: (loop) => new PartitionRequestClient(loop, creditModel),
  };
}

export type { RemoteInputChannel };
