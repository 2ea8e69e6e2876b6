// `nimble replay <id>`: a saved session played back through the live views; without a terminal,
// the final screen it ends on.

import { SessionReadError } from '../sessions/store.ts';
import type { ReplaySpeed } from '../ui/launch.tsx';
import { loadTheme } from '../app/themes.ts';
import { parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, loadSession, SESSIONS_DIR_FLAG, sessionCtx } from './session-context.ts';

const USAGE = 'usage: nimble replay <id> [--speed 1|10|100|step]';

export function replayCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, async (io) => {
    const { values: f, positionals } = parse(argv, { ...SESSIONS_DIR_FLAG, speed: { type: 'string' } }, USAGE, true);
    if (positionals.length !== 1) throw new UsageError(USAGE, USAGE);
    const speedFlag = f.speed ?? '10';
    const n = Number(speedFlag.replace(/x$/i, ''));
    const speed: ReplaySpeed | null = speedFlag === 'step' ? 'step' : n === 1 || n === 10 || n === 100 ? n : null;
    if (speed === null) throw new UsageError(`--speed must be 1, 10, 100 or step (got ${speedFlag})`, USAGE);
    const ctx = sessionCtx(io, f['sessions-dir']);
    const s = loadSession(ctx, positionals[0]);
    if (!s.events.length) throw new SessionReadError(s.id, 'no event log to replay (only a summary)');
    const theme = loadTheme(io.env.NIMBLE_THEME || undefined, io.env);
    if (io.stdout.isTTY && io.stdin?.isTTY) {
      // The one call into the interactive app: replay as its only route.
      const { launchReplay } = await import('../ui/launch.tsx');
      return launchReplay({ id: s.id, events: s.events, speed, theme, priceTable: ctx.config.priceTable });
    }
    // Without a terminal there is nothing to watch: print the final screen the replay ends on.
    const { replayFinalFrame } = await import('../ui/sessions/replay.tsx');
    io.stdout.write(replayFinalFrame(s.events, theme, ctx.config.priceTable) + '\n');
    return 0;
  });
}
