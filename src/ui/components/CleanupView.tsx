// Cleanup: each removal step, then what is left and what it keeps costing. Leftovers are red
// with their hourly price: something still billing must be impossible to miss.

import React from 'react';
import { Box, Text } from 'ink';
import type { CleanupStep } from '../../core/cluster.ts';
import { formatUsd } from '../../core/cost.ts';
import { STAGE_TARGET_MS, stageTier } from '../../core/tiers.ts';
import { formatDuration, formatHourly, truncate } from '../format.ts';
import { useNowMs, useTerminalSize } from '../hooks.ts';
import { useSessionShallow } from '../store.ts';
import { AgainstTarget } from './AgainstTarget.tsx';
import { useTheme } from '../theme.ts';

export const CLEANUP_ORDER: readonly CleanupStep[] = ['release', 'pods', 'service', 'pvc', 'secrets', 'namespace'];
export const CLEANUP_LABEL: Record<CleanupStep, string> = {
  release: 'Helm release',
  pods: 'Pods',
  service: 'Service / load balancer',
  pvc: 'Model cache (PVC)',
  secrets: 'Secrets',
  namespace: 'Namespace',
};

export function CleanupView({ width: w, height }: { width?: number; height?: number }) {
  const theme = useTheme();
  const size = useTerminalSize(); // always called: hooks may not depend on props (rules-of-hooks)
  const width = w ?? size.columns;
  const now = useNowMs();
  const { steps, report, stage, tier, resources } = useSessionShallow((s) => ({
    steps: s.cleanup.steps,
    report: s.cleanup.report,
    stage: s.stages.cleanup,
    tier: s.meta?.targetTier ?? 'typical',
    resources: s.resources,
  }));
  const started = stage?.startedAt !== undefined;
  const d = started ? (stage!.endedAt ?? now) - stage!.startedAt! : null;
  const target = STAGE_TARGET_MS.cleanup[tier];
  const achieved = stage?.endedAt !== undefined && d !== null ? stageTier('cleanup', d) : null;
  // Steps the driver reported, in order; the optional ones (secrets, namespace) only if reported.
  const shown = CLEANUP_ORDER.filter((s) => s in steps || s === 'release' || s === 'pods' || s === 'service' || s === 'pvc');
  const running = Object.values(resources).filter((r) => r.stoppedAt === undefined);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>{'Cleanup '}</Text>
        <Text color={theme.roles.muted}>{started ? '' : 'not started · '}</Text>
        <Text bold>{formatDuration(d)}</Text>
        <AgainstTarget targetMs={target} tier={tier} achieved={achieved} />
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {shown.map((s) => {
          const st = steps[s];
          const done = st?.done === true;
          return (
            <Text key={s} wrap="truncate-end">
              <Text color={done ? theme.roles.success : theme.roles.muted} bold>{done ? '✓ ' : '○ '}</Text>
              <Text color={done ? theme.roles.text : theme.roles.muted}>{CLEANUP_LABEL[s].padEnd(26)}</Text>
              <Text color={theme.roles.muted}>{done ? (st?.detail ?? 'done') : started ? 'pending' : ''}</Text>
            </Text>
          );
        })}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        {report ? (
          <>
            <Text bold color={report.ok && report.leftovers.length === 0 ? theme.roles.success : theme.roles.danger}>
              {report.ok && report.leftovers.length === 0 ? '✓ Nothing left running' : `✗ ${report.leftovers.length} leftover${report.leftovers.length === 1 ? '' : 's'} still cost money`}
            </Text>
            {report.leftovers.map((l) => (
              <Text key={`${l.kind}/${l.name}`} color={theme.roles.danger} wrap="truncate-end">
                {truncate(`  ${l.kind} ${l.namespace}/${l.name} · ${formatHourly(l.hourlyUsd)} · ${l.detail}`, width)}
              </Text>
            ))}
            {report.keptCache ? (
              <Text wrap="truncate-end">
                <Text color={theme.roles.info}>{'◆ Model cache kept '}</Text>
                <Text>{`${report.keptCache.claim} (${report.keptCache.sizeGi} GiB)`}</Text>
                <Text color={theme.roles.muted}>{` · ${formatUsd(report.keptCache.monthlyUsd)}/month · next deploy starts warm`}</Text>
              </Text>
            ) : null}
            {(report.kept ?? []).map((k) => (
              <Text key={`kept ${k.kind}/${k.name}`} color={theme.roles.warning} wrap="truncate-end">
                {truncate(`◆ Kept ${k.kind} ${k.namespace}/${k.name} · ${k.detail}`, width)}
              </Text>
            ))}
          </>
        ) : running.length ? (
          <>
            <Text color={theme.roles.warning}>{`Still billing (${running.length}):`}</Text>
            {running.map((r) => (
              <Text key={r.resource.id} color={theme.roles.muted} wrap="truncate-end">{`  ${r.resource.label}`}</Text>
            ))}
          </>
        ) : null}
      </Box>
    </Box>
  );
}
