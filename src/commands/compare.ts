// `nimble compare <id> <id> [...]`: sessions side by side (markdown, --json, or the compare view on
// a terminal); sessions of nimble load compare their pattern runs instead.

import { compareSessions, compareToMarkdown } from '../core/compare.ts';
import { comparePatternsMarkdown } from '../core/pattern-compare.ts';
import { patternRunsFromEvents } from '../core/pattern-result.ts';
import { slaReport, slaTargetsFor } from '../core/sla-report.ts';
import type { NimbleConfig } from '../app/config.ts';
import type { LoadedSession } from '../sessions/store.ts';
import { parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, loadSession, SESSIONS_DIR_FLAG, sessionCtx } from './session-context.ts';

const USAGE = 'usage: nimble compare <id> <id> [...] [--json|--md]';

export function compareCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, async (io) => {
    const { values: f, positionals } = parse(argv, { ...SESSIONS_DIR_FLAG, json: { type: 'boolean' }, md: { type: 'boolean' } }, USAGE, true);
    if (positionals.length < 2) throw new UsageError(USAGE, USAGE);
    if (f.json && f.md) throw new UsageError('--json and --md: pick one', USAGE);
    const ctx = sessionCtx(io, f['sessions-dir']);
    const loaded = positionals.map((ref) => loadSession(ctx, ref));
    if (loaded.every((s) => s.events.some((e) => e.type === 'pattern.started'))) {
      io.stdout.write(comparePatternsText(loaded, ctx.config, !!f.json) + '\n');
      return 0;
    }
    const c = compareSessions(loaded.map((s) => s.summary));
    if (f.json) io.stdout.write(JSON.stringify(c, null, 2) + '\n');
    else if (!f.md && io.stdout.isTTY && io.stdin?.isTTY) {
      // The one call into the interactive app: compare as its only route.
      const [{ launchCompare }, { loadTheme }] = await Promise.all([import('../ui/launch.tsx'), import('../app/themes.ts')]);
      return launchCompare({ comparison: c, theme: loadTheme(io.env.NIMBLE_THEME || undefined, io.env), priceTable: ctx.config.priceTable });
    } else io.stdout.write(compareToMarkdown(c) + '\n');
    return 0;
  });
}

/** nimble compare on pattern sessions: the first pattern run of each, side by side. */
export function comparePatternsText(sessions: LoadedSession[], config: NimbleConfig, json: boolean): string {
  const runs = sessions.map((s) => {
    const run = patternRunsFromEvents(s.events)[0];
    return { id: s.id, run, sla: run.result ? slaReport(run.result, slaTargetsFor(run.spec.shape, config.sla)) : null };
  });
  if (json) return JSON.stringify(runs.map((r) => ({ id: r.id, spec: r.run.spec, result: r.run.result, sla: r.sla })), null, 2);
  return comparePatternsMarkdown(runs);
}
