// Client-side tooling of @sluice/runtime (`@sluice/runtime/client`): local clusters, job bundling and the REST client.
export { startLocalCluster, describeExit, summarizeLine, type LocalCluster, type LocalClusterOptions, type LocalClusterProcess, type ProcessExit } from './local-cluster.js';
export { isTerminalJobStatus, RestClient, TERMINAL_JOB_STATES, type RestClientOptions } from './rest-client.js';
export { bundleAndCaptureJob, captureJob, contextConfigFrom, submitJobFile, type BundledJob, type CaptureJobOptions } from './capture-job.js';
export { bundleJob } from './job-bundle.js';
export { findBottleneck, formatTopTable, readJobSnapshot, type JobSnapshot } from './top-view.js';
export type { JobDetails, JobStatus, JobExceptionsInfo, ClusterOverview, TaskManagerInfo, TaskManagerDetailsInfo, JobVertexBackPressureInfo, BackPressureLevel } from '../rest/rest-types.js';
