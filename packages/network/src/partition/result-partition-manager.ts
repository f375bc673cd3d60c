// The TaskManager's registry of produced partitions, so remote consumers can request their subpartitions.
import { NetworkError } from '../errors.js';
import { idToKey, type AbstractId, type IdKey } from '../ids.js';
import type { ResultPartitionDescriptor } from './result-partition.js';

/**
 * Flink's ResultPartitionManager: maps a partition id to the partition a local subtask produces, so that
 * a PartitionRequest arriving over the network finds the queue of the requested subpartition.
 *
 * Owned by: the TaskManager main thread.
 */
export class ResultPartitionManager {
  private readonly partitions = new Map<IdKey, ResultPartitionDescriptor>();

  register(partitionId: AbstractId, descriptor: ResultPartitionDescriptor): void {
    this.partitions.set(idToKey(partitionId), descriptor);
  }

  unregister(partitionId: AbstractId): void {
    this.partitions.delete(idToKey(partitionId));
  }

  /**
   * The queue of subpartition `index` of partition `partitionId`.
   * @throws NetworkError `ERR_NET_PARTITION_NOT_FOUND` (fails the requesting channel only)
   */
  queueOf(partitionId: AbstractId, index: number): number {
    const descriptor = this.partitions.get(idToKey(partitionId));
    if (descriptor === undefined) {
      throw new NetworkError('ERR_NET_PARTITION_NOT_FOUND', `partition ${idToKey(partitionId)} is not produced on this TaskManager`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= descriptor.queueIds.length) {
      throw new NetworkError('ERR_NET_PARTITION_NOT_FOUND', `partition ${idToKey(partitionId)} has no subpartition ${index} (it has ${descriptor.queueIds.length})`);
    }
    return descriptor.queueIds[index];
  }
}
