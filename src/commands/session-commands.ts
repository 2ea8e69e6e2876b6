// The session commands the CLI dispatches to: sessions, replay, compare, validate, export, import.
// Each takes argv (after the command name) and returns an exit code: 0 ok, 1 failed (validate:
// a check failed), 2 bad usage, 3 (validate) inconclusive. Never throws for a bad file: it says which and why.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareSessions, compareToMarkdown } from '../core/compare.ts';
import { formatUsd } from '../core/cost.ts';
import { ImportError, type ImportFormat } from '../core/import-results.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import { parseTier, TIER_LABEL, type TierId } from '../core/tiers.ts';
import { reliability, reliabilityToText, VALIDATE_EXIT, validateSession, validationToText } from '../core/validate.ts';
import { ConfigError, loadConfig, type NimbleConfig } from '../app/config.ts';
import { exportSession, type ExportFormat } from '../sessions/export.ts';
import { importResultFiles } from '../sessions/import.ts';
import { breakingPointsLabel, formatDuration, statusLabel, type SessionRow } from '../sessions/rows.ts';
import { findSessionId, listSessions, readSession, resolveSessionsDir, saveSession, SessionReadError, type LoadedSession } from '../sessions/store.ts';
import { tierLabelOrDash } from '../core/session-summary.ts';
import type { ReplaySpeed } from '../ui/sessions/replay-controller.ts';
import { sanitizeDeep } from '../util/sanitize-deep.ts';

export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin?: NodeJS.ReadStream;
}

const defaultIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin });

type FlagSpec = Record<string, 'string' | 'boolean'>;
interface Parsed {
  positional: string[];
  flags: Record<string, string | boolean>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag --${name} (expected ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags[name] = v;
    }
  }
  return { positional, flags };
}

const NIMBLE_VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

interface Ctx {
  io: CommandIo;
  config: NimbleConfig;
  dir: string;
}

function context(flags: Parsed['flags'], io: CommandIo): Ctx {
  const config = loadConfig(io.env);
  const dir = resolveSessionsDir({ flag: flags['sessions-dir'] as string | undefined, env: io.env, cwd: io.cwd, configDir: config.sessionsDir });
  return { io, config, dir };
}

/** Runs a command body with the common error handling: usage → 2, config/file problems → 2/1. */
async function run(argv: string[], io: CommandIo | undefined, spec: FlagSpec, body: (p: Parsed, ctx: Ctx) => Promise<number> | number): Promise<number> {
  const theIo = io ?? defaultIo();
  try {
    const p = parseArgs(argv, { 'sessions-dir': 'string', ...spec });
    return await body(p, context(p.flags, theIo));
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

function load(ctx: Ctx, ref: string): LoadedSession {
  const found = findSessionId(ctx.dir, ref);
  if ('error' in found) throw new SessionReadError(ref, found.error);
  // Everything a session holds may come from a server or an imported file: cleaned for display.
  const s = sanitizeDeep(readSession(ctx.dir, found.id, { priceTable: ctx.config.priceTable }));
  for (const w of s.warnings) ctx.io.stderr.write(`nimble: ${s.id}: ${w}\n`);
  return s;
}

// ---- nimble sessions ----

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
  return run(argv, io, { json: 'boolean' }, async (p, ctx) => {
    if (p.positional.length) throw new UsageError(`sessions takes no arguments (got ${p.positional.join(' ')})`);
    if (ctx.io.stdout.isTTY && !p.flags.json && ctx.io.stdin?.isTTY) {
      const { runSessionsBrowser } = await import('../ui/sessions/browser.tsx');
      return runSessionsBrowser({ dir: ctx.dir, priceTable: ctx.config.priceTable, env: ctx.io.env });
    }
    const list = sanitizeDeep(listSessions(ctx.dir, { priceTable: ctx.config.priceTable }));
    if (p.flags.json) {
      ctx.io.stdout.write(JSON.stringify({ dir: ctx.dir, ...list }, null, 2) + '\n');
      return 0;
    }
    if (!list.rows.length) ctx.io.stdout.write(`No sessions in ${ctx.dir}. Run one: nimble run --sim\n`);
    else ctx.io.stdout.write(sessionsTable(list.rows) + '\n');
    for (const u of list.unreadable) ctx.io.stdout.write(`unreadable: ${u.name} — ${u.reason}\n`);
    return 0;
  });
}

// ---- nimble replay ----

export function replayCommand(argv: string[], io?: CommandIo): Promise<number> {
  return run(argv, io, { speed: 'string' }, async (p, ctx) => {
    if (p.positional.length !== 1) throw new UsageError('usage: nimble replay <id> [--speed 1|10|100|step]');
    const speedFlag = String(p.flags.speed ?? '10');
    const n = Number(speedFlag.replace(/x$/i, ''));
    const speed: ReplaySpeed | null = speedFlag === 'step' ? 'step' : n === 1 || n === 10 || n === 100 ? n : null;
    if (speed === null) throw new UsageError(`--speed must be 1, 10, 100 or step (got ${speedFlag})`);
    const s = load(ctx, p.positional[0]);
    if (!s.events.length) throw new SessionReadError(s.id, 'no event log to replay (only a summary)');
    const { replayInTerminal, replayFinalFrame } = await import('../ui/sessions/replay.tsx');
    if (ctx.io.stdout.isTTY && ctx.io.stdin?.isTTY) return replayInTerminal({ events: s.events, speed, priceTable: ctx.config.priceTable, env: ctx.io.env });
    // Without a terminal there is nothing to watch: print the final screen the replay ends on.
    ctx.io.stdout.write(replayFinalFrame(s.events, ctx.io.env, ctx.config.priceTable) + '\n');
    return 0;
  });
}

// ---- nimble compare ----

export function compareCommand(argv: string[], io?: CommandIo): Promise<number> {
  return run(argv, io, { json: 'boolean', md: 'boolean' }, async (p, ctx) => {
    if (p.positional.length < 2) throw new UsageError('usage: nimble compare <id> <id> [...] [--json|--md]');
    if (p.flags.json && p.flags.md) throw new UsageError('--json and --md: pick one');
    const loaded = p.positional.map((ref) => load(ctx, ref));
    // Sessions of nimble load: their pattern runs compared over time (pattern-commands.ts).
    if (loaded.every((s) => s.events.some((e) => e.type === 'pattern.started'))) {
      const { comparePatternsText } = await import('./report.ts');
      ctx.io.stdout.write(comparePatternsText(loaded, ctx.config, !!p.flags.json) + '\n');
      return 0;
    }
    const sessions = loaded.map((s) => s.summary);
    const c = compareSessions(sessions);
    if (p.flags.json) ctx.io.stdout.write(JSON.stringify(c, null, 2) + '\n');
    else if (!p.flags.md && ctx.io.stdout.isTTY && ctx.io.stdin?.isTTY) {
      const { showCompare } = await import('../ui/sessions/compare-view.tsx');
      return showCompare(c, ctx.io.env);
    } else ctx.io.stdout.write(compareToMarkdown(c) + '\n');
    return 0;
  });
}

// ---- nimble validate ----

export const VALIDATE_USAGE = `Usage: nimble validate [<id>] [--tier ultra|fast|typical|slow] [--all] [--json]

Checks a session (default: the latest) against a tier's stage targets and checks that its
breaking point is a valid, decided answer; --all checks the reliability targets over every session.

Exit codes:
  0  pass: every check passes
  1  miss: a check fails (a stage over its target, a failed session)
  3  inconclusive: nothing fails, but an answer cannot be decided from this session — e.g. the
     breaking point is limited by the machine that ran nimble, or no level gave a valid result
  2  usage: a bad flag or argument
`;

export async function validateCommand(argv: string[], io?: CommandIo): Promise<number> {
  // SLA compliance of a pattern run (nimble load): its own exit codes, see pattern-commands.ts.
  if (argv.includes('--sla')) return (await import('./report.ts')).validateSlaCommand(argv, io);
  return run(argv, io, { tier: 'string', all: 'boolean', json: 'boolean', help: 'boolean' }, (p, ctx) => {
    if (p.flags.help) {
      ctx.io.stdout.write(VALIDATE_USAGE);
      return 0;
    }
    let tier: TierId | undefined;
    if (p.flags.tier !== undefined) {
      tier = parseTier(String(p.flags.tier));
      if (!tier) throw new UsageError(`--tier must be ultra, fast, typical or slow (got ${p.flags.tier})`);
    }
    if (p.flags.all) {
      if (p.positional.length) throw new UsageError('--all takes no session id');
      const list = listSessions(ctx.dir, { priceTable: ctx.config.priceTable });
      const summaries = list.rows.map((r) => readSession(ctx.dir, r.id, { priceTable: ctx.config.priceTable, summaryOnly: true }).summary);
      if (!summaries.length) throw new SessionReadError('--all', `no readable sessions in ${ctx.dir}`);
      const r = reliability(summaries, tier);
      ctx.io.stdout.write(p.flags.json ? JSON.stringify(r, null, 2) + '\n' : reliabilityToText(r) + '\n');
      for (const u of list.unreadable) ctx.io.stderr.write(`nimble: unreadable, left out: ${u.name} — ${u.reason}\n`);
      return r.pass ? 0 : 1;
    }
    if (p.positional.length > 1) throw new UsageError('usage: nimble validate [<id>] [--tier fast] [--all]');
    const s = load(ctx, p.positional[0] ?? 'latest');
    const v = validateSession(s.summary, tier ?? s.summary.meta.targetTier);
    if (p.flags.json) ctx.io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    else {
      ctx.io.stdout.write(validationToText(v) + '\n');
      if (!tier) ctx.io.stdout.write(`(tier from the session's target: ${TIER_LABEL[v.tier]}; choose with --tier)\n`);
    }
    return VALIDATE_EXIT[v.verdict];
  });
}

// ---- nimble export ----

export function exportCommand(argv: string[], io?: CommandIo): Promise<number> {
  return run(argv, io, { format: 'string', out: 'string' }, (p, ctx) => {
    if (p.positional.length !== 1) throw new UsageError('usage: nimble export <id> --format md|csv|json [--out <file>]');
    const format = String(p.flags.format ?? 'md');
    if (!['md', 'csv', 'json'].includes(format)) throw new UsageError(`--format must be md, csv or json (got ${format})`);
    const s = load(ctx, p.positional[0]);
    const text = exportSession(s.summary, s.events, format as ExportFormat);
    if (p.flags.out) {
      const out = resolve(ctx.io.cwd, String(p.flags.out));
      writeFileSync(out, text);
      ctx.io.stderr.write(`wrote ${out}\n`);
    } else ctx.io.stdout.write(text);
    return 0;
  });
}

// ---- nimble import ----

const SHAPES: ShapeId[] = ['support', 'summary', 'coding'];

export function importCommand(argv: string[], io?: CommandIo): Promise<number> {
  return run(argv, io, { format: 'string', shape: 'string', 'gpu-shape': 'string', 'gpu-count': 'string', model: 'string', json: 'boolean' }, (p, ctx) => {
    if (!p.positional.length) throw new UsageError('usage: nimble import <file> [<file>...] [--format guidellm|vllm] [--shape support|summary|coding] [--gpu-shape S] [--gpu-count N] [--model M]');
    const format = p.flags.format as string | undefined;
    if (format !== undefined && format !== 'guidellm' && format !== 'vllm') throw new UsageError(`--format must be guidellm or vllm (got ${format})`);
    const shape = p.flags.shape as string | undefined;
    if (shape !== undefined && !SHAPES.includes(shape as ShapeId)) throw new UsageError(`--shape must be one of ${SHAPES.join(', ')} (got ${shape})`);
    const gpuCount = p.flags['gpu-count'] === undefined ? undefined : Number(p.flags['gpu-count']);
    if (gpuCount !== undefined && !(Number.isInteger(gpuCount) && gpuCount > 0)) throw new UsageError(`--gpu-count must be a positive integer (got ${p.flags['gpu-count']})`);
    const r = importResultFiles(p.positional.map((f) => resolve(ctx.io.cwd, f)), {
      format: format as ImportFormat | undefined,
      shape: shape as ShapeId | undefined,
      gpuShape: p.flags['gpu-shape'] as string | undefined,
      gpuCount,
      model: p.flags.model as string | undefined,
      priceTable: ctx.config.priceTable,
      nimbleVersion: NIMBLE_VERSION,
    });
    const path = saveSession(ctx.dir, r.summary, r.events, { env: ctx.io.env });
    if (p.flags.json) ctx.io.stdout.write(JSON.stringify({ id: r.summary.id, path, format: r.format, levels: r.summary.levels.length, notes: r.notes }, null, 2) + '\n');
    else {
      ctx.io.stdout.write(`imported ${r.summary.levels.length} level(s) from ${r.format} as session ${r.summary.id}\n  ${path}\n`);
      for (const n of r.notes) ctx.io.stdout.write(`  note: ${n}\n`);
    }
    return 0;
  });
}
