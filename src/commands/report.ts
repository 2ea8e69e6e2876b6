// `nimble report <id> [<id>…] --format md|html` and `nimble validate <id> --sla` for sessions that
// hold pattern runs (nimble load). Exit codes of validate --sla: 0 every SLA metric met, 1 one or
// more missed, 3 none missed but some inconclusive (too little data), 2 usage.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { patternRunsFromEvents } from '../core/pattern-result.ts';
import { slaLines } from '../core/pattern-format.ts';
import { slaExitCode, slaReport, slaTargetsFor, type SlaReport } from '../core/sla-report.ts';
import { ConfigError, loadConfig, type NimbleConfig } from '../app/config.ts';
import { parseArgs, UsageError, type CommandIo } from './session-commands.ts';
import { findSessionId, readSession, resolveSessionsDir, SessionReadError } from '../sessions/store.ts';
import { reportHtml, reportMarkdown, type ReportInput } from '../sessions/pattern-report.ts';
import { comparePatternsMarkdown } from '../core/pattern-compare.ts';
import type { LoadedSession } from '../sessions/store.ts';

const defaultIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

async function guarded(io: CommandIo, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`nimble: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SessionReadError) {
      io.stderr.write(`nimble: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** Every pattern run of the sessions named, with its SLA report. */
function inputs(refs: string[], dir: string, config: NimbleConfig, io: CommandIo): ReportInput[] {
  const out: ReportInput[] = [];
  for (const ref of refs) {
    const found = findSessionId(dir, ref);
    if ('error' in found) throw new SessionReadError(ref, found.error);
    const s = readSession(dir, found.id, { priceTable: config.priceTable });
    for (const w of s.warnings) io.stderr.write(`nimble: ${s.id}: ${w}\n`);
    const runs = patternRunsFromEvents(s.events);
    if (!runs.length) throw new SessionReadError(s.id, 'holds no pattern run (made by nimble load); for a sweep use nimble export');
    for (const run of runs) {
      out.push({
        id: s.id,
        model: run.model,
        target: s.summary.meta.target ?? (s.summary.meta.mode === 'sim' ? 'built-in simulator' : '—'),
        startedAt: s.summary.meta.startedAt,
        run,
        sla: run.result ? slaReport(run.result, slaTargetsFor(run.spec.shape, config.sla)) : null,
      });
    }
  }
  return out;
}

export function reportCommand(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  return guarded(io, () => {
    const p = parseArgs(argv, { format: 'string', out: 'string', 'sessions-dir': 'string', help: 'boolean' });
    if (p.flags.help) {
      io.stdout.write('Usage: nimble report <id> [<id>…] [--format md|html] [--out file]\n\nA pattern run\'s report: figures, SLA compliance, windows; HTML has the charts as inline SVG.\nSeveral ids: one report each, and (HTML) their TTFT p95 overlaid.\n');
      return 0;
    }
    if (!p.positional.length) throw new UsageError('usage: nimble report <id> [<id>…] [--format md|html] [--out file]');
    const format = String(p.flags.format ?? 'md');
    if (format !== 'md' && format !== 'html') throw new UsageError(`--format must be md or html (got ${format})`);
    const config = loadConfig(io.env);
    const dir = resolveSessionsDir({ flag: p.flags['sessions-dir'] as string | undefined, env: io.env, cwd: io.cwd, configDir: config.sessionsDir });
    const list = inputs(p.positional, dir, config, io);
    const text = format === 'html' ? reportHtml(list) : reportMarkdown(list);
    if (p.flags.out) {
      const file = resolve(io.cwd, String(p.flags.out));
      writeFileSync(file, text);
      io.stderr.write(`wrote ${file}\n`);
    } else io.stdout.write(text);
    return 0;
  });
}

export function validateSlaCommand(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  return guarded(io, () => {
    const p = parseArgs(argv, { sla: 'boolean', json: 'boolean', 'sessions-dir': 'string' });
    if (p.positional.length > 1) throw new UsageError('usage: nimble validate [<id>] --sla [--json]');
    const config = loadConfig(io.env);
    const dir = resolveSessionsDir({ flag: p.flags['sessions-dir'] as string | undefined, env: io.env, cwd: io.cwd, configDir: config.sessionsDir });
    const list = inputs([p.positional[0] ?? 'latest'], dir, config, io);
    const reports = list.map((x) => x.sla).filter((x): x is SlaReport => x !== null);
    const code = slaExitCode(reports);
    if (p.flags.json) io.stdout.write(JSON.stringify({ exitCode: code, reports }, null, 2) + '\n');
    else {
      for (const r of reports) io.stdout.write(slaLines(r).join('\n') + '\n');
      if (reports.length < list.length) io.stdout.write(`${list.length - reports.length} run(s) did not finish: no SLA verdict\n`);
      io.stdout.write(code === 0 ? 'SLA: all met\n' : code === 1 ? 'SLA: missed\n' : 'SLA: inconclusive (not enough data to decide every metric)\n');
    }
    return code;
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
