// `nimble report <id> [<id>…] --format md|html`: a pattern run's report (nimble load sessions).

import { reportHtml, reportMarkdown } from '../sessions/pattern-report.ts';
import { choiceFlag, parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, patternInputs, SESSIONS_DIR_FLAG, sessionCtx, writeOut } from './session-context.ts';

const USAGE = 'usage: nimble report <id> [<id>…] [--format md|html] [--out file]';
const HELP = "Usage: nimble report <id> [<id>…] [--format md|html] [--out file]\n\nA pattern run's report: figures, SLA compliance, windows; HTML has the charts as inline SVG.\nSeveral ids: one report each, and (HTML) their TTFT p95 overlaid.\n";

export function reportCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, (io) => {
    const { values: f, positionals } = parse(argv, { ...SESSIONS_DIR_FLAG, format: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } }, USAGE, true);
    if (f.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (!positionals.length) throw new UsageError(USAGE, USAGE);
    const format = choiceFlag('format', f.format, ['md', 'html'] as const, USAGE) ?? 'md';
    const list = patternInputs(sessionCtx(io, f['sessions-dir']), positionals);
    const text = format === 'html' ? reportHtml(list) : reportMarkdown(list);
    writeOut(io, f.out, text);
    return 0;
  });
}
