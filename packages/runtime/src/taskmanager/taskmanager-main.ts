// Process entry of a TaskManager: `node --import tsx taskmanager-main.ts [-D key=value ...]` (the CLI's `sluice taskmanager` does the same).
import { createLogger } from '../logging.js';
import { loadConfig } from '../options.js';
import { startTaskManager } from './start-task-manager.js';

const overrides: Record<string, string> = {};
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '-D' && process.argv[i + 1]?.includes('=')) {
    const [key, ...value] = process.argv[++i].split('=');
    overrides[key] = value.join('=');
  }
}
const config = loadConfig({ overrides });
const handle = await startTaskManager({ config, logger: createLogger('taskmanager') });
const stop = () => void handle.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
