// Session summary: times and tiers per stage, the breaking point per shape, cost by price item
// (naming the price table), how the session ended, and where it was saved. Everything comes from
// summarizeSession, the same derivation the session file stores.

import React from 'react';
import { Box, Text } from 'ink';
import { serverMetricsLine } from '../../core/server-metrics.ts';
import { tokensLine } from '../../core/workloads.ts';
import { formatUsd } from '../../core/cost.ts';
import { summarizeSession, tierLabelOrDash, type SessionSummary } from '../../core/session-summary.ts';
import { STAGE_TARGET_MS, TIER_LABEL, type StageId } from '../../core/tiers.ts';
import { formatBudget, formatDuration, formatHourly, stringWidth, truncate } from '../format.ts';
import { useTerminalSize, useUiEnv } from '../hooks.ts';
import { useSession } from '../store.ts';
import { tierColour, useTheme } from '../theme.ts';
import { Table, type Cell } from './Table.tsx';
import { answerStatus } from '../../core/sweep.ts';
import type { ShapeId } from '../../core/sweep-types.ts';
import { breakingPointDetail, breakingPointHeadline, breakingPointUsers, unfinishedSweepText } from '../../core/result-text.ts';
import { DiagnosisBox } from './Timeline.tsx';
import { viewKey } from '../keymap.ts';

const STAGE_NAME: Record<StageId, string> = { deploy: 'Deploy', test: 'Test', cleanup: 'Cleanup', total: 'Total' };

export function SummaryView({ width: w, height, savedTo: savedProp }: { width?: number; height?: number; savedTo?: string }) {
  const theme = useTheme();
  const size = useTerminalSize(); // always called: hooks may not depend on props (rules-of-hooks)
  const width = w ?? size.columns;
  const env = useUiEnv();
  const state = useSession((s) => s);
  const savedTo = savedProp ?? env.savedTo;
  if (!state.meta) return <Text color={theme.roles.muted}>No session yet.</Text>;
  const sum: SessionSummary = summarizeSession(state, env.priceTable);
  const tier = sum.meta.targetTier;
  const wide = width >= 96;
  const leftW = wide ? Math.min(44, Math.floor(width * 0.45)) : width;
  const rightW = wide ? width - leftW - 3 : width;

  const statusColour = sum.status === 'completed' ? theme.roles.success : sum.status === 'running' ? theme.roles.accent : theme.roles.danger;
  const stageRows: Cell[][] = (['deploy', 'test', 'cleanup', 'total'] as StageId[]).map((id) => {
    const st = sum.stages[id];
    return [
      { text: STAGE_NAME[id], bold: id === 'total' },
      { text: formatDuration(st.durationMs), bold: id === 'total' },
      { text: formatBudget(STAGE_TARGET_MS[id][tier]), color: theme.roles.muted },
      { text: tierLabelOrDash(st.tier), color: tierColour(theme, st.tier), bold: st.tier !== null },
      { text: st.ok === false ? 'failed' : '', color: theme.roles.danger },
    ];
  });
  const costRows: Cell[][] = sum.cost.lines.map((l) => [
    { text: l.label },
    { text: formatDuration(l.hours * 3_600_000), color: theme.roles.muted },
    { text: formatHourly(l.usdPerHour), color: theme.roles.muted },
    { text: formatUsd(l.usd), color: l.running ? theme.roles.warning : theme.roles.text },
  ]);

  const stages = (
    <Box flexDirection="column" width={leftW}>
      <Text bold>{`Times vs the ${TIER_LABEL[tier]} targets`}</Text>
      <Table
        width={leftW}
        headerColor={theme.roles.muted}
        columns={[{ title: 'Stage' }, { title: 'Took', align: 'right' }, { title: 'Target', align: 'right' }, { title: 'Achieved' }, { title: '', flex: true }]}
        rows={stageRows}
      />
    </Box>
  );
  const cost = (
    <Box flexDirection="column" width={rightW}>
      <Text bold wrap="truncate-end">
        {'Cost '}
        <Text color={theme.roles.muted} bold={false}>{`prices: ${sum.cost.priceTable}`}</Text>
      </Text>
      {costRows.length ? (
        <Table width={rightW} headerColor={theme.roles.muted} columns={[{ title: 'Item', flex: true, min: 10 }, { title: 'Time', align: 'right' }, { title: 'Rate', align: 'right' }, { title: 'Cost', align: 'right' }]} rows={costRows} />
      ) : (
        <Text color={theme.roles.muted}>Nothing billable ran.</Text>
      )}
      <Text bold wrap="truncate-end">
        {`Total ${formatUsd(sum.cost.totalUsd)}`}
        {sum.cost.unknown.length ? <Text color={theme.roles.warning}>{` + unknown (${sum.cost.unknown.join(', ')} not in the price table)`}</Text> : null}
      </Text>
    </Box>
  );

  // Every shape judged or measured (an aborted sweep has levels but no breaking point), else those asked for.
  const measured = [...new Set([...(Object.keys(sum.breakingPoints) as ShapeId[]), ...sum.levels.map((l) => l.shape)])];
  const shapes = measured.length ? measured : sum.meta.shapes;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>{'Session '}</Text>
        <Text>{sum.id}</Text>
        <Text color={theme.roles.muted}>{' · '}</Text>
        <Text bold color={statusColour}>
          {sum.status.toUpperCase()}
        </Text>
        {sum.endReason ? <Text color={theme.roles.muted}>{` · ${sum.endReason}`}</Text> : null}
        <Text color={theme.roles.muted}>{` · ${formatDuration(sum.elapsedMs)} in all`}</Text>
      </Text>
      {wide ? (
        <Box flexDirection="row" marginTop={1}>
          {stages}
          <Box marginLeft={3}>{cost}</Box>
        </Box>
      ) : (
        <Box flexDirection="column" marginTop={1}>
          {stages}
          {cost}
        </Box>
      )}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Breaking point</Text>
        {shapes.length === 0 ? <Text color={theme.roles.muted}>No sweep ran.</Text> : null}
        {shapes.map((shape) => {
          const bp = sum.breakingPoints[shape];
          const eco = sum.economics[shape];
          if (!bp) return <Text key={shape} color={theme.roles.muted} wrap="truncate-end">{`  ${shape.padEnd(8)} ${unfinishedSweepText(sum.levels, shape)}`}</Text>;
          // The number with its bracket (last valid pass, first valid break, resolution), or what
          // limits the answer and what to do — never a bare number over inconclusive levels.
          const status = answerStatus(bp);
          const detail = [
            breakingPointDetail(bp),
            eco ? `${formatUsd(eco.usdPerMillionOutputTokens)}/M output tokens` : null,
          ]
            .filter(Boolean)
            .join(' · ');
          const answered = breakingPointUsers(bp) !== null && bp.lastPassing > 0;
          const headline = breakingPointHeadline(bp).padEnd(10);
          return (
            <Text key={shape} wrap="truncate-end">
              {'  '}
              <Text>{shape.padEnd(8)}</Text>
              <Text bold color={!answered ? theme.roles.danger : status === 'client-limited' ? theme.roles.warning : theme.roles.success}>{headline}</Text>
              <Text color={theme.roles.muted}>{` ${truncate(detail, Math.max(10, width - 3 - Math.max(8, shape.length) - stringWidth(headline)))}`}</Text>
            </Text>
          );
        })}
      </Box>
      {tokensLine(sum.levels) ? <Text color={theme.roles.muted} wrap="truncate-end">{`  tokens: ${tokensLine(sum.levels)}`}</Text> : null}
      {serverMetricsLine(sum.serverMetrics) ? <Text color={theme.roles.warning} wrap="truncate-end">{`  ${serverMetricsLine(sum.serverMetrics)}`}</Text> : null}
      {sum.diagnosis ? <DiagnosisBox diagnosis={sum.diagnosis} width={width} /> : null}
      {sum.errors.length || sum.guards.length ? (
        <Box flexDirection="column" marginTop={1}>
          {sum.errors.map((e, i) => (
            <Text key={`e${i}`} color={theme.roles.danger} wrap="truncate-end">
              {`✗ ${e.where}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`}
            </Text>
          ))}
          {sum.guards.map((g, i) => (
            <Text key={`g${i}`} color={theme.roles.warning} wrap="truncate-end">
              {`! guard ${g.kind} ${g.action}: ${g.message}`}
            </Text>
          ))}
        </Box>
      ) : null}
      {sum.cleanup?.leftovers.length ? (
        <Text color={theme.roles.danger} wrap="truncate-end">{`✗ ${sum.cleanup.leftovers.length} leftover(s) still billing: see the cleanup view (${viewKey('cleanup')})`}</Text>
      ) : null}
      <Box marginTop={1}>
        <Text wrap="truncate-end" color={theme.roles.muted}>
          {savedTo ? (
            <>
              {'Saved to '}
              <Text color={theme.roles.accent}>{savedTo}</Text>
            </>
          ) : env.replayOf ? (
            `Replay of the saved session ${env.replayOf}`
          ) : sum.status === 'running' ? (
            'Not saved yet: the session is still running.'
          ) : (
            'Not saved.'
          )}
        </Text>
      </Box>
    </Box>
  );
}
