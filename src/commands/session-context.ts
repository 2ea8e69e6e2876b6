// What the saved-session commands (sessions, replay, compare, validate, export, import, report)
// share: the sessions folder and config, reading a session by id, and the common error handling —
// usage and config problems exit 2, a missing or unreadable file exits 1, said in one line.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImportError } from '../core/import-results.ts';
import { patternRunsFromEvents } from '../core/pattern-result.ts';
import { slaReport, slaTargetsFor } from '../core/sla-report.ts';
import { ConfigError, loadConfig, type NimbleConfig } from '../app/config.ts';
import { deleteSession, findSessionId, listSessions, readSession, resolveSessionsDir, SessionReadError, type LoadedSession } from '../sessions/store.ts';
import type { PriceTable } from '../core/cost.ts';
import type { SessionsAdapter } from '../ui/launch.tsx';
import type { ReportInput } from '../sessions/pattern-report.ts';
import { sanitizeDeep } from '../util/sanitize-deep.ts';
import { UsageError } from '../cli/args.ts';
import { processIo, type CommandIo } from './io.ts';

export const SESSIONS_DIR_FLAG = { 'sessions-dir': { type: 'string' } } as const;

export interface SessionCtx {
  io: CommandIo;
  config: NimbleConfig;
  dir: string;
}

export function sessionCtx(io: CommandIo, sessionsDir: string | undefined): SessionCtx {
  const config = loadConfig(io.env);
  const dir = resolveSessionsDir({ flag: sessionsDir, env: io.env, cwd: io.cwd, configDir: config.sessionsDir });
  return { io, config, dir };
}

/** Runs a command body with the common error handling (see the top of this file). */
export async function guarded(io: CommandIo | undefined, body: (io: CommandIo) => Promise<number> | number): Promise<number> {
  const theIo = io ?? processIo();
  try {
    return await body(theIo);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      theIo.stderr.write(`nimble: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SessionReadError || err instanceof ImportError) {
      theIo.stderr.write(`nimble: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** A session by id (or prefix, or 'latest'); its warnings go to stderr. */
export function loadSession(ctx: SessionCtx, ref: string): LoadedSession {
  const found = findSessionId(ctx.dir, ref);
  if ('error' in found) throw new SessionReadError(ref, found.error);
  // Everything a session holds may come from a server or an imported file: cleaned for display.
  const s = sanitizeDeep(readSession(ctx.dir, found.id, { priceTable: ctx.config.priceTable }));
  for (const w of s.warnings) ctx.io.stderr.write(`nimble: ${s.id}: ${w}\n`);
  return s;
}

/** Every pattern run (nimble load) of the sessions named, with its SLA report. */
export function patternInputs(ctx: SessionCtx, refs: string[]): ReportInput[] {
  const out: ReportInput[] = [];
  for (const ref of refs) {
    const s = loadSession(ctx, ref);
    const runs = patternRunsFromEvents(s.events);
    if (!runs.length) throw new SessionReadError(s.id, 'holds no pattern run (made by nimble load); for a sweep use nimble export');
    for (const run of runs) {
      out.push({
        id: s.id,
        model: run.model,
        target: s.summary.meta.target ?? (s.summary.meta.mode === 'sim' ? 'built-in simulator' : '—'),
        startedAt: s.summary.meta.startedAt,
        run,
        sla: run.result ? slaReport(run.result, slaTargetsFor(run.spec.shape, ctx.config.sla)) : null,
      });
    }
  }
  return out;
}

/** A report to --out (relative to the working folder; said on stderr) or to stdout. */
export function writeOut(io: CommandIo, out: string | undefined, text: string): void {
  if (!out) {
    io.stdout.write(text);
    return;
  }
  const file = resolve(io.cwd, out);
  writeFileSync(file, text);
  io.stderr.write(`wrote ${file}\n`);
}

/** The sessions browser's I/O: the folder listed, read and deleted here, cleaned for display. */
export function sessionsAdapter(dir: string, priceTable: PriceTable): SessionsAdapter {
  return {
    dir,
    list: () => sanitizeDeep(listSessions(dir, { priceTable })),
    events: (id) => sanitizeDeep(readSession(dir, id, { priceTable }).events),
    summary: (id) => sanitizeDeep(readSession(dir, id, { priceTable, summaryOnly: true }).summary),
    remove: (id) => deleteSession(dir, id),
  };
}
