// What the sweep is doing right now: the level being measured, and the server's own view
// (queue, running, KV cache) as sparklines. A metric the engine does not expose reads "unknown".

import React from 'react';
import { Box, Text } from 'ink';
import type { LevelProgress } from '../../../core/events.ts';
import type { ServerSample } from '../../../core/sweep-types.ts';
import { formatDuration, formatMs, formatPct } from '../../format.ts';
import { useTheme } from '../../theme.ts';
import { sparkline } from './chart.ts';
import { enoughFor } from '../../../core/result-text.ts';
import { minSamplesForQuantile } from '../../../core/stats.ts';

export function LevelProgressLine({ current, width, finished }: { current: LevelProgress | null; width: number; finished?: number }) {
  const theme = useTheme();
  if (!current) return <Text color={theme.roles.muted}>{finished ? `Sweep done: ${finished} levels measured.` : 'No level running.'}</Text>;
  const phase = current.phase === 'warmup' ? 'Warming up' : 'Measuring';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text color={theme.roles.accent} bold>{`▶ ${phase} `}</Text>
        <Text bold>{`${current.shape} × ${current.concurrency} users`}</Text>
        <Text color={theme.roles.muted}>{` · ${formatDuration(current.elapsedMs)}`}</Text>
      </Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {`  ${current.inFlight} in flight · ${current.completed} done`}
        {current.failed ? <Text color={theme.roles.danger}>{` · ${current.failed} failed`}</Text> : null}
        {/* A live p95 over fewer than 59 requests is no estimate yet: say how many there are. */}
        {` · p95 ${current.ttftP95 === null ? '—' : enoughFor({ n: current.completed }, 'p95') ? formatMs(current.ttftP95) : `n<${minSamplesForQuantile(0.95)}`}`}
      </Text>
    </Box>
  );
}

export function ServerPanel({ samples, width, compact }: { samples: ServerSample[]; width: number; compact?: boolean }) {
  const theme = useTheme();
  const last = samples[samples.length - 1];
  if (!last) return <Text color={theme.roles.muted}>Server metrics: no scrape yet.</Text>;
  const labelW = 9;
  const valueW = 9;
  const n = Math.max(4, Math.min(60, width - labelW - valueW - 2));
  const recent = samples.slice(-n);
  const line = (label: string, values: (number | null)[], current: string, max: number | undefined, hot: boolean) => (
    <Text wrap="truncate-end">
      <Text color={theme.roles.muted}>{label.padEnd(labelW)}</Text>
      <Text color={hot ? theme.roles.danger : theme.roles.accent}>{sparkline(values, max)}</Text>
      <Text bold color={current === 'unknown' ? theme.roles.muted : hot ? theme.roles.danger : theme.roles.text}>{` ${current}`}</Text>
    </Text>
  );
  const fmt = (v: number | null) => (v === null ? 'unknown' : String(v));
  if (compact) {
    // One line for narrow terminals: queue and KV, the two readings that predict the break.
    const k = Math.max(4, Math.floor((width - 34) / 2));
    const few = samples.slice(-k);
    return (
      <Text wrap="truncate-end">
        <Text color={theme.roles.muted}>{'queue '}</Text>
        <Text color={theme.roles.accent}>{sparkline(few.map((s) => s.waiting))}</Text>
        <Text bold>{` ${fmt(last.waiting)}`}</Text>
        <Text color={theme.roles.muted}>{'  KV '}</Text>
        <Text color={theme.roles.accent}>{sparkline(few.map((s) => s.kvCache), 1)}</Text>
        <Text bold>{` ${last.kvCache === null ? 'unknown' : formatPct(last.kvCache)}`}</Text>
      </Text>
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text color={theme.roles.muted} wrap="truncate-end">{`Server (${last.engine}), last ${recent.length} scrapes`}</Text>
      {line('queue', recent.map((s) => s.waiting), fmt(last.waiting), undefined, (last.waiting ?? 0) > 0)}
      {line('running', recent.map((s) => s.running), fmt(last.running), undefined, false)}
      {line('KV cache', recent.map((s) => s.kvCache), last.kvCache === null ? 'unknown' : formatPct(last.kvCache), 1, (last.kvCache ?? 0) > 0.9)}
    </Box>
  );
}
