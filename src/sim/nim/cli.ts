// Moved to src/commands/sim.ts. This re-export only keeps src/cli/main.tsx's dispatcher entry
// working until it imports '../commands/sim.ts' directly; then delete this file (an adapter must
// not import a command).
export { simCommand } from '../../commands/sim.ts';
