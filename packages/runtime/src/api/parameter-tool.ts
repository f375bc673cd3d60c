// Flink's ParameterTool: the job's program arguments (`--input a.txt --output out`) as a small lookup.
import { RuntimeError } from '../errors.js';

/**
 * Reads `--key value` and `--flag` pairs from a job's program arguments, which follow the job file on
 * the command line (`sluice run job.ts --input a.txt`) and reach the job as `process.argv.slice(2)`
 * in every process that runs it.
 */
export class ParameterTool {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Parses `args`, e.g. `ParameterTool.fromArgs(process.argv.slice(2))`. */
  static fromArgs(args: readonly string[]): ParameterTool {
    const values = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (!arg.startsWith('-')) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `program argument "${arg}" is not a --key (expected --key value or --flag)`);
      const key = arg.replace(/^--?/, '');
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        values.set(key, next);
        i++;
      } else {
        values.set(key, 'true');
      }
    }
    return new ParameterTool(values);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): string | undefined;
  get(key: string, defaultValue: string): string;
  get(key: string, defaultValue?: string): string | undefined {
    return this.values.get(key) ?? defaultValue;
  }

  /** The value as a number. @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when it is not one */
  getNumber(key: string, defaultValue: number): number {
    const raw = this.values.get(key);
    if (raw === undefined) return defaultValue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `--${key} must be a number, got "${raw}"`);
    return value;
  }
}
