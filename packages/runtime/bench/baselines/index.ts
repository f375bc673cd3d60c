// The Node baselines that Sluice's throughput benches report next to their own cases.
export { runNodeStreams } from './node-streams.js';
export { runNodeStreamsPipeline, type NodeStreamsResult } from './node-streams-pipeline.js';
export { runPostMessageRecord, type PostMessageRecordResult, ACK_EVERY, WINDOW_SIZE } from './postmessage-record.js';
export { makeRecord, KEY_RANGE, CLOCK_REFRESH_EVERY, type BenchRecord } from './bench-record.js';
