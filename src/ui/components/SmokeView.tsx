// Smoke test: the four checks that prove the endpoint serves before any load is put on it.

import React from 'react';
import { Box, Text } from 'ink';
import type { SmokeCheck } from '../../core/events.ts';
import { formatMs } from '../format.ts';
import { useTerminalSize } from '../hooks.ts';
import { useSessionShallow } from '../store.ts';
import { useTheme } from '../theme.ts';
import { Table, type Cell } from './Table.tsx';

export const SMOKE_ORDER: readonly SmokeCheck['name'][] = ['ready', 'models', 'chat', 'metrics'];
export const SMOKE_LABEL: Record<SmokeCheck['name'], string> = {
  ready: 'Ready (health endpoint)',
  models: 'Models (/v1/models)',
  chat: 'Streamed chat completion',
  metrics: 'Metrics (Prometheus)',
};

export function SmokeView({ width: w, height }: { width?: number; height?: number }) {
  const theme = useTheme();
  const size = useTerminalSize(); // always called: hooks may not depend on props (rules-of-hooks)
  const width = w ?? size.columns;
  const { checks, endpoint, stage } = useSessionShallow((s) => ({ checks: s.smoke, endpoint: s.endpoint, stage: s.stages.smoke }));
  const rows: Cell[][] = SMOKE_ORDER.map((name) => {
    const c = checks.find((x) => x.name === name);
    if (!c) return [{ text: '○', color: theme.roles.muted }, { text: SMOKE_LABEL[name], color: theme.roles.muted }, { text: '—', color: theme.roles.muted }, { text: stage?.startedAt !== undefined && stage.endedAt === undefined ? 'waiting…' : 'not run', color: theme.roles.muted }];
    return [
      { text: c.ok ? (c.warn ? '!' : '✓') : '✗', color: c.ok ? (c.warn ? theme.roles.warning : theme.roles.success) : theme.roles.danger, bold: true },
      { text: SMOKE_LABEL[name] },
      { text: formatMs(c.ms) },
      { text: c.detail, color: c.ok ? (c.warn ? theme.roles.warning : theme.roles.muted) : theme.roles.danger },
    ];
  });
  const passed = checks.filter((c) => c.ok).length;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {'Smoke test'}
        {endpoint ? ` · ${endpoint.baseUrl} (via ${endpoint.via})` : ' · no endpoint yet'}
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Table
          width={width}
          headerColor={theme.roles.muted}
          columns={[{ title: ' ' }, { title: 'Check', min: 10 }, { title: 'Took', align: 'right' }, { title: 'Detail', flex: true, min: 8 }]}
          rows={rows}
        />
      </Box>
      <Box marginTop={1}>
        <Text color={passed === SMOKE_ORDER.length ? theme.roles.success : checks.some((c) => !c.ok) ? theme.roles.danger : theme.roles.muted}>
          {`${passed} of ${SMOKE_ORDER.length} checks passed`}
        </Text>
      </Box>
    </Box>
  );
}
