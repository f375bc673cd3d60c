// Starts a JobManager in this process: the JobManager core, its RPC endpoint for TaskManagers and its REST API.

import { RuntimeError } from '../errors.js';
import { logResolvedConfig } from '../logging.js';
import { RestServer, restUrlOf } from '../rest/rest-server.js';
import { RpcServer } from '../rpc/rpc-server.js';
import type { JobManagerHandle, StartJobManagerOptions } from './job-manager-handle.js';
import { JobManager, type JobManagerOptions } from './job-manager.js';

/** Tuning that only tests and embedders change; see {@link JobManagerOptions}. */
export type JobManagerTuning = Pick<JobManagerOptions, 'cancelTimeoutMs' | 'maxRetainedJobs'>;

/**
 * Starts a JobManager: binds the RPC WebSocket endpoint on `jobmanager.rpc.address:jobmanager.rpc.port` (path
 * `/rpc`) and the REST API on `rest.bind-address:rest.port` (port 0 picks a free one; the handle reports the real
 * urls), starts the heartbeat monitor, and logs where it listens.
 *
 * `close()` cancels unfinished jobs (CancelTask and ReleaseJob go out), closes every TaskManager link (1001)
 * and REST connection, and frees both ports; calling it again returns the same promise.
 *
 * @param tuning - cancel timeout and job retention, defaults in {@link JobManagerOptions}.
 * @throws RuntimeError `ERR_RT_BAD_CONFIG` when a port cannot be bound (in use, address not local), naming the key.
 */
export async function startJobManager(options: StartJobManagerOptions, tuning: JobManagerTuning = {}): Promise<JobManagerHandle> {
  const { config, logger } = options;
  logResolvedConfig(logger, config);
  const jobManager = new JobManager({ config, logger, ...tuning });
  const token = config['cluster.token'];
  const rpc = new RpcServer({ host: config['jobmanager.rpc.address'], port: config['jobmanager.rpc.port'], token, logger, handler: jobManager });
  const rest = new RestServer({ jobManager, host: config['rest.bind-address'], port: config['rest.port'], token, logger });

  const rpcUrl = await rpc.listen().catch((error: Error) => {
    throw bindError('jobmanager.rpc.address/jobmanager.rpc.port', `${config['jobmanager.rpc.address']}:${config['jobmanager.rpc.port']}`, error);
  });
  let restPort: number;
  try {
    restPort = await rest.listen();
  } catch (error) {
    await rpc.close();
    throw bindError('rest.bind-address/rest.port', `${config['rest.bind-address']}:${config['rest.port']}`, error as Error);
  }
  const restUrl = restUrlOf(config['rest.bind-address'], config['rest.address'], restPort);
  jobManager.start();
  logger.info({ restUrl, rpcUrl }, `JobManager started: REST API at ${restUrl}, TaskManagers register at ${rpcUrl}`);

  let closing: Promise<void> | null = null;
  return {
    restUrl,
    rpcUrl,
    close() {
      closing ??= (async () => {
        jobManager.close();
        await rest.close();
        await rpc.close();
        logger.info('JobManager stopped');
      })();
      return closing;
    },
  };
}

function bindError(keys: string, where: string, error: Error): RuntimeError {
  const code = (error as { code?: unknown }).code;
  const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EADDRNOTAVAIL' ? 'the address is not on this machine' : error.message;
  return new RuntimeError('ERR_RT_BAD_CONFIG', `cannot listen on ${where} (${keys}): ${why}`, { cause: error });
}
