// Samples the cluster's processes while the experiment runs: TaskManager RSS and CPU, ours and everyone else's (/proc; RSS with `ps` elsewhere).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** CPU time as /proc counts it, in clock ticks summed over all CPUs. */
export interface CpuTicks {
  /** Busy time of the whole machine. */
  readonly machineBusy: number;
  /** Busy and idle time of the whole machine: its difference over an interval is the interval × CPUs. */
  readonly machineTotal: number;
  /** Busy time of the experiment's processes: the cluster's and the driver's own. */
  readonly ours: number;
}

/** One look at the processes. */
export interface ProcessSample {
  /** Epoch ms. */
  readonly atMs: number;
  /** TaskManager name (`tm-1`, …) → resident set size in KiB (absent when the process is gone). */
  readonly rssKiB: Readonly<Record<string, number>>;
  /** Absent where /proc is not readable (not Linux). */
  readonly cpu?: CpuTicks;
}

/**
 * Every `intervalMs`, reads each TaskManager's RSS (`VmRSS` of `/proc/<pid>/status`; where there is no /proc,
 * `ps -o pid=,rss= -p <pids>`, a process forked per sample, which is why /proc comes first) and `/proc/stat` and
 * `/proc/<pid>/stat` of the experiment's processes. The RSS shows whether in-flight memory stays bounded; the
 * CPU shows how much of the machine other programs took, which explains a 100 % phase that falls short on a
 * shared machine. A failing `ps` or an unreadable /proc leaves a value out rather than stopping the experiment.
 *
 * Owned by: the experiment driver's main thread.
 */
export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  #loop: Promise<void> | undefined;
  #isStopping = false;

  /**
   * @param taskManagers - TaskManager name → pid, whose RSS is sampled
   * @param ourPids - every process of the experiment (JobManager, TaskManagers, this driver), whose CPU is ours
   * @param intervalMs - time between samples (default 500 ms)
   */
  constructor(
    private readonly taskManagers: ReadonlyMap<string, number>,
    private readonly ourPids: readonly number[],
    private readonly intervalMs = 500,
  ) {}

  /** Starts sampling. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops sampling; resolves when the sample under way is done. */
  async stop(): Promise<void> {
    this.#isStopping = true;
    await this.#loop;
  }

  /** Takes one sample now (also while the loop runs). */
  async sampleOnce(): Promise<ProcessSample> {
    const [rssKiB, cpu] = await Promise.all([this.#readRss(), readCpuTicks(this.ourPids)]);
    const sample = { atMs: Date.now(), rssKiB, ...(cpu === undefined ? {} : { cpu }) };
    this.samples.push(sample);
    return sample;
  }

  async #readRss(): Promise<Record<string, number>> {
    const rssKiB: Record<string, number> = {};
    const pids = [...this.taskManagers.values()];
    if (pids.length === 0) return rssKiB;
    if (await hasProcStatus()) {
      for (const [name, pid] of this.taskManagers) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
        const match = status === undefined ? null : /^VmRSS:\s+(\d+) kB$/m.exec(status);
        if (match !== null) rssKiB[name] = Number(match[1]);
      }
      return rssKiB;
    }
    try {
      const { stdout } = await execFileAsync('ps', ['-o', 'pid=,rss=', '-p', pids.join(',')]);
      const byPid = new Map<number, number>();
      for (const line of stdout.split('\n')) {
        const [pid, rss] = line.trim().split(/\s+/).map(Number);
        if (Number.isInteger(pid) && Number.isFinite(rss)) byPid.set(pid, rss);
      }
      for (const [name, pid] of this.taskManagers) if (byPid.has(pid)) rssKiB[name] = byPid.get(pid)!;
    } catch {
      // ps exits 1 when none of the pids exists any more
    }
    return rssKiB;
  }

  async #run(): Promise<void> {
    while (!this.#isStopping) {
      await this.sampleOnce();
      await sleep(this.intervalMs);
    }
  }
}

let procStatus: Promise<boolean> | undefined;

/** Whether this system has Linux's /proc/<pid>/status (asked once). */
function hasProcStatus(): Promise<boolean> {
  procStatus ??= readFile('/proc/self/status', 'utf8').then((text) => text.includes('VmRSS:'), () => false);
  return procStatus;
}

/** Machine and own CPU ticks from /proc, or undefined where it cannot be read. */
async function readCpuTicks(pids: readonly number[]): Promise<CpuTicks | undefined> {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const fields = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
    const machineBusy = user + nice + system + irq + softirq + steal;
    let ours = 0;
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
      if (stat === undefined) continue;
      // After "pid (comm) ": state is field 3, utime and stime are fields 14 and 15 (threads included).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ours += Number(rest[11]) + Number(rest[12]);
    }
    return { machineBusy, machineTotal: machineBusy + idle + iowait, ours };
  } catch {
    return undefined;
  }
}

/**
 * Cores used on average between two samples: by the experiment's processes and by everything else.
 * Undefined when either sample has no CPU figures.
 */
export function coresBetween(from: ProcessSample, to: ProcessSample): { ours: number; others: number } | undefined {
  if (from.cpu === undefined || to.cpu === undefined) return undefined;
  const total = to.cpu.machineTotal - from.cpu.machineTotal;
  if (total <= 0) return undefined;
  const numCpus = cpus().length;
  const ours = ((to.cpu.ours - from.cpu.ours) / total) * numCpus;
  const busy = ((to.cpu.machineBusy - from.cpu.machineBusy) / total) * numCpus;
  return { ours, others: Math.max(0, busy - ours) };
}
