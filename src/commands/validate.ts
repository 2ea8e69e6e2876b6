// `nimble validate [<id>]`: a session against a tier's stage targets (or --all: the reliability
// targets over every session), and `nimble validate <id> --sla`: a pattern run's SLA compliance.

import { slaLines } from '../core/pattern-format.ts';
import { slaExitCode, type SlaReport } from '../core/sla-report.ts';
import { parseTier, TIER_LABEL, type TierId } from '../core/tiers.ts';
import { reliability, reliabilityToText, VALIDATE_EXIT, validateSession, validationToText } from '../core/validate.ts';
import { listSessions, readSession, SessionReadError } from '../sessions/store.ts';
import { parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, loadSession, patternInputs, SESSIONS_DIR_FLAG, sessionCtx } from './session-context.ts';

export const VALIDATE_USAGE = `Usage: nimble validate [<id>] [--tier ultra|fast|typical|slow] [--all] [--json]
       nimble validate [<id>] --sla [--json]

Checks a session (default: the latest) against a tier's stage targets and checks that its
breaking point is a valid, decided answer; --all checks the reliability targets over every session.
--sla checks a pattern run (nimble load) against its SLA.

Exit codes:
  0  pass: every check passes
  1  miss: a check fails (a stage over its target, a failed session)
  3  inconclusive: nothing fails, but an answer cannot be decided from this session — e.g. the
     breaking point is limited by the machine that ran nimble, or no level gave a valid result
  2  usage: a bad flag or argument
`;

const OPTIONS = { ...SESSIONS_DIR_FLAG, tier: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, sla: { type: 'boolean' }, help: { type: 'boolean' } } as const;

export function validateCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, (io) => {
    const { values: f, positionals } = parse(argv, OPTIONS, VALIDATE_USAGE, true);
    if (f.help) {
      io.stdout.write(VALIDATE_USAGE);
      return 0;
    }
    const ctx = sessionCtx(io, f['sessions-dir']);
    if (f.sla) {
      // SLA compliance of a pattern run: 0 all met, 1 one or more missed, 3 none missed but some undecided.
      if (positionals.length > 1 || f.all || f.tier) throw new UsageError('usage: nimble validate [<id>] --sla [--json]', VALIDATE_USAGE);
      const list = patternInputs(ctx, [positionals[0] ?? 'latest']);
      const reports = list.map((x) => x.sla).filter((x): x is SlaReport => x !== null);
      const code = slaExitCode(reports);
      if (f.json) io.stdout.write(JSON.stringify({ exitCode: code, reports }, null, 2) + '\n');
      else {
        for (const r of reports) io.stdout.write(slaLines(r).join('\n') + '\n');
        if (reports.length < list.length) io.stdout.write(`${list.length - reports.length} run(s) did not finish: no SLA verdict\n`);
        io.stdout.write(code === 0 ? 'SLA: all met\n' : code === 1 ? 'SLA: missed\n' : 'SLA: inconclusive (not enough data to decide every metric)\n');
      }
      return code;
    }
    let tier: TierId | undefined;
    if (f.tier !== undefined) {
      tier = parseTier(f.tier);
      if (!tier) throw new UsageError(`--tier must be ultra, fast, typical or slow (got ${f.tier})`, VALIDATE_USAGE);
    }
    if (f.all) {
      if (positionals.length) throw new UsageError('--all takes no session id', VALIDATE_USAGE);
      const list = listSessions(ctx.dir, { priceTable: ctx.config.priceTable });
      const summaries = list.rows.map((r) => readSession(ctx.dir, r.id, { priceTable: ctx.config.priceTable, summaryOnly: true }).summary);
      if (!summaries.length) throw new SessionReadError('--all', `no readable sessions in ${ctx.dir}`);
      const r = reliability(summaries, tier);
      io.stdout.write(f.json ? JSON.stringify(r, null, 2) + '\n' : reliabilityToText(r) + '\n');
      for (const u of list.unreadable) io.stderr.write(`nimble: unreadable, left out: ${u.name} — ${u.reason}\n`);
      return r.pass ? 0 : 1;
    }
    if (positionals.length > 1) throw new UsageError('usage: nimble validate [<id>] [--tier fast] [--all]', VALIDATE_USAGE);
    const s = loadSession(ctx, positionals[0] ?? 'latest');
    const v = validateSession(s.summary, tier ?? s.summary.meta.targetTier);
    if (f.json) io.stdout.write(JSON.stringify(v, null, 2) + '\n');
    else {
      io.stdout.write(validationToText(v) + '\n');
      if (!tier) io.stdout.write(`(tier from the session's target: ${TIER_LABEL[v.tier]}; choose with --tier)\n`);
    }
    return VALIDATE_EXIT[v.verdict];
  });
}
