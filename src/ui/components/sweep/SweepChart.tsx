// Concurrency (log2) × the chosen metric, all shapes overlaid, with the SLA line and a legend.

import React from 'react';
import { Box, Text } from 'ink';
import type { LevelResult, ShapeId } from '../../../core/sweep-types.ts';
import { useTheme, type Colour } from '../../theme.ts';
import { buildChart, METRIC_LABEL, SERIES_MARK, type ChartCell, type ChartMetric } from './chart.ts';

export interface SweepChartProps {
  levels: LevelResult[];
  shapes: ShapeId[];
  metric: ChartMetric;
  width: number;
  /** Total rows including title, x labels and legend. */
  height: number;
}

export function SweepChart({ levels, shapes, metric, width, height }: SweepChartProps) {
  const theme = useTheme();
  const plotRows = Math.max(3, height - 3);
  const model = buildChart(levels, shapes, metric, width, plotRows);
  const colourOf = (s: ChartCell['series']): Colour =>
    s === null ? theme.roles.muted : s === 'limit' ? theme.roles.danger : theme.chart[s % theme.chart.length];
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" bold>
        {METRIC_LABEL[metric]}
        <Text color={theme.roles.muted} bold={false}>
          {' vs concurrent users'}
        </Text>
      </Text>
      {model.empty ? (
        <Box height={plotRows} flexDirection="column" justifyContent="center">
          <Text color={theme.roles.muted}>{'  waiting for the first level to finish…'}</Text>
        </Box>
      ) : (
        model.rows.map((row, i) => (
          <Text key={i} wrap="truncate-end">
            {groupCells(row).map((g, k) => (
              <Text key={k} color={colourOf(g.series)} bold={g.series !== null && g.series !== 'limit'}>
                {g.text}
              </Text>
            ))}
          </Text>
        ))
      )}
      <Text wrap="truncate-end" color={theme.roles.muted}>
        {model.xLabels}
      </Text>
      <Text wrap="truncate-end">
        {model.shapes.map((s, i) => (
          <Text key={s} color={theme.chart[i % theme.chart.length]}>{`${SERIES_MARK[i % SERIES_MARK.length]} ${s}  `}</Text>
        ))}
        {model.limit ? <Text color={theme.roles.danger}>{`╌ ${model.limit.label}`}</Text> : null}
      </Text>
    </Box>
  );
}

function groupCells(row: ChartCell[]): { text: string; series: ChartCell['series'] }[] {
  const out: { text: string; series: ChartCell['series'] }[] = [];
  for (const c of row) {
    const last = out[out.length - 1];
    if (last && last.series === c.series) last.text += c.ch;
    else out.push({ text: c.ch, series: c.series });
  }
  return out;
}
