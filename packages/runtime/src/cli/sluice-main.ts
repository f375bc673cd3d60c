// Entry of the `sluice` command (`pnpm sluice …`): runs the CLI; the first Ctrl-C asks the command to stop, the second exits at once.
import { createCommandHandlers } from '../client/command-handlers.js';
import { runCli } from './cli.js';

const controller = new AbortController();
let numSignals = 0;

/** First signal: abort, so a long-running command stops its processes and resolves. Second: exit now. */
function onSignal(signal: NodeJS.Signals): void {
  numSignals += 1;
  if (numSignals > 1) process.exit(130);
  controller.abort(new Error(`received ${signal}`));
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.exitCode = await runCli(process.argv.slice(2), { handlers: createCommandHandlers(), signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
