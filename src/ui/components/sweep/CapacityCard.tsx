// The answer users came for, per shape: how many users fit within SLA, what limited it, and what
// a million output tokens cost at that load.

import React from 'react';
import { Box, Text } from 'ink';
import type { BreakingPoint, Economics, LevelResult, ShapeId } from '../../../core/sweep-types.ts';
import { formatUsd } from '../../../core/cost.ts';
import { formatRate } from '../../format.ts';
import { levelOutcome } from '../../../core/sweep.ts';
import { breakingPointHeadline, breakingPointText, breakingPointUsers } from '../../../core/result-text.ts';
import { useTheme } from '../../theme.ts';

export const LIMIT_LABEL: Record<BreakingPoint['limitedBy'], string> = {
  queueing: 'queueing',
  'kv-cache': 'KV cache',
  'decode-speed': 'decode speed',
  errors: 'errors',
  'max-concurrency': 'sweep max (did not break)',
  client: 'this client (not the server)',
  unknown: 'unknown',
};

export interface CapacityCardProps {
  shapes: ShapeId[];
  breakingPoints: Partial<Record<ShapeId, BreakingPoint>>;
  economics: Partial<Record<ShapeId, Economics>>;
  levels: LevelResult[];
  width: number;
  /** One line per shape instead of two. */
  compact?: boolean;
}

export function CapacityCard({ shapes, breakingPoints, economics, levels, width, compact }: CapacityCardProps) {
  const theme = useTheme();
  const nameW = Math.max(...shapes.map((s) => s.length), 5) + 2;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {'Capacity '}
        <Text color={theme.roles.muted} bold={false}>
          {'max users within SLA'}
        </Text>
      </Text>
      {shapes.map((shape, i) => {
        const bp = breakingPoints[shape];
        const eco = economics[shape];
        const mark = <Text color={theme.chart[i % theme.chart.length]}>{shape.padEnd(nameW)}</Text>;
        if (!bp) {
          const passing = levels.filter((l) => l.shape === shape && levelOutcome(l) === 'pass').map((l) => l.concurrency);
          return (
            <Text key={shape} wrap="truncate-end">
              {mark}
              <Text color={theme.roles.muted}>{passing.length ? `sweeping… ${Math.max(...passing)} pass so far` : levels.some((l) => l.shape === shape) ? 'sweeping…' : 'not yet'}</Text>
            </Text>
          );
        }
        // The headline carries its bracket or its caveat: "48–56", "≥ 32 (client-limited)", "no answer".
        const answered = breakingPointUsers(bp) !== null;
        const users = <Text bold color={answered && bp.lastPassing > 0 ? (bp.status === 'client-limited' ? theme.roles.warning : theme.roles.success) : theme.roles.danger}>{breakingPointHeadline(bp)}</Text>;
        const limited = ` · ${LIMIT_LABEL[bp.limitedBy]}`;
        const money = eco ? `${formatRate(eco.outputTokPerSPerGpu)} tok/s/GPU · ${formatUsd(eco.usdPerMillionOutputTokens)}/M out tok` : 'economics unknown';
        if (compact) {
          return (
            <Text key={shape} wrap="truncate-end">
              {mark}
              {users}
              <Text color={theme.roles.muted}>{`${limited} · ${money}`}</Text>
            </Text>
          );
        }
        return (
          <Box key={shape} flexDirection="column">
            <Text wrap="truncate-end">
              {mark}
              {users}
              <Text color={theme.roles.muted}>{` ±${bp.resolution}${limited}${bp.firstFailing !== null ? ` · broke at ${bp.firstFailing}` : ''}`}</Text>
            </Text>
            {bp.status === 'client-limited' || bp.status === 'no-answer' ? (
              <Text wrap="truncate-end" color={theme.roles.warning}>
                {' '.repeat(nameW) + breakingPointText(bp)}
              </Text>
            ) : null}
            <Text wrap="truncate-end" color={theme.roles.muted}>
              {' '.repeat(nameW) + money + (eco ? ` · ${formatRate(eco.usersPerGpuDollar)} users per GPU-$/h` : '')}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
