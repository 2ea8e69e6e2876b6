// Sweep view: chart and live panel on top, the level table below. Side by side from 96 columns,
// stacked (with a one-line-per-shape capacity card) on narrower terminals.

import React from 'react';
import { Box, Text } from 'ink';
import type { ShapeId } from '../../core/sweep-types.ts';
import { useTerminalSize } from '../hooks.ts';
import { useSessionShallow } from '../store.ts';
import { useTheme } from '../theme.ts';
import { CapacityCard } from './sweep/CapacityCard.tsx';
import type { ChartMetric } from './sweep/chart.ts';
import { LevelTable } from './sweep/LevelTable.tsx';
import { LevelProgressLine, ServerPanel } from './sweep/LivePanel.tsx';
import { SweepChart } from './sweep/SweepChart.tsx';
import { serverMetricsLine } from '../../core/server-metrics.ts';

export interface SweepViewProps {
  metric?: ChartMetric;
  width?: number;
  height?: number;
}

export function SweepView({ metric = 'ttft', width: w, height: h }: SweepViewProps) {
  const theme = useTheme();
  const size = useTerminalSize();
  const width = w ?? size.columns;
  const height = h ?? Math.max(12, size.rows - 5);
  const { sweep, server, metaShapes } = useSessionShallow((s) => ({ sweep: s.sweep, server: s.server, metaShapes: s.meta?.shapes }));
  const noMetrics = serverMetricsLine(sweep.serverMetrics);
  const noMetricsLine = noMetrics ? <Text color={theme.roles.warning} wrap="truncate-end">{noMetrics}</Text> : null;
  const shapes: ShapeId[] = sweep.shapes.length ? sweep.shapes : (metaShapes ?? []);
  const seen = [...new Set(sweep.levels.map((l) => l.shape))];
  const allShapes = [...shapes, ...seen.filter((s) => !shapes.includes(s))];

  if (!allShapes.length && !sweep.current) {
    return (
      <Box width={width} height={height} flexDirection="column">
        <Text color={theme.roles.muted}>The sweep has not started.</Text>
      </Box>
    );
  }

  const wide = width >= 96;
  if (wide) {
    const rightW = Math.max(46, Math.floor(width * 0.48));
    const live = (
      <>
        <LevelProgressLine current={sweep.current} width={rightW} finished={sweep.levels.length} />
        {noMetricsLine ?? <ServerPanel samples={server} width={rightW} />}
      </>
    );
    const chartW = width - rightW - 2;
    const rightRows = 2 + 4 + 1 + 1 + allShapes.length * 2;
    const chartRows = Math.max(8, Math.min(14, height - 8, Math.max(rightRows, Math.floor(height * 0.55))));
    const tableRows = Math.max(2, height - chartRows - 1);
    return (
      <Box flexDirection="column" width={width} height={height} overflow="hidden">
        <Box flexDirection="row" height={chartRows} overflow="hidden">
          <SweepChart levels={sweep.levels} shapes={allShapes} metric={metric} width={chartW} height={chartRows} />
          <Box flexDirection="column" marginLeft={2} width={rightW}>
            {live}
            <Box marginTop={1}>
              <CapacityCard shapes={allShapes} breakingPoints={sweep.breakingPoints} economics={sweep.economics} levels={sweep.levels} width={rightW} />
            </Box>
          </Box>
        </Box>
        <Box flexDirection="column" marginTop={1}>
          <LevelTable levels={sweep.levels} width={width} maxRows={tableRows} />
        </Box>
      </Box>
    );
  }
  // Stacked: once the sweep is over the live lines give their rows to the table.
  const running = sweep.current !== null;
  const chartRows = Math.max(7, Math.min(11, Math.floor(height * 0.45)));
  const capRows = 1 + allShapes.length;
  const liveRows = running ? 3 : 0;
  const tableRows = Math.max(2, height - chartRows - capRows - liveRows);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <SweepChart levels={sweep.levels} shapes={allShapes} metric={metric} width={width} height={chartRows} />
      {running ? <LevelProgressLine current={sweep.current} width={width} /> : null}
      {running ? (noMetricsLine ?? <ServerPanel samples={server} width={width} compact />) : null}
      <CapacityCard shapes={allShapes} breakingPoints={sweep.breakingPoints} economics={sweep.economics} levels={sweep.levels} width={width} compact />
      <LevelTable levels={sweep.levels} width={width} maxRows={tableRows} />
    </Box>
  );
}
