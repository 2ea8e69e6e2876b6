// nimble's entry: dispatches a subcommand. Each command module is loaded lazily so `nimble sim`
// does not pay for Ink, and a failure in one never hides another's usage.

import { UsageError } from './args.ts';
import { inCi } from '../util/ci.ts';
import { lifelineActive } from '../app/lifeline.ts';

const USAGE = `nimble — from an NVIDIA NIM to a measured, costed answer

Usage: nimble <command> [options]      (nimble <command> --help for its options)

  run --sim                  the whole cycle on the built-in simulator (no cluster, no GPU)
  run                        deploy a NIM to the current kubectl context, test, sweep, clean up
  sweep --target URL         smoke test + concurrency sweep against any OpenAI-compatible server
  load --pattern spike|...   step / spike / stress / soak load over time (--sim or --target URL)
  sim --port 8000            run the simulated NIM server on its own
  status                     nimble-labelled releases, volumes and load balancers still running
  cleanup                    remove a nimble release (and what it costs)
  sessions                   browse saved sessions        replay <id>    replay a session
  compare <id> <id> [...]    compare sessions             validate [<id>] --tier fast
  export <id> --format md|csv|json                       import <file>  (GuideLLM / vllm bench)
  report <id> --format md|html                           a pattern run's report     validate <id> --sla
  version | help
`;


// The bin calls a command with its argv only (each defaults to the process's streams).
type Command = (argv: string[]) => Promise<number>;

// One module per command under src/commands.
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('../commands/run.ts')).runCommand,
  sweep: async () => (await import('../commands/sweep.ts')).sweepCommand,
  sim: async () => (await import('../commands/sim.ts')).simCommand,
  load: async () => (await import('../commands/load.ts')).loadCommand,
  report: async () => (await import('../commands/report.ts')).reportCommand,
  status: async () => (await import('../commands/status.ts')).statusCommand,
  cleanup: async () => (await import('../commands/cleanup.ts')).cleanupCommand,
  sessions: async () => (await import('../commands/sessions.ts')).sessionsCommand,
  replay: async () => (await import('../commands/replay.ts')).replayCommand,
  compare: async () => (await import('../commands/compare.ts')).compareCommand,
  validate: async () => (await import('../commands/validate.ts')).validateCommand,
  export: async () => (await import('../commands/export.ts')).exportCommand,
  import: async () => (await import('../commands/import.ts')).importCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name && process.stdout.isTTY && process.stdin.isTTY && !inCi(process.env)) {
    // The TUI home is the sessions browser; `nimble --help` lists the commands.
    return (await COMMANDS.sessions())([]);
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === 'version' || name === '--version') {
    const { NIMBLE_VERSION } = await import('../util/version.ts');
    process.stdout.write(`nimble ${NIMBLE_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`nimble: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`nimble ${name}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`nimble ${name}: ${msg}\n`);
    if (process.env.NIMBLE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// A closed stdout (`nimble sessions | head -1`) ends a plain command quietly, as SIGPIPE would; a run
// or sweep handles it itself (stop, clean up, save: src/app/lifeline.ts).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (lifelineActive()) return;
  if (err.code === 'EPIPE' || err.code === 'EIO' || err.code === 'ERR_STREAM_DESTROYED') process.exit(141);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
// Workers, sockets or timers left by a failed command must not keep the process alive.
setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
