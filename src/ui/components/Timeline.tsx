// Deploy timeline: the six phases against the target tier's budgets, the tier each phase actually
// achieved, the deploy total against the tier's deploy target, and a diagnosis when it failed.

import React from 'react';
import { Box, Text } from 'ink';
import type { Diagnosis, Levers, PreflightCheck } from '../../core/cluster.ts';
import { phaseDurationMs, phaseVerdict, deploySpan, type PhaseState } from '../../core/phase-tracker.ts';
import { tierLabelOrDash } from '../../core/session-summary.ts';
import { PARALLEL_PHASES, PHASE_LABEL, PHASE_ORDER, STAGE_TARGET_MS, TIER_LABEL, ZERO_BUDGET_GRACE_MS, phaseBudgetMs, stageTier, type TierId } from '../../core/tiers.ts';
import { formatBudget, formatDuration, truncate } from '../format.ts';
import { useNowMs, useTerminalSize } from '../hooks.ts';
import { useSessionShallow } from '../store.ts';
import { tierColour, useTheme, type Theme } from '../theme.ts';
import { AgainstTarget } from './AgainstTarget.tsx';
import { Table, type Cell } from './Table.tsx';

export const STATUS_ICON: Record<PhaseState['status'], string> = {
  pending: '○',
  running: '◐',
  done: '✓',
  failed: '✗',
  skipped: '–',
};

const LEVER_LABEL: Record<keyof Levers, string> = {
  warmNode: 'warm node',
  prePulledImage: 'pre-pulled image',
  cachedModel: 'cached model',
  parallelLoadBalancer: 'parallel LB',
  sizedProbes: 'sized probes',
};

/** "███████░░░" of duration against budget; full and red-flagged past the budget. */
export function budgetBar(durationMs: number | null, budgetMs: number, width: number): string {
  if (durationMs === null || width <= 0) return ' '.repeat(Math.max(0, width));
  const limit = budgetMs === 0 ? ZERO_BUDGET_GRACE_MS : budgetMs;
  const filled = Math.min(width, Math.round((durationMs / limit) * width));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function statusColour(theme: Theme, p: PhaseState, over: boolean) {
  if (p.status === 'failed' || over) return theme.roles.danger;
  if (p.status === 'running') return theme.roles.accent;
  if (p.status === 'done') return theme.roles.success;
  return theme.roles.muted;
}

export function TimelineView({ width: w, height: h }: { width?: number; height?: number }) {
  const theme = useTheme();
  const size = useTerminalSize();
  const width = w ?? size.columns;
  const now = useNowMs();
  const { meta, phases, diagnosis, deployStage, preflight } = useSessionShallow((s) => ({
    meta: s.meta,
    phases: s.phases,
    diagnosis: s.diagnosis,
    deployStage: s.stages.deploy,
    preflight: s.preflight,
  }));
  const tier: TierId = meta?.targetTier ?? 'typical';
  const barWidth = width >= 96 ? 14 : width >= 84 ? 8 : 0;

  const rows: Cell[][] = PHASE_ORDER.map((id) => {
    const p = phases[id];
    const budget = phaseBudgetMs(id, tier);
    const d = phaseDurationMs(p, now);
    const limit = budget === 0 ? ZERO_BUDGET_GRACE_MS : budget;
    const over = d !== null && d > limit;
    const verdict = phaseVerdict(id, p);
    const colour = statusColour(theme, p, over && p.status !== 'done');
    const row: Cell[] = [
      { text: STATUS_ICON[p.status], color: colour, bold: true },
      { text: PHASE_LABEL[id] + (PARALLEL_PHASES.has(id) ? ' ∥' : ''), color: p.status === 'pending' ? theme.roles.muted : theme.roles.text },
      { text: formatDuration(d), color: over ? theme.roles.danger : theme.roles.text },
      { text: budget === 0 ? '0m00s warm' : formatBudget(budget), color: theme.roles.muted },
    ];
    if (barWidth) row.push({ text: budgetBar(d, budget, barWidth), color: over ? theme.roles.danger : colour });
    row.push(
      p.status === 'running'
        ? { text: 'running…', color: theme.roles.accent }
        : p.status === 'failed'
          ? { text: 'failed', color: theme.roles.danger, bold: true }
          : { text: tierLabelOrDash(verdict), color: tierColour(theme, verdict), bold: verdict !== null },
      { text: p.note ?? (p.status === 'skipped' ? 'skipped' : ''), color: theme.roles.muted },
    );
    return row;
  });
  const columns = [
    { title: ' ', min: 1 },
    { title: 'Phase', min: 12 },
    { title: 'Took', align: 'right' as const },
    { title: `Budget`, min: 5 },
    ...(barWidth ? [{ title: 'vs budget', min: barWidth }] : []),
    { title: 'Achieved', min: 8 },
    { title: 'Detail', flex: true, min: 6 },
  ];

  // Deploy total: from the deploy stage's start (helm submit) to the health check passing.
  const span = deploySpan(phases);
  const start = deployStage?.startedAt ?? span?.start;
  const end = span?.end ?? deployStage?.endedAt ?? (start !== undefined ? now : undefined);
  const total = start !== undefined && end !== undefined ? end - start : null;
  const target = STAGE_TARGET_MS.deploy[tier];
  const totalTier = span && total !== null ? stageTier('deploy', total) : null;
  const levers = meta?.spec?.levers;

  return (
    <Box flexDirection="column" width={width} height={h} overflow="hidden">
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {'Deploy timeline · budgets of the '}
        <Text bold color={theme.tiers[tier]}>
          {TIER_LABEL[tier]}
        </Text>
        {' tier'}
        {meta?.mode === 'sim' ? ' · simulated time' : ''}
      </Text>
      {preflight.length ? <PreflightLine checks={preflight} width={width} /> : null}
      <Box flexDirection="column" marginTop={1}>
        <Table columns={columns} rows={rows} width={width} headerColor={theme.roles.muted} />
      </Box>
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {'  ∥ runs in parallel with the pod phases'}
      </Text>
      <Text wrap="truncate-end">
        <Text bold>{'Deploy total '}</Text>
        <Text bold color={total !== null && total > target ? theme.roles.danger : theme.roles.text}>
          {formatDuration(total)}
        </Text>
        <AgainstTarget targetMs={target} tier={tier} achieved={totalTier} arrow=" → achieved " />
      </Text>
      {levers ? (
        <Text wrap="truncate-end" color={theme.roles.muted}>
          {'Levers '}
          {(Object.keys(LEVER_LABEL) as (keyof Levers)[]).map((k) => (
            <Text key={k} color={levers[k] ? theme.roles.success : theme.roles.muted}>
              {`${levers[k] ? '✓' : '·'} ${LEVER_LABEL[k]}  `}
            </Text>
          ))}
        </Text>
      ) : null}
      {diagnosis ? <DiagnosisBox diagnosis={diagnosis} width={width} /> : null}
    </Box>
  );
}

function PreflightLine({ checks, width }: { checks: PreflightCheck[]; width: number }) {
  const theme = useTheme();
  const failed = checks.filter((c) => c.status === 'fail');
  const icon = { pass: '✓', warn: '!', fail: '✗' } as const;
  const col = { pass: theme.roles.success, warn: theme.roles.warning, fail: theme.roles.danger } as const;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {'Preflight '}
        {checks.map((c) => (
          <Text key={c.id} color={col[c.status]}>{`${icon[c.status]} ${c.label}  `}</Text>
        ))}
      </Text>
      {failed.map((c) => (
        <Text key={c.id} wrap="truncate-end" color={theme.roles.danger}>
          {truncate(`  ${c.label}: ${c.detail}${c.fix ? ` → ${c.fix}` : ''}`, width)}
        </Text>
      ))}
    </Box>
  );
}

export function DiagnosisBox({ diagnosis, width }: { diagnosis: Diagnosis; width: number }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.roles.danger} paddingX={1} width={Math.min(width, 100)}>
      <Text bold color={theme.roles.danger}>
        {`✗ ${diagnosis.title}`}
        {diagnosis.fatal ? <Text color={theme.roles.muted}> (waiting will not help)</Text> : null}
      </Text>
      <LabelledLine label="Evidence" colour={theme.roles.muted} text={diagnosis.evidence} />
      <LabelledLine label="Fix" colour={theme.roles.accent} text={diagnosis.fix} />
    </Box>
  );
}

/** "Label   text" with wrapped lines aligned under the text, not under the label. */
function LabelledLine({ label, colour, text }: { label: string; colour: string | undefined; text: string }) {
  return (
    <Box flexDirection="row">
      <Box width={10} flexShrink={0}>
        <Text bold color={colour}>
          {label}
        </Text>
      </Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text>{text}</Text>
      </Box>
    </Box>
  );
}
