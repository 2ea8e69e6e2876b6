// The sweep's level table: one row per measured level, SLA grades colour-coded, INVALID levels
// shown with their reason rather than as numbers to trust.

import React from 'react';
import { Text } from 'ink';
import type { BreakRule, Grade, LevelResult } from '../../../core/sweep-types.ts';
import { formatMs, formatPct, formatRate } from '../../format.ts';
import { levelOutcome } from '../../../core/sweep.ts';
import { enoughFor, quantileText } from '../../../core/result-text.ts';
import { useTheme, type Theme } from '../../theme.ts';
import { Table, type Cell, type Column } from '../Table.tsx';
import { useSession } from '../../store.ts';

export const RULE_LABEL: Record<BreakRule, string> = {
  ttft: 'TTFT p95 > 2 s',
  queue: 'server queue > 0',
  success: 'success < 95%',
};

/** Short forms for the table's verdict column, where width is scarce. */
export const RULE_SHORT: Record<BreakRule, string> = { ttft: 'TTFT>2s', queue: 'queue>0', success: 'success<95%' };

const gradeCell = (theme: Theme, text: string, g: Grade | null): Cell => ({ text, color: g ? theme.grades[g] : theme.roles.muted });

export function verdictCell(theme: Theme, l: LevelResult): Cell {
  const outcome = levelOutcome(l);
  if (!l.valid) return { text: `INCONCLUSIVE (invalid): ${l.invalidReasons.join('; ') || 'unknown reason'}`, color: theme.roles.warning, bold: true };
  if (outcome === 'inconclusive') return { text: `INCONCLUSIVE: ${l.outcomeWhy ?? 'undecided'}`, color: theme.roles.warning, bold: true };
  if (outcome === 'break') return { text: `BREAK ${l.brokeBy.map((r) => RULE_SHORT[r]).join(', ')}`, color: theme.roles.danger, bold: true };
  return { text: 'pass', color: theme.roles.success };
}

export function levelRow(theme: Theme, l: LevelResult): Cell[] {
  return [
    { text: l.shape },
    { text: l.attempt ? `${l.concurrency} (2nd)` : String(l.concurrency) }, // a re-measurement after a cool-down
    // A percentile with too few samples under it shows as "n<59", never as a number.
    { text: quantileText(l.ttft, 'p50') },
    gradeCell(theme, quantileText(l.ttft, 'p95'), enoughFor(l.ttft, 'p95') ? l.grades.ttft : null),
    gradeCell(theme, formatMs(l.tpot.p50), l.grades.outputSpeed),
    { text: formatRate(l.outputTokPerS) },
    l.completed + l.failed > 0 ? gradeCell(theme, formatPct(l.successRate), l.grades.success) : { text: '—', color: theme.roles.muted },
    gradeCell(theme, l.server.kvCacheMax === null ? 'unknown' : formatPct(l.server.kvCacheMax), l.grades.kvCache),
    verdictCell(theme, l),
  ];
}

export const LEVEL_COLUMNS: Column[] = [
  { title: 'Shape', min: 5 },
  { title: 'Users', align: 'right' },
  { title: 'TTFT p50', align: 'right' },
  { title: 'TTFT p95', align: 'right' },
  { title: 'TPOT', align: 'right' },
  { title: 'tok/s', align: 'right' },
  { title: 'OK', align: 'right' },
  { title: 'KV max', align: 'right', min: 4 },
  { title: 'Verdict', flex: true, min: 8 },
];

/** Where the levels that did not fit are: every level is in the saved session's export. */
export function hiddenLevelsHint(hidden: number, sessionId?: string): string {
  return `  (${hidden} earlier level${hidden > 1 ? 's' : ''} not shown: nimble export ${sessionId ?? '<id>'} lists all)`;
}

/** Shows the most recent levels that fit in `maxRows` (header included). */
export function LevelTable({ levels, width, maxRows }: { levels: LevelResult[]; width: number; maxRows: number }) {
  const theme = useTheme();
  const sessionId = useSession((s) => s.meta?.id);
  if (!levels.length) return <Text color={theme.roles.muted}>No level measured yet.</Text>;
  const room = Math.max(1, maxRows - 1);
  const hidden = levels.length > room ? levels.length - (room - 1) : 0; // one row for the note
  const shown = hidden ? levels.slice(hidden) : levels;
  return (
    <>
      <Table columns={LEVEL_COLUMNS} rows={shown.map((l) => levelRow(theme, l))} width={width} headerColor={theme.roles.muted} gap={2} />
      {hidden ? <Text color={theme.roles.muted} wrap="truncate-end">{hiddenLevelsHint(hidden, sessionId)}</Text> : null}
    </>
  );
}
