// Header: what is running where (mode first, plainly — a simulated run must never pass for a real
// one), the model and GPU, the session clock, and what it has cost so far.

import React from 'react';
import { Box, Text } from 'ink';
import { costAt, formatUsd } from '../../core/cost.ts';
import type { SessionMeta, Stage } from '../../core/events.ts';
import { TIER_LABEL } from '../../core/tiers.ts';
import { formatClock, truncate } from '../format.ts';
import { useNowMs, useTerminalSize, useUiEnv } from '../hooks.ts';
import { useSession, useSessionShallow } from '../store.ts';
import { useTheme } from '../theme.ts';

export const STAGE_LABEL: Record<Stage, string> = {
  preflight: 'Preflight',
  deploy: 'Deploying',
  smoke: 'Smoke test',
  sweep: 'Sweep',
  cleanup: 'Cleaning up',
  summary: 'Summary',
};

export function modeBadge(meta: SessionMeta): { badge: string; where: string } {
  switch (meta.mode) {
    case 'sim': {
      const sim = meta.sim;
      return { badge: 'SIMULATED', where: sim ? `no cluster, no GPU · ${TIER_LABEL[sim.profile]} profile ×${sim.timeScale}` : 'no cluster, no GPU' };
    }
    case 'cluster':
      return { badge: 'CLUSTER', where: [meta.context, meta.namespace ?? meta.spec?.namespace].filter(Boolean).join(' / ') || 'current context' };
    case 'endpoint':
      return { badge: 'ENDPOINT', where: meta.target ?? '' };
    case 'import':
      return { badge: 'IMPORTED', where: 'replay of a saved session' };
  }
}

export function Header() {
  const theme = useTheme();
  const { columns } = useTerminalSize();
  const { priceTable, replayOf } = useUiEnv();
  const now = useNowMs();
  const { meta, stage, status, resources, current } = useSessionShallow((s) => ({
    meta: s.meta,
    stage: s.stage,
    status: s.status,
    resources: s.resources,
    current: s.sweep.current,
  }));
  const errors = useSession((s) => s.errors.length);
  if (!meta) {
    return (
      <Box borderStyle="single" borderTop={false} borderLeft={false} borderRight={false} borderColor={theme.roles.border}>
        <Text color={theme.roles.muted}>nimble · waiting for the session to start…</Text>
      </Box>
    );
  }
  const { badge, where } = modeBadge(meta);
  const cost = costAt(resources, now, priceTable);
  const tableName = meta.priceTable || cost.priceTable;
  const badgeColour = meta.mode === 'sim' ? theme.roles.banner : meta.mode === 'cluster' ? theme.roles.danger : theme.roles.accent;
  const stageText =
    status !== 'running'
      ? status === 'completed'
        ? 'Completed'
        : status === 'failed'
          ? 'Failed'
          : 'Aborted'
      : stage
        ? STAGE_LABEL[stage] + (stage === 'sweep' && current ? ` · ${current.shape} ×${current.concurrency}` : '')
        : 'Starting';
  const stageColour = status === 'failed' || status === 'aborted' ? theme.roles.danger : status === 'completed' ? theme.roles.success : theme.roles.accent;
  const gpu = `${meta.gpuShape} × ${meta.gpuCount}`;
  const line1Left = ` ${badge} `;
  const right = `● ${stageText}`;
  // A replay says so first: its clock and cost are the recording's, nothing runs now.
  const middle = truncate(`  ${replayOf ? `replay of ${replayOf} · ` : ''}${meta.model} · ${gpu} · ${where}`, Math.max(0, columns - line1Left.length - right.length - 2));
  const pad = Math.max(1, columns - line1Left.length - middle.length - right.length);
  const rate = cost.runningUsdPerHour > 0 ? ` · ${formatUsd(cost.runningUsdPerHour)}/h running` : '';
  const unknown = cost.unknown.length ? ` · ${cost.unknown.length} price unknown` : '';
  return (
    <Box flexDirection="column" borderStyle="single" borderTop={false} borderLeft={false} borderRight={false} borderColor={theme.roles.border}>
      <Text wrap="truncate-end">
        <Text inverse bold color={badgeColour}>
          {line1Left}
        </Text>
        <Text color={theme.roles.text}>{middle}</Text>
        <Text>{' '.repeat(pad)}</Text>
        <Text bold color={stageColour}>
          {right}
        </Text>
      </Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {'elapsed '}
        <Text color={theme.roles.text} bold>
          {formatClock(now)}
        </Text>
        {'   cost '}
        <Text color={theme.roles.text} bold>
          {formatUsd(cost.totalUsd)}
        </Text>
        {rate}
        {unknown}
        {` · prices ${tableName}`}
        {meta.targetTier ? ` · target ${TIER_LABEL[meta.targetTier]}` : ''}
        {meta.loadFrom ? ` · load from: ${meta.loadFrom}` : ''}
        {errors ? <Text color={theme.roles.danger}>{`   ${errors} error${errors > 1 ? 's' : ''}`}</Text> : null}
      </Text>
    </Box>
  );
}
