import * as path from 'node:path';
import { githubAnnotations } from './annotations';
import { MergeInputError, mergeReports } from './merge';
import { DEFAULT_OPTIONS } from './options';
import { writeReports } from './report-outputs';
import { terminalWidth } from './text-fit';
import { textSummary } from './text-summary';

const USAGE = `usage: leakproof merge <shard-report.json>... [--out leakproof-report.json] [--html leakproof-report.html]
                       [--baseline leakproof-baseline.json | --no-baseline] [--tolerance 0.25] [--update] [--allow-empty] [--root-dir .]
Merges the JSON reports of jest --shard=i/n runs and applies the baseline once.
Exit code: 0 no regression, 1 new or grown findings (or an invalid baseline), 2 bad input.`;

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The summary's width: the terminal's (stdout) by default. */
  columns?: number;
}

/** The `leakproof` command; returns the exit code. */
export function main(
  argv: string[],
  io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() },
): number {
  try {
    return run(argv, io);
  } catch (error) {
    if (error instanceof MergeInputError || error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

class UsageError extends Error {}

function run(argv: string[], io: Io): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'merge') throw new UsageError(`leakproof: unknown command ${JSON.stringify(command ?? '')}\n${USAGE}`);
  const inputs: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      inputs.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (name === 'update' || name === 'no-baseline' || name === 'allow-empty') flags[name] = true;
    else if (['out', 'html', 'baseline', 'tolerance', 'root-dir'].includes(name)) {
      const value = inline ?? rest[++i];
      if (value === undefined) throw new UsageError(`leakproof merge: --${name} needs a value\n${USAGE}`);
      flags[name] = value;
    } else throw new UsageError(`leakproof merge: unknown option --${name}\n${USAGE}`);
  }
  if (inputs.length === 0) throw new UsageError(`leakproof merge: no shard reports given\n${USAGE}`);
  const rootDir = path.resolve(io.cwd, (flags['root-dir'] as string | undefined) ?? '.');
  const tolerance = flags.tolerance === undefined ? DEFAULT_OPTIONS.tolerance : Number(flags.tolerance);
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 10)
    throw new UsageError(`leakproof merge: --tolerance ${flags.tolerance}: expected a number from 0 to 10 (0.25 = +25%)`);
  const baseline = flags['no-baseline']
    ? null
    : path.resolve(rootDir, (flags.baseline as string | undefined) ?? (DEFAULT_OPTIONS.baseline as string));
  const { report, error } = mergeReports(
    inputs.map((f) => path.resolve(io.cwd, f)),
    {
      rootDir,
      baseline,
      tolerance,
      update: flags.update === true || io.env.LEAKPROOF_UPDATE_BASELINE === '1',
      allowEmpty: flags['allow-empty'] === true,
    },
  );
  const out = path.resolve(io.cwd, (flags.out as string | undefined) ?? (DEFAULT_OPTIONS.outputFile as string));
  const html = flags.html ? path.resolve(io.cwd, flags.html as string) : false;
  const written = writeReports(report, { json: out, html });
  if (io.env.GITHUB_ACTIONS === 'true') for (const line of githubAnnotations(report)) io.stdout(`${line}\n`);
  io.stdout(
    `${textSummary(
      report,
      written.map((w) => path.relative(io.cwd, w)),
      io.columns ?? terminalWidth(process.stdout),
    )}\n`,
  );
  if (error && report.verdict.ok) io.stderr(`${error.message}\n`);
  return error ? 1 : 0;
}
