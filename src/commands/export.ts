// `nimble export <id> --format md|csv|json [--out file]`: a session as a report or a table.

import { exportSession, type ExportFormat } from '../sessions/export.ts';
import { choiceFlag, parse, UsageError } from '../cli/args.ts';
import type { CommandIo } from './io.ts';
import { guarded, loadSession, SESSIONS_DIR_FLAG, sessionCtx, writeOut } from './session-context.ts';

const USAGE = 'usage: nimble export <id> --format md|csv|json [--out <file>]';

export function exportCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, (io) => {
    const { values: f, positionals } = parse(argv, { ...SESSIONS_DIR_FLAG, format: { type: 'string' }, out: { type: 'string' } }, USAGE, true);
    if (positionals.length !== 1) throw new UsageError(USAGE, USAGE);
    const format: ExportFormat = choiceFlag('format', f.format, ['md', 'csv', 'json'] as const, USAGE) ?? 'md';
    const s = loadSession(sessionCtx(io, f['sessions-dir']), positionals[0]);
    const text = exportSession(s.summary, s.events, format);
    writeOut(io, f.out, text);
    return 0;
  });
}
