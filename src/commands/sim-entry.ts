// Spawnable entry for tests and benchmarks: `node --import tsx src/commands/sim-entry.ts --port 0`
// (lighter than the whole dispatcher; bad flags print and exit 2 as `nimble sim` does).
import { UsageError } from '../cli/args.ts';
import { simCommand } from './sim.ts';

try {
  process.exitCode = await simCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`nimble sim: ${err.message}\n\n${err.usage}`);
  process.exitCode = 2;
}
