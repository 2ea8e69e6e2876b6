// Asked once preflight has passed, before anything paid is created (nimble run on a cluster): where
// it goes, what preflight found, and the cost estimate, so the answer is an informed one. The keys
// (y, n) are in the key bar below it, from DEPLOY_KEYMAP.

import React from 'react';
import { Box, Text } from 'ink';
import type { PreflightCheck } from '../../core/cluster.ts';
import { useSessionShallow } from '../store.ts';
import { useTheme } from '../theme.ts';

/** Rows the question takes (border and lines): the app gives the view above it the rest. */
export const DEPLOY_CONFIRM_ROWS = 6;

export const DEPLOY_QUESTION = 'Deploy a NIM?';

export function DeployConfirm({ estimate, width }: { estimate: PreflightCheck; width: number }) {
  const theme = useTheme();
  const { meta, checks } = useSessionShallow((s) => ({ meta: s.meta, checks: s.preflight }));
  const where = [
    meta?.context ? `context ${meta.context}` : 'the current context',
    `namespace ${meta?.namespace ?? meta?.spec?.namespace ?? '?'}`,
    meta?.spec ? `release ${meta.spec.release}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const warned = checks.filter((c) => c.status === 'warn' && c.id !== 'cost-estimate');
  const passed = checks.filter((c) => c.status === 'pass').length;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.roles.warning} paddingX={1} width={width}>
      <Text bold color={theme.roles.warning} wrap="truncate-end">{`${DEPLOY_QUESTION}  to ${where}`}</Text>
      <Text wrap="truncate-end">{`Cost estimate: ${estimate.detail}`}</Text>
      <Text wrap="truncate-end" color={warned.length ? theme.roles.warning : theme.roles.muted}>
        {`Preflight: ${passed} passed${warned.length ? ` · ${warned.length} warning${warned.length > 1 ? 's' : ''}: ${warned.map((c) => c.label).join(', ')}` : ''}`}
      </Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>This creates a GPU pod, a load balancer and a volume that cost money until cleanup.</Text>
    </Box>
  );
}
