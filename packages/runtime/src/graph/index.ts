// Public pieces of the graph layer: StreamGraph → JobGraph (chaining) → execution plan, partitioners, key groups, plan formatting.

export { DEFAULT_EXECUTION_CONFIG, type ExecutionConfig } from './execution-config.js';
export {
  isKeyedKind,
  isSinkKind,
  isSourceKind,
  preservesRecordType,
  type CollectionSourceOptions,
  type FileSinkOptions,
  type FileSourceOptions,
  type GeneratorSourceOptions,
  type KeyedSumOptions,
  type NoOptions,
  type OperatorDescriptor,
  type OperatorKind,
  type PrintSinkOptions,
} from './operator-descriptor.js';
export { Transformation, type ChainingStrategy, type TransformationBody } from './transformation.js';
export {
  DEFAULT_SLOT_SHARING_GROUP,
  generateStreamGraph,
  type StreamEdge,
  type StreamGraph,
  type StreamNode,
  type StreamNodeProperties,
} from './stream-graph.js';
export { chainBreakReason, isChainable } from './chaining.js';
export { createJobGraph, requiredSlots, type JobEdge, type JobGraph, type JobVertex } from './job-graph.js';
export {
  connectSubtasks,
  createExecutionPlan,
  type ExecutionEdge,
  type ExecutionJobVertex,
  type ExecutionPlan,
  type ExecutionVertex,
  type IntermediateResult,
} from './execution-plan.js';
export {
  createPartitioner,
  distributionPatternOf,
  formatPartitioner,
  type DistributionPattern,
  type PartitionerKind,
  type PartitionerOptions,
  type PartitionerSpec,
  type StreamPartitioner,
} from './partitioners.js';
export {
  assignKeyToParallelOperator,
  assignToKeyGroup,
  checkParallelismPreconditions,
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  DEFAULT_LOWER_BOUND_MAX_PARALLELISM,
  hashCode,
  murmurHash,
  UPPER_BOUND_MAX_PARALLELISM,
  type KeyGroupRange,
} from './key-groups.js';
export { hashEdge, hashOperator, hashUid, ID_HEX_LENGTH, type HashedInput } from './operator-ids.js';
export {
  formatJobGraph,
  formatSerializer,
  jobGraphToJson,
  type JobEdgeJson,
  type JobGraphJson,
  type JobVertexJson,
  type JsonValue,
  type OperatorJson,
} from './format-plan.js';
