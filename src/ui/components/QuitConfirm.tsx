// Asked on `q` while something paid is running (or the session is not over): quitting runs the
// cleanup first, so the user never walks away from a billing GPU by accident.

import React from 'react';
import { Box, Text } from 'ink';
import type { SessionState } from '../../core/session-state.ts';
import { useTheme } from '../theme.ts';

export const QUIT_QUESTION = 'Paid resources are running: clean up and quit? (y/n)';

/** Whether `q` must ask first: a paid resource has no stop, or the session has not ended. */
export function quitNeedsConfirm(s: SessionState): boolean {
  return s.status === 'running' || Object.values(s.resources).some((r) => r.stoppedAt === undefined);
}

export function QuitConfirm({ running }: { running: string[] }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.roles.warning} paddingX={1}>
      <Text bold color={theme.roles.warning}>
        {QUIT_QUESTION}
      </Text>
      {running.length ? <Text color={theme.roles.muted} wrap="truncate-end">{`Still billing: ${running.join(', ')}`}</Text> : null}
    </Box>
  );
}
