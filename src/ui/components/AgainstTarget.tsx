// " of 20m00s (Typical target) → Fast": a stage's time against its tier target and, once it has
// ended, the tier it achieved. Shared by the deploy timeline's total and the cleanup view.

import React from 'react';
import { Text } from 'ink';
import { tierLabelOrDash } from '../../core/session-summary.ts';
import { TIER_LABEL, type TierId } from '../../core/tiers.ts';
import { formatBudget } from '../format.ts';
import { tierColour, useTheme } from '../theme.ts';

export function AgainstTarget({ targetMs, tier, achieved, arrow = ' → ' }: { targetMs: number; tier: TierId; achieved: TierId | 'over' | null; arrow?: string }) {
  const theme = useTheme();
  return (
    <>
      <Text color={theme.roles.muted}>{` of ${formatBudget(targetMs)} (${TIER_LABEL[tier]} target)`}</Text>
      {achieved ? (
        <>
          <Text color={theme.roles.muted}>{arrow}</Text>
          <Text bold color={tierColour(theme, achieved)}>
            {tierLabelOrDash(achieved)}
          </Text>
        </>
      ) : null}
    </>
  );
}
