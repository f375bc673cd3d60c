// A Transformation is one step of a program as the DataStream API records it: an operator, a repartitioning or a union.

import type { KeySelector } from '../api/functions.js';
import { RuntimeError } from '../errors.js';
import { describeValue, validateRecordShape, type RecordShape } from '../serialization/record-shape.js';
import { UPPER_BOUND_MAX_PARALLELISM } from './key-groups.js';
import { isSourceKind, type OperatorDescriptor } from './operator-descriptor.js';
import type { PartitionerKind } from './partitioners.js';

/**
 * Whether an operator may be chained to its neighbours (Flink's ChainingStrategy): `always` (the default
 * for operators), `head` (never chained to its input, but its outputs may chain to it: sources and
 * `startNewChain()`), `never` (`disableChaining()`).
 */
export type ChainingStrategy = 'always' | 'head' | 'never';

/**
 * What a transformation does:
 * - `operator`: a StreamNode of the StreamGraph (Flink's Source/OneInput/SinkTransformation);
 * - `partition`: virtual, sets the partitioner of the edges to its consumers (Flink's PartitionTransformation);
 *   a `hash` partition carries the keyBy's key selector;
 * - `union`: virtual, its consumers read all its inputs (Flink's UnionTransformation).
 */
export type TransformationBody =
  | { readonly type: 'operator'; readonly operator: OperatorDescriptor }
  | { readonly type: 'partition'; readonly partitioner: PartitionerKind; readonly keySelector?: KeySelector<unknown, unknown> }
  | { readonly type: 'union' };

/**
 * One step of a program (Flink's Transformation). The DataStream API creates them in program order and
 * its setters (`setParallelism`, `name`, `uid`, …) change them until the graph is generated; the graph
 * generators read them. `index` is the position in creation order, which with the inputs makes operator
 * ids deterministic (see operator-ids.ts).
 *
 * Owned by: the thread that runs the job module's program (the client, or a subtask worker rebuilding it).
 */
export class Transformation {
  /** The name the user gave (or the default), without the `Source: `/`Sink: ` prefix. */
  name: string;
  /** The user's stable id of the operator (`uid()`), which then determines its operator id. */
  uid: string | undefined;
  /** The parallelism the user set, or `undefined` for the environment's default. */
  parallelism: number | undefined;
  /** The max parallelism the user set, or `undefined` for the environment's (or the derived) one. */
  maxParallelism: number | undefined;
  /** The slot sharing group the user set, or `undefined` to inherit the inputs' (else `default`). */
  slotSharingGroup: string | undefined;
  /** Whether the operator may chain. */
  chainingStrategy: ChainingStrategy;
  /** The declared shape of the output records (`returns()`), which selects the typed serializer. */
  outputShape: RecordShape | undefined;

  /**
   * @param index position in creation order within the environment
   * @param isParallel false for sources that can only run as one subtask (collection, file)
   */
  constructor(
    readonly index: number,
    readonly body: TransformationBody,
    readonly inputs: readonly Transformation[],
    name: string,
    readonly isParallel = true,
  ) {
    this.name = name;
    this.uid = undefined;
    this.parallelism = isParallel ? undefined : 1;
    this.maxParallelism = undefined;
    this.slotSharingGroup = undefined;
    this.chainingStrategy = body.type === 'operator' && isSourceKind(body.operator.kind) ? 'head' : 'always';
    this.outputShape = undefined;
  }

  /**
   * Sets the number of parallel subtasks.
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless an integer in [1, 32768]; `ERR_RT_BAD_GRAPH` when
   *   a non-parallel source is given more than 1
   */
  setParallelism(parallelism: number): void {
    checkPositiveInteger('parallelism', parallelism, UPPER_BOUND_MAX_PARALLELISM);
    if (!this.isParallel && parallelism !== 1) {
      throw new RuntimeError('ERR_RT_BAD_GRAPH', `the parallelism of non-parallel operator "${this.name}" must be 1, got ${parallelism}`);
    }
    this.parallelism = parallelism;
  }

  /**
   * Sets the max parallelism, the number of key groups; it bounds the parallelism and, once a job has
   * keyed state, must never change.
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless an integer in [1, 32768]
   */
  setMaxParallelism(maxParallelism: number): void {
    checkPositiveInteger('max parallelism', maxParallelism, UPPER_BOUND_MAX_PARALLELISM);
    this.maxParallelism = maxParallelism;
  }

  /** @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless a non-empty string */
  setName(name: string): void {
    this.name = checkNonEmptyString('name', name);
  }

  /** @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless a non-empty string */
  setUid(uid: string): void {
    this.uid = checkNonEmptyString('uid', uid);
  }

  /** @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless a non-empty string */
  setSlotSharingGroup(slotSharingGroup: string): void {
    this.slotSharingGroup = checkNonEmptyString('slot sharing group', slotSharingGroup);
  }

  /**
   * Declares the shape of the output records; the edges leaving this operator then use the typed serializer.
   * @throws RuntimeError `ERR_RT_BAD_SHAPE` when the shape is invalid
   */
  setOutputShape(shape: RecordShape): void {
    validateRecordShape(shape);
    this.outputShape = Object.freeze({ ...shape });
  }
}

function checkPositiveInteger(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${what} must be an integer in [1, ${max}], got ${describeValue(value)}`);
  }
}

function checkNonEmptyString(what: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${what} must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}
