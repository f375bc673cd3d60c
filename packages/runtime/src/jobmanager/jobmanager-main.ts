// Process entry of a standalone JobManager: configuration from file and environment, then serve until SIGINT/SIGTERM.
import { createLogger } from '../logging.js';
import { loadConfig } from '../options.js';
import { startJobManager } from './start-job-manager.js';

const config = loadConfig();
const logger = createLogger('jobmanager');
const jobManager = await startJobManager({ config, logger });
const stop = (): void => {
  jobManager.close().then(() => process.exit(0), (error: unknown) => {
    logger.error({ err: error }, 'JobManager failed to stop cleanly');
    process.exit(1);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
