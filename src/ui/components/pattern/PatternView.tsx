// A load pattern over time: the chosen metric (m cycles TTFT p50/p95 → TPOT → throughput and
// errors) against elapsed time, the load drawn underneath, phases marked, queue and KV as
// sparklines, the latest window, and the derived figures once the run ends. Renders state only.
import React from 'react';
import { Box, Text } from 'ink';
import type { PatternState } from '../../../core/pattern-state.ts';
import { figuresLines, windowLine, WINDOW_DEFINITION } from '../../../core/pattern-format.ts';
import { describePattern, fmtMs, patternDurationMs } from '../../../core/patterns.ts';
import { useTheme, type Colour } from '../../theme.ts';
import type { ChartCell, ChartMetric } from '../sweep/chart.ts';
import { buildTimeChart, TIME_SERIES } from './time-chart.ts';
import { KEYMAP } from '../../keymap.ts';

/** From the keymap, not written here: the key that cycles the metric. */
const METRIC_KEY = KEYMAP.find((b) => b.action.type === 'cycle-metric')!.label;

export interface PatternViewProps {
  pattern: PatternState;
  metric: ChartMetric;
  width: number;
  height: number;
}

export function PatternView({ pattern, metric, width, height }: PatternViewProps) {
  const theme = useTheme();
  const { spec, windows, result } = pattern;
  const figures = result ? figuresLines(result).slice(1) : [];
  const fixedRows = 10 + Math.min(figures.length, 8);
  const plotRows = Math.max(3, height - fixedRows);
  const model = buildTimeChart(spec, windows, metric, width, plotRows);
  const def = TIME_SERIES[metric];
  const colourOf = (s: ChartCell['series']): Colour => (typeof s === "number" ? theme.chart[s % theme.chart.length] : theme.roles.muted);
  const last = windows[windows.length - 1];
  const total = patternDurationMs(spec);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" bold>
        {def.title}
        <Text color={theme.roles.muted} bold={false}>
          {`  ·  ${describePattern(spec)}  ·  ${fmtMs(Math.min(pattern.t, total))} of ${fmtMs(total)}, ${pattern.inFlight} in flight`}
        </Text>
      </Text>
      {model.empty ? (
        <Box height={plotRows + 1} flexDirection="column" justifyContent="center">
          <Text color={theme.roles.muted}>{`  waiting for the first ${fmtMs(spec.windowMs)} window…`}</Text>
        </Box>
      ) : (
        model.rows.map((row, i) => (
          <Text key={i} wrap="truncate-end">
            {group(row).map((g, k) => (
              <Text key={k} color={colourOf(g.series)} bold={g.series !== null}>
                {g.text}
              </Text>
            ))}
          </Text>
        ))
      )}
      <Text wrap="truncate-end" color={theme.roles.muted}>{model.loadRow}</Text>
      <Text wrap="truncate-end" color={theme.roles.accent}>{model.phaseRow}</Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>{model.queueRow}</Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>{model.kvRow}</Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>{model.timeRow}</Text>
      <Text wrap="truncate-end">
        {def.series.map((s, i) => (
          <Text key={s.label} color={theme.chart[i % theme.chart.length]}>{`━ ${s.label}  `}</Text>
        ))}
        <Text color={theme.roles.muted}>{`load: ${spec.mode === 'open' ? 'requests/s' : 'users'}  ·  ${METRIC_KEY}: next metric`}</Text>
      </Text>
      <Text wrap="truncate-end" color={theme.roles.muted}>{`windows of ${fmtMs(spec.windowMs)}: ${WINDOW_DEFINITION}`}</Text>
      <Text wrap="truncate-end">{last ? windowLine(last, spec.mode) : ' '}</Text>
      {figures.slice(0, 8).map((l, i) => (
        <Text key={i} wrap="truncate-end" color={/NOT RECOVERED|DRIFTING|BROKE|ABORTED/.test(l) ? theme.roles.danger : /UNDECIDED|INCONCLUSIVE/.test(l) ? theme.roles.warning : theme.roles.text}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

function group(row: ChartCell[]): { text: string; series: ChartCell['series'] }[] {
  const out: { text: string; series: ChartCell['series'] }[] = [];
  for (const c of row) {
    const prev = out[out.length - 1];
    if (prev && prev.series === c.series) prev.text += c.ch;
    else out.push({ text: c.ch, series: c.series });
  }
  return out;
}
