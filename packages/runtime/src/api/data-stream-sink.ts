// DataStreamSink: the handle a sink returns, to name it and set its parallelism, chaining and slot sharing group.

import type { Transformation } from '../graph/transformation.js';

/**
 * The end of a stream of `T` (Flink's DataStreamSink); every setter returns the same sink, so calls chain.
 */
export class DataStreamSink<T> {
  /** @param transformation the sink's transformation */
  constructor(readonly transformation: Transformation) {}

  /** Names the sink (shown as `Sink: <name>`). */
  name(name: string): this {
    this.transformation.setName(name);
    return this;
  }

  /** Sets a stable user id; the operator id is then derived from it alone. */
  uid(uid: string): this {
    this.transformation.setUid(uid);
    return this;
  }

  /**
   * Sets the number of parallel subtasks.
   * @param parallelism default: the environment's
   */
  setParallelism(parallelism: number): this {
    this.transformation.setParallelism(parallelism);
    return this;
  }

  /** Sets the max parallelism of the sink (see `SingleOutputStreamOperator.setMaxParallelism`). */
  setMaxParallelism(maxParallelism: number): this {
    this.transformation.setMaxParallelism(maxParallelism);
    return this;
  }

  /** Keeps the sink out of its input's chain. */
  disableChaining(): this {
    this.transformation.chainingStrategy = 'never';
    return this;
  }

  /** Starts a new chain at the sink: it is not chained to its input. */
  startNewChain(): this {
    this.transformation.chainingStrategy = 'head';
    return this;
  }

  /** Puts the sink in slot sharing group `group` (default: its input's). */
  slotSharingGroup(group: string): this {
    this.transformation.setSlotSharingGroup(group);
    return this;
  }
}
