// Spawnable entry for tests and benchmarks: `node --import tsx src/sim/nim/cli-entry.ts --port 0`.
import { simCommand } from './cli.ts';

process.exitCode = await simCommand(process.argv.slice(2));
