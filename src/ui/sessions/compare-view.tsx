// The compare view: what changed, stage/phase deltas with tiers, one overlaid chart per metric
// (t cycles the metric, s the shape) with a legend, breaking points and cost deltas. On a terminal
// too short for all of it, two pages (tab switches): Ink output taller than the screen flickers and
// leaves old lines behind. Keys: compareKeymap. A route of the one Ink app (launch.tsx).

import React, { useRef, useState } from 'react';
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { useKeys } from '../input.ts';
import { HelpOverlay } from '../components/HelpOverlay.tsx';
import { KeyBar } from '../components/KeyBar.tsx';
import { useTerminalSize } from '../hooks.ts';
import { compareKeymap, keyId, resolveKey } from '../keymap.ts';
import { formatUsd } from '../../core/cost.ts';
import { signedDuration, signedUsd, type Comparison } from '../../core/compare.ts';
import { tierLabelOrDash } from '../../core/session-summary.ts';
import { durationText as formatDuration } from '../../core/format.ts';

const SERIES_COLOURS = [asciichart.cyan, asciichart.magenta, asciichart.yellow, asciichart.green, asciichart.blue, asciichart.red];
const INK_COLOURS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'];

/** Series sampled on the union of concurrency levels (asciichart plots by index); gaps carry NaN. */
export function overlayChart(c: Comparison, shape: string, metric: string, height = 10, colour = true): { plot: string; xLabels: number[] } | null {
  const curve = c.curves.find((x) => x.shape === shape && x.metric === metric);
  if (!curve) return null;
  const xs = [...new Set(curve.series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  const series = curve.series.map((s) => xs.map((x) => s.points.find((p) => p.concurrency === x)?.value ?? NaN));
  if (!xs.length) return null;
  const plot = asciichart.plot(series, { height, colors: colour ? series.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]) : undefined, format: (v: number) => v.toFixed(0).padStart(7) });
  return { plot, xLabels: xs };
}

/** Lines each part of the view takes, to decide between one page and two. */
function compareLayout(c: Comparison, rows: number, hasChart: boolean) {
  const header = 1 + c.sessions.length;
  const changes = 2 + Math.max(1, c.differences.length) + c.stages.length + c.phases.length; // two titles
  const cost = 1 + c.breakingPoints.length + 2 + c.notes.length;
  const chart = (h: number) => 1 + (hasChart ? h + 2 : 0); // title, h + 1 plot lines, the users line
  const footer = 1; // the key bar
  const full = header + changes + chart(10) + cost + footer;
  if (full <= rows) return { paged: false, chartHeight: 10 };
  // Page 2 holds the header, the chart and the cost: the chart gets what is left (3–10 lines).
  return { paged: true, chartHeight: Math.max(3, Math.min(10, rows - header - cost - footer - 3 - 1)) };
}

export interface CompareViewProps {
  c: Comparison;
  colour?: boolean;
  /** Rows the view may take (default: the terminal's, less one so the frame never scrolls). */
  height?: number;
  /** q goes back to the browser (true) or quits. */
  back?: boolean;
  onExit?: () => void;
}

export function CompareView({ c, colour = true, height, back = false, onExit = () => {} }: CompareViewProps) {
  const size = useTerminalSize();
  const rows = height ?? size.rows - 1;
  const keymap = compareKeymap(back);
  const [page, setPage] = useState(0);
  const [help, setHelp] = useState(false);
  const helpRef = useRef(help);
  helpRef.current = help;
  const shapes = [...new Set(c.curves.map((x) => x.shape))];
  const metrics = [...new Set(c.curves.map((x) => x.metric))];
  const [si, setSi] = useState(0);
  const [mi, setMi] = useState(0);
  useKeys((input, key) => {
    const a = resolveKey(keyId(input, key), { help: helpRef.current, confirming: false }, keymap);
    if (!a) return;
    if (a.type === 'page') setPage((p) => (input === '1' ? 0 : input === '2' ? 1 : 1 - p));
    else if (a.type === 'cycle-metric') setMi((i) => (i + 1) % Math.max(1, metrics.length));
    else if (a.type === 'cycle-shape') setSi((i) => (i + 1) % Math.max(1, shapes.length));
    else if (a.type === 'help' || a.type === 'close') {
      helpRef.current = a.type === 'help' ? !helpRef.current : false;
      setHelp(helpRef.current);
    } else if (a.type === 'quit') onExit();
  });
  const shape = shapes[si];
  const metric = metrics[mi];
  const layout = compareLayout(c, rows, Boolean(shape && metric && c.curves.length));
  const showChanges = !layout.paged || page === 0;
  const showCurves = !layout.paged || page === 1;
  const chart = shape && metric ? overlayChart(c, shape, metric, layout.chartHeight, colour) : null;
  const curve = c.curves.find((x) => x.shape === shape && x.metric === metric);
  const others = c.sessions.slice(1);
  const col = (s: string, w: number) => s.padEnd(w).slice(0, w);
  // Exactly `rows` tall: one line per item (truncated, never wrapped), the rest clipped, so the
  // title never scrolls away.
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold wrap="truncate-end">
        Compare {c.sessions.length} sessions{layout.paged ? ` · page ${page + 1}/2: ${page === 0 ? 'changes & times' : 'curves & cost'}` : ''}
      </Text>
      {c.sessions.map((s, i) => (
        <Text wrap="truncate-end" key={s.id} color={colour ? INK_COLOURS[i % INK_COLOURS.length] : undefined}>
          {s.key} ━ {s.id} · {s.label} · {s.status}
        </Text>
      ))}
      <Box flexDirection="column" height={rows - 2 - c.sessions.length} overflow="hidden">
        {help ? <HelpOverlay width={size.columns} height={rows - 2 - c.sessions.length} keymap={keymap} /> : null}
        {showChanges && !help ? (
          <>
            <Text wrap="truncate-end" bold>What changed</Text>
            {c.differences.length ? c.differences.map((d) => <Text wrap="truncate-end" key={d.field}>  {col(d.label, 34)} {d.values.map((v, i) => `${c.sessions[i].key}: ${v}`).join('   ')}</Text>) : <Text wrap="truncate-end">  nothing in the recorded configuration</Text>}
            <Text wrap="truncate-end" bold>Times</Text>
            {[...c.stages, ...c.phases].map((r) => (
              <Text wrap="truncate-end" key={r.id}>
                {'  '}
                {col(r.label, 20)} {r.values.map((v) => col(`${formatDuration(v.ms)} ${v.tier ? tierLabelOrDash(v.tier) : ''}`, 20)).join('')}
                {others.map((_, i) => col(`Δ ${signedDuration(r.deltasMs[i + 1])}`, 14)).join('')}
              </Text>
            ))}
          </>
        ) : null}
        {showCurves && !help ? (
          <>
            <Text wrap="truncate-end" bold>
              {curve ? `${curve.label}${curve.unit ? ` (${curve.unit})` : ''} — ${shape}` : 'No sweep curves'}
            </Text>
            {chart ? <Text>{chart.plot}</Text> : null}
            {chart ? <Text wrap="truncate-end">  users: {chart.xLabels.join(' · ')}</Text> : null}
            <Text wrap="truncate-end" bold>Breaking point · cost</Text>
            {c.breakingPoints.map((b) => (
              <Text wrap="truncate-end" key={b.shape}>  {col(b.shape, 10)} {b.values.map((v, i) => `${c.sessions[i].key}: ${v ? v.short : '—'}`).join('   ')}</Text>
            ))}
            <Text wrap="truncate-end">  per deployment  {c.cost.rows.map((r, i) => `${c.sessions[i].key}: ${formatUsd(r.deploymentUsd)}`).join('   ')}   {others.map((s, i) => `Δ${s.key} ${signedUsd(c.cost.deploymentDeltas[i + 1])}`).join(' ')}</Text>
            <Text wrap="truncate-end">  per iteration   {c.cost.rows.map((r, i) => `${c.sessions[i].key}: ${formatUsd(r.iterationUsd)} (${r.iteration})`).join('   ')}   {others.map((s, i) => `Δ${s.key} ${signedUsd(c.cost.iterationDeltas[i + 1])}`).join(' ')}</Text>
            {c.notes.map((n) => <Text wrap="truncate-end" key={n} dimColor>  {n}</Text>)}
          </>
        ) : null}
      </Box>
      <KeyBar width={size.columns} keymap={keymap} help={help} confirming={false} />
    </Box>
  );
}
