// The sessions browser (nimble sessions in a terminal): one row per session; ↑/↓ move, s sorts,
// / filters, enter replays, space marks, c compares the marked ones, d deletes (asks first).

import React, { useMemo, useRef, useState } from 'react';
import { Box, render, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { Table, type Cell, type Column } from '../components/Table.tsx';
import { loadTheme, MONOCHROME, type Theme } from '../theme.ts';
import { compareSessions, type Comparison } from '../../core/compare.ts';
import { formatUsd, type PriceTable } from '../../core/cost.ts';
import { tierLabelOrDash } from '../../core/session-summary.ts';
import { breakingPointsLabel, formatDuration, statusLabel, type SessionRow } from '../../sessions/rows.ts';
import { deleteSession, listSessions, readSession, type SessionList } from '../../sessions/store.ts';
import { sanitizeDeep } from '../../util/sanitize-deep.ts';

export type SortKey = 'date' | 'cost' | 'deploy' | 'total' | 'model';
const SORTS: SortKey[] = ['date', 'cost', 'deploy', 'total', 'model'];

export function sortRows(rows: SessionRow[], key: SortKey): SessionRow[] {
  const v = (r: SessionRow): number | string => {
    if (key === 'cost') return r.costUsd;
    if (key === 'deploy') return r.deployMs ?? Infinity;
    if (key === 'total') return r.totalMs ?? Infinity;
    if (key === 'model') return r.model;
    return r.id;
  };
  const sorted = [...rows].sort((a, b) => (v(a) < v(b) ? -1 : v(a) > v(b) ? 1 : 0));
  return key === 'date' ? sorted.reverse() : sorted; // newest first
}

export function filterRows(rows: SessionRow[], q: string): SessionRow[] {
  const needle = q.trim().toLowerCase();
  if (!needle) return rows;
  return rows.filter((r) => [r.id, r.mode, r.model, r.gpuShape, r.profile ?? '', r.status].join(' ').toLowerCase().includes(needle));
}

export type BrowserAction = { type: 'replay'; id: string } | { type: 'compare'; comparison: Comparison } | { type: 'quit' };

// Columns in the order shown. On a narrow terminal the ones with a `drop` rank go first (lowest
// first), then free-text columns are squeezed; the table never wraps.
const BROWSER_COLUMNS: (Column & { key: string; drop?: number })[] = [
  { key: 'mark', title: '', min: 2 },
  { key: 'date', title: 'Date', min: 16 },
  { key: 'mode', title: 'Mode', min: 11, drop: 3 },
  { key: 'model', title: 'Model', flex: true, min: 12 },
  { key: 'gpu', title: 'GPU', flex: true, min: 10, drop: 1 },
  { key: 'deploy', title: 'Deploy', min: 15 },
  { key: 'total', title: 'Total', min: 15, drop: 2 },
  { key: 'breaking', title: 'Breaking point', flex: true, min: 10 },
  { key: 'cost', title: 'Cost', align: 'right', min: 6 },
  { key: 'status', title: 'Status', min: 9 },
];

/** The columns that fit `width` at their minimum widths, and the gap between them. */
export function browserColumns(width: number): { columns: typeof BROWSER_COLUMNS; gap: number } {
  const gap = width < 100 ? 1 : 2;
  let columns = BROWSER_COLUMNS;
  const need = (cs: typeof BROWSER_COLUMNS) => cs.reduce((a, c) => a + (c.min ?? 0), 0) + gap * (cs.length - 1);
  for (const rank of [1, 2, 3]) if (need(columns) > width) columns = columns.filter((c) => c.drop !== rank);
  return { columns, gap };
}

export function SessionsBrowser({ dir, priceTable, onAction, width, theme = MONOCHROME }: { dir: string; priceTable: PriceTable; onAction: (a: BrowserAction) => void; width?: number; theme?: Theme }) {
  const { stdout } = useStdout();
  const tableWidth = width ?? (stdout?.columns || 100);
  const [list, setList] = useState<SessionList>(() => sanitizeDeep(listSessions(dir, { priceTable })));
  const [sort, setSort] = useState<SortKey>('date');
  const [filter, setFilter] = useState('');
  const [typing, setTyping] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [marked, setMarked] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const { isRawModeSupported } = useStdin();
  const rows = useMemo(() => filterRows(sortRows(list.rows, sort), filter), [list, sort, filter]);
  // Ink subscribes the key handler in a passive effect, so a key can reach the previous render's
  // handler after the new frame is on screen, and two fast keys can arrive before any re-render.
  // The handler reads this ref (set on every render and by each key that changes it), not its closure.
  const latest = useRef({ rows, cursor, marked, confirm, typing });
  latest.current = { rows, cursor, marked, confirm, typing };
  const keep = (patch: Partial<typeof latest.current>) => {
    latest.current = { ...latest.current, ...patch };
    if (patch.cursor !== undefined) setCursor(patch.cursor);
    if (patch.marked !== undefined) setMarked(patch.marked);
    if (patch.confirm !== undefined) setConfirm(patch.confirm);
    if (patch.typing !== undefined) setTyping(patch.typing);
  };

  useInput(
    (input, key) => {
      const { rows, cursor, marked, confirm, typing } = latest.current;
      const current = rows[Math.min(cursor, rows.length - 1)];
      if (confirm) {
        if (input === 'y') {
          try {
            deleteSession(dir, confirm);
            setMessage(`deleted ${confirm}`);
          } catch (err) {
            setMessage((err as Error).message);
          }
          keep({ marked: marked.filter((x) => x !== confirm) });
          setList(sanitizeDeep(listSessions(dir, { priceTable })));
        }
        keep({ confirm: null });
        return;
      }
      if (typing) {
        if (key.return || key.escape) keep({ typing: false });
        else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
        else if (input) setFilter((f) => f + input);
        keep({ cursor: 0 });
        return;
      }
      if (key.upArrow || input === 'k') keep({ cursor: Math.max(0, cursor - 1) });
      else if (key.downArrow || input === 'j') keep({ cursor: Math.min(rows.length - 1, cursor + 1) });
      else if (input === 's') setSort((s) => SORTS[(SORTS.indexOf(s) + 1) % SORTS.length]);
      else if (input === '/') keep({ typing: true });
      else if (input === ' ' && current) keep({ marked: marked.includes(current.id) ? marked.filter((x) => x !== current.id) : [...marked, current.id] });
      else if (key.return && current) onAction({ type: 'replay', id: current.id });
      else if (input === 'd' && current) keep({ confirm: current.id });
      else if (input === 'c') {
        if (marked.length < 2) return setMessage('mark two or more sessions with space, then c');
        try {
          onAction({ type: 'compare', comparison: compareSessions(marked.map((id) => sanitizeDeep(readSession(dir, id, { priceTable, summaryOnly: true }).summary))) });
        } catch (err) {
          setMessage((err as Error).message);
        }
      } else if (input === 'q') onAction({ type: 'quit' });
    },
    { isActive: isRawModeSupported },
  );

  const layout = browserColumns(tableWidth);
  const tableRows: Cell[][] = rows.map((r, i) => {
    const style = { inverse: i === cursor, color: r.partial ? theme.roles.warning : undefined };
    const text: Record<string, string> = {
      mark: `${i === cursor ? '›' : ' '}${marked.includes(r.id) ? '●' : ' '}`,
      date: r.date.replace('T', ' ').slice(0, 16),
      mode: r.mode === 'sim' && r.profile ? `sim:${r.profile}` : r.mode,
      model: r.model,
      gpu: `${r.gpuCount ? `${r.gpuCount}× ` : ''}${r.gpuShape}`,
      deploy: r.deployMs === null ? '—' : `${formatDuration(r.deployMs)} ${tierLabelOrDash(r.deployTier)}`,
      total: r.totalMs === null ? '—' : `${formatDuration(r.totalMs)} ${tierLabelOrDash(r.totalTier)}`,
      breaking: breakingPointsLabel(r),
      cost: r.mode === 'import' ? '—' : formatUsd(r.costUsd),
      status: statusLabel(r),
    };
    return layout.columns.map((c) => ({ text: text[c.key], ...style }));
  });
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Sessions in {dir} · {rows.length} shown · sort: {sort}
        {filter ? ` · filter: ${filter}` : ''}
        {typing ? ' ▏' : ''}
      </Text>
      <Table columns={layout.columns} rows={tableRows} width={tableWidth} gap={layout.gap} headerColor={theme.roles.muted} />
      {list.rows.length === 0 ? <Text>No sessions yet. Run one: nimble run --sim (nimble --help lists every command)</Text> : null}
      {list.unreadable.map((u) => (
        <Text key={u.name} color={theme.roles.danger}>
          unreadable: {u.name} — {u.reason}
        </Text>
      ))}
      {confirm ? <Text color={theme.roles.danger}>Delete {confirm}? y / n</Text> : null}
      {message ? <Text>{message}</Text> : null}
      <Text dimColor>↑/↓ move · enter replay · space mark · c compare marked ({marked.length}) · s sort · / filter · d delete · q quit</Text>
    </Box>
  );
}

/** Browser → replay or compare → back to the browser, until q. */
export async function runSessionsBrowser(o: { dir: string; priceTable: PriceTable; env: NodeJS.ProcessEnv }): Promise<number> {
  for (;;) {
    let action: BrowserAction = { type: 'quit' };
    const theme = loadTheme(undefined, o.env); // NO_COLOR gives the monochrome theme
    const inst = render(<BrowserRoot dir={o.dir} priceTable={o.priceTable} theme={theme} onAction={(a) => (action = a)} />, { patchConsole: false });
    await inst.waitUntilExit();
    const a = action as BrowserAction;
    if (a.type === 'quit') return 0;
    if (a.type === 'replay') {
      const s = readSession(o.dir, a.id, { priceTable: o.priceTable });
      const { replayInTerminal } = await import('./replay.tsx');
      await replayInTerminal({ events: sanitizeDeep(s.events), speed: 10, priceTable: o.priceTable, env: o.env });
    } else {
      const { showCompare } = await import('./compare-view.tsx');
      await showCompare(a.comparison, o.env);
    }
  }
}

function BrowserRoot(props: { dir: string; priceTable: PriceTable; theme: Theme; onAction: (a: BrowserAction) => void }) {
  const app = useApp();
  return (
    <SessionsBrowser
      {...props}
      onAction={(a) => {
        props.onAction(a);
        app.exit();
      }}
    />
  );
}
