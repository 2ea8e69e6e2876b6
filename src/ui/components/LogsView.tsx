// The most recent log lines (NIM output, Kubernetes events, nimble's own notes) that fit.

import React from 'react';
import { Box, Text } from 'ink';
import { formatClock, truncate } from '../format.ts';
import { useTerminalSize } from '../hooks.ts';
import { useSession } from '../store.ts';
import { useTheme } from '../theme.ts';

export function LogsView({ width: w, height: h }: { width?: number; height?: number }) {
  const theme = useTheme();
  const size = useTerminalSize();
  const width = w ?? size.columns;
  const height = h ?? Math.max(5, size.rows - 5);
  const logs = useSession((s) => s.logs);
  const room = Math.max(1, height - 1);
  const shown = logs.slice(-room);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text color={theme.roles.muted} wrap="truncate-end">
        {logs.length ? `Logs · last ${shown.length} of ${logs.length} lines` : 'Logs · nothing logged yet'}
      </Text>
      {shown.map((l, i) => {
        const colour = l.level === 'error' ? theme.roles.danger : l.level === 'warn' ? theme.roles.warning : theme.roles.text;
        const prefix = `${formatClock(l.t)} ${truncate(l.source, 18).padEnd(18)} `;
        return (
          <Text key={i} wrap="truncate-end">
            <Text color={theme.roles.muted}>{prefix}</Text>
            <Text color={colour}>{truncate(l.line, Math.max(4, width - prefix.length))}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
