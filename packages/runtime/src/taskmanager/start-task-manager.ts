// Starts a TaskManager in this process: data server, registration with the JobManager, heartbeats, reconnects.
import { randomBytes } from 'node:crypto';
import { RPC_PATH, type JobManagerToTaskManager } from '../rpc/messages.js';
import { connectToJobManager, type RpcClient } from '../rpc/rpc-client.js';
import type { StartTaskManagerOptions, TaskManagerHandle } from '../jobmanager/job-manager-handle.js';
import { TaskManager } from './task-manager.js';

/** Pause between attempts to (re)connect to the JobManager. */
const RECONNECT_DELAY_MS = 1_000;

/**
 * Starts a TaskManager: network memory, data server, then registration with the JobManager over its
 * control link and a heartbeat every `heartbeat.interval`. If the link drops, running subtasks are
 * cancelled (the JobManager fails their jobs) and the TaskManager registers again as soon as it can.
 */
export async function startTaskManager(options: StartTaskManagerOptions): Promise<TaskManagerHandle> {
  const { config, logger } = options;
  const resourceId = options.resourceId ?? `tm-${randomBytes(4).toString('hex')}`;
  const jobManagerUrl = options.jobManagerRpcUrl ?? `ws://${config['jobmanager.rpc.address']}:${config['jobmanager.rpc.port']}${RPC_PATH}`;
  const taskManager = new TaskManager(resourceId, config, logger.child({ tm: resourceId }));
  let dataUrl: string;
  try {
    dataUrl = await taskManager.startDataServer();
  } catch (error) {
    await taskManager.close(); // the network loop would otherwise keep the process alive
    throw error;
  }
  let client: RpcClient | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let isClosed = false;
  let reconnect: NodeJS.Timeout | undefined;
  let isRejected = false;
  // Messages are handled one at a time, in order: DeployJobCode awaits writing the bundle, and the
  // SubmitTask behind it must not overtake it.
  let queue: Promise<void> = Promise.resolve();

  const onMessage = (message: JobManagerToTaskManager) => {
    if (message.type === 'RegistrationRejected') {
      isRejected = true;
      logger.error({ reason: message.reason }, 'the JobManager rejected this TaskManager; not registering again');
      return;
    }
    if (message.type === 'RegistrationSuccess') {
      logger.info({ resourceId, jobManagerUrl, dataUrl }, 'registered at the JobManager');
      clearInterval(heartbeat);
      heartbeat = setInterval(() => client?.send(taskManager.heartbeat()), message.heartbeatIntervalMs);
      return;
    }
    queue = queue.then(() => taskManager.onMessage(message)).catch((error: Error) => logger.error({ err: error }, `handling ${message.type} failed`));
  };

  const connect = async (): Promise<void> => {
    try {
      client = await connectToJobManager(jobManagerUrl, {
        token: config['cluster.token'],
        onMessage,
        onClose: (code, reason) => {
          clearInterval(heartbeat);
          client = null;
          taskManager.setJobManagerLink(null);
          if (isClosed) return;
          void taskManager.releaseAllJobs().catch((error: Error) => logger.warn({ err: error.message }, 'releasing the jobs failed'));
          if (isRejected) return;
          logger.warn({ code, reason }, 'lost the JobManager; ending its jobs here and registering again');
          reconnect = setTimeout(() => void connect(), RECONNECT_DELAY_MS);
        },
      });
      const link = client;
      taskManager.setJobManagerLink({ send: (message) => void link.send(message) });
      link.send(taskManager.registration());
    } catch (error) {
      if (isClosed) return;
      logger.warn({ err: (error as Error).message, jobManagerUrl }, 'cannot reach the JobManager; retrying');
      reconnect = setTimeout(() => void connect(), RECONNECT_DELAY_MS);
    }
  };
  await connect();

  return {
    resourceId,
    dataUrl,
    async close() {
      isClosed = true;
      clearInterval(heartbeat);
      clearTimeout(reconnect);
      await taskManager.close();
      await client?.close();
    },
  };
}
