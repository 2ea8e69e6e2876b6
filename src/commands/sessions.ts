// `nimble sessions`: the saved sessions — the browser on a terminal, else a table (or --json).

import { formatUsd } from '../core/cost.ts';
import { tierLabelOrDash } from '../core/session-summary.ts';
import { breakingPointsLabel, formatDuration, statusLabel, type SessionRow } from '../core/session-rows.ts';
import { listSessions } from '../sessions/store.ts';
import { sanitizeDeep } from '../util/sanitize-deep.ts';
import { parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, SESSIONS_DIR_FLAG, sessionCtx, sessionsAdapter } from './session-context.ts';

const USAGE = 'Usage: nimble sessions [--json] [--sessions-dir DIR]\n';

export function sessionsTable(rows: SessionRow[]): string {
  const head = ['ID', 'DATE', 'MODE', 'MODEL', 'GPU', 'DEPLOY', 'TOTAL', 'BREAKING POINT', 'COST', 'STATUS'];
  const body = rows.map((r) => [
    r.id,
    r.date.replace('T', ' ').slice(0, 16),
    r.mode === 'sim' && r.profile ? `sim:${r.profile}` : r.mode,
    r.model,
    `${r.gpuCount ? `${r.gpuCount}× ` : ''}${r.gpuShape}`,
    r.deployMs === null ? '—' : `${formatDuration(r.deployMs)} ${tierLabelOrDash(r.deployTier)}`,
    r.totalMs === null ? '—' : `${formatDuration(r.totalMs)} ${tierLabelOrDash(r.totalTier)}`,
    breakingPointsLabel(r),
    r.mode === 'import' ? '—' : formatUsd(r.costUsd),
    statusLabel(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function sessionsCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, async (io) => {
    const { values: f, positionals } = parse(argv, { ...SESSIONS_DIR_FLAG, json: { type: 'boolean' } }, USAGE, true);
    if (positionals.length) throw new UsageError(`sessions takes no arguments (got ${positionals.join(' ')})`, USAGE);
    const ctx = sessionCtx(io, f['sessions-dir']);
    if (io.stdout.isTTY && !f.json && io.stdin?.isTTY) {
      // The one call into the interactive app: the browser is its home route.
      const [{ launchSessions }, { loadTheme }] = await Promise.all([import('../ui/launch.tsx'), import('../app/themes.ts')]);
      return launchSessions({ sessions: sessionsAdapter(ctx.dir, ctx.config.priceTable), theme: loadTheme(io.env.NIMBLE_THEME || undefined, io.env), priceTable: ctx.config.priceTable });
    }
    const list = sanitizeDeep(listSessions(ctx.dir, { priceTable: ctx.config.priceTable }));
    if (f.json) {
      io.stdout.write(JSON.stringify({ dir: ctx.dir, ...list }, null, 2) + '\n');
      return 0;
    }
    if (!list.rows.length) io.stdout.write(`No sessions in ${ctx.dir}. Run one: nimble run --sim\n`);
    else io.stdout.write(sessionsTable(list.rows) + '\n');
    for (const u of list.unreadable) io.stdout.write(`unreadable: ${u.name} — ${u.reason}\n`);
    return 0;
  });
}
