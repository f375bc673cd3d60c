// Deterministic operator, vertex and edge ids: the same program builds the same ids in every process (Flink's StreamGraphHasher in spirit).

import { createHash } from 'node:crypto';

/** Length of every id in hex digits: 16 bytes, like Flink's OperatorID and JobVertexID. */
export const ID_HEX_LENGTH = 32;

/**
 * The operator id of an operator with a user-given `uid`: a hash of the uid alone, so it survives any
 * change to the rest of the program (what savepoints need; Flink hashes the uid the same way).
 */
export function hashUid(uid: string): string {
  return hashParts(['uid', uid]);
}

/** One input of an operator as its id sees it: the upstream operator and how records reach it. */
export interface HashedInput {
  readonly id: string;
  readonly partitioner: string;
}

/**
 * The operator id of an operator without a uid: a hash of its kind, its position in creation order and its
 * inputs (ids and partitioners). A program that builds the same transformations in the same order gets
 * the same ids in every process; adding an operator before it changes them (set `uid` to pin an id).
 */
export function hashOperator(kind: string, transformationIndex: number, inputs: readonly HashedInput[]): string {
  const parts = ['operator', kind, String(transformationIndex)];
  for (const input of inputs) parts.push(input.id, input.partitioner);
  return hashParts(parts);
}

/**
 * The id of a JobEdge (Flink's IntermediateDataSetID): a hash of its producing and consuming operators and
 * its ordinal among edges between the same two operators.
 */
export function hashEdge(sourceOperatorId: string, targetOperatorId: string, ordinal: number): string {
  return hashParts(['edge', sourceOperatorId, targetOperatorId, String(ordinal)]);
}

// Parts are length-prefixed, so no two different part lists hash the same input.
function hashParts(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part};`);
  return hash.digest('hex').slice(0, ID_HEX_LENGTH);
}
