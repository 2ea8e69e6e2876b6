// The sessions browser (nimble sessions in a terminal): one row per session; the keys are
// BROWSER_KEYMAP's (move, sort, filter, replay, mark, compare, delete). It does no I/O: the command
// hands it a SessionsAdapter that lists, reads and deletes. A route of the one Ink app (launch.tsx).

import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../input.ts';
import { HelpOverlay } from '../components/HelpOverlay.tsx';
import { KeyBar } from '../components/KeyBar.tsx';
import { Table, type Cell, type Column } from '../components/Table.tsx';
import { stringWidth } from '../format.ts';
import { useTerminalSize } from '../hooks.ts';
import { BROWSER_KEYMAP, keyId, resolveKey } from '../keymap.ts';
import { MONOCHROME, type Theme } from '../theme.ts';
import { compareSessions, type Comparison } from '../../core/compare.ts';
import { formatUsd } from '../../core/cost.ts';
import type { NimbleEvent } from '../../core/events.ts';
import { tierLabelOrDash, type SessionSummary } from '../../core/session-summary.ts';
import { breakingPointsLabel, formatDuration, statusLabel, type SessionRow } from '../../core/session-rows.ts';

/** What the browser needs from the sessions folder; every string already cleaned for a terminal. */
export interface SessionsAdapter {
  /** Shown in the title. */
  dir: string;
  list(): { rows: SessionRow[]; unreadable: { name: string; reason: string }[] };
  /** The recorded events of one session (for replay). Throws with a message to show. */
  events(id: string): NimbleEvent[];
  /** The summary of one session (for compare). Throws with a message to show. */
  summary(id: string): SessionSummary;
  /** Deletes the session's folder. Throws with a message to show. */
  remove(id: string): void;
}

/** Where the user was in the browser, kept by the app while replay or compare is shown. */
export interface BrowserMemory {
  sort: SortKey;
  filter: string;
  cursor: number;
  marked: string[];
}

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

export type BrowserAction = { type: 'replay'; id: string; events: NimbleEvent[] } | { type: 'compare'; comparison: Comparison } | { type: 'quit' };

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
  { key: 'breaking', title: 'Breaking point', short: 'Breaking', flex: true, min: 8 },
  { key: 'cost', title: 'Cost', align: 'right', min: 6 },
  { key: 'status', title: 'Status', min: 9 },
];

/**
 * The columns that fit `width`. With the rows' text known, a column is dropped (lowest `drop` rank
 * first) while the rest would not fit whole, so the model is not cut to keep the GPU column;
 * without rows, by the columns' minimum widths. Returns the gap between columns too.
 */
export function browserColumns(width: number, cells: Record<string, string>[] = []): { columns: typeof BROWSER_COLUMNS; gap: number } {
  const gap = width < 100 ? 1 : 2;
  let columns = BROWSER_COLUMNS;
  const natural = (c: (typeof BROWSER_COLUMNS)[number]) => {
    if (!cells.length) return c.min ?? 0;
    const widest = cells.reduce((w, r) => Math.max(w, stringWidth(r[c.key] ?? '')), 0);
    return Math.max(widest, stringWidth(c.short ?? c.title));
  };
  const need = (cs: typeof BROWSER_COLUMNS) => cs.reduce((a, c) => a + natural(c), 0) + gap * (cs.length - 1);
  for (const rank of [1, 2, 3]) if (need(columns) > width) columns = columns.filter((c) => c.drop !== rank);
  return { columns, gap };
}

export interface SessionsBrowserProps {
  sessions: SessionsAdapter;
  onAction: (a: BrowserAction) => void;
  width?: number;
  /** Rows the browser may take (default: the terminal's, less one so the frame never scrolls). */
  height?: number;
  theme?: Theme;
  memory?: BrowserMemory;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function SessionsBrowser({ sessions, onAction, width, height, theme = MONOCHROME, memory }: SessionsBrowserProps) {
  const size = useTerminalSize();
  const tableWidth = width ?? size.columns;
  const screenRows = height ?? size.rows - 1;
  const [list, setList] = useState(() => sessions.list());
  const [sort, setSort] = useState<SortKey>(memory?.sort ?? 'date');
  const [filter, setFilter] = useState(memory?.filter ?? '');
  const [typing, setTyping] = useState(false);
  const [cursor, setCursor] = useState(memory?.cursor ?? 0);
  const [marked, setMarked] = useState<string[]>(memory?.marked ?? []);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState('');
  const rows = useMemo(() => filterRows(sortRows(list.rows, sort), filter), [list, sort, filter]);
  if (memory) Object.assign(memory, { sort, filter, cursor, marked });
  // Ink subscribes the key handler in a passive effect, so a key can reach the previous render's
  // handler after the new frame is on screen, and two fast keys can arrive before any re-render.
  // The handler reads this ref (set on every render and by each key that changes it), not its closure.
  const latest = useRef({ rows, cursor, marked, confirm, typing, help });
  latest.current = { rows, cursor, marked, confirm, typing, help };
  const keep = (patch: Partial<typeof latest.current>) => {
    latest.current = { ...latest.current, ...patch };
    if (patch.cursor !== undefined) setCursor(patch.cursor);
    if (patch.marked !== undefined) setMarked(patch.marked);
    if (patch.confirm !== undefined) setConfirm(patch.confirm);
    if (patch.typing !== undefined) setTyping(patch.typing);
    if (patch.help !== undefined) setHelp(patch.help);
  };

  useKeys((input, key) => {
    const { rows, cursor, marked, confirm, typing, help } = latest.current;
    const current = rows[Math.min(cursor, rows.length - 1)];
    const k = keyId(input, key);
    const action = resolveKey(k, { help, confirming: confirm !== null, typing }, BROWSER_KEYMAP);
    if (typing && !action) {
      // Typing a filter: everything but the keymap's "done" keys is text.
      if (k === 'backspace') setFilter((f) => f.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setFilter((f) => f + input);
      keep({ cursor: 0 });
      return;
    }
    if (!action) return;
    switch (action.type) {
      case 'confirm-yes':
        try {
          sessions.remove(confirm!);
          setMessage(`deleted ${confirm}`);
        } catch (err) {
          setMessage(errorText(err));
        }
        keep({ marked: marked.filter((x) => x !== confirm), confirm: null });
        setList(sessions.list());
        return;
      case 'confirm-no':
        return keep({ confirm: null });
      case 'filter-done':
        return keep({ typing: false });
      case 'help':
        return keep({ help: !help });
      case 'close':
        return keep({ help: false });
      case 'cursor':
        return keep({ cursor: Math.max(0, Math.min(rows.length - 1, cursor + action.by)) });
      case 'sort':
        return setSort((s) => SORTS[(SORTS.indexOf(s) + 1) % SORTS.length]);
      case 'filter':
        return keep({ typing: true });
      case 'mark':
        if (current) keep({ marked: marked.includes(current.id) ? marked.filter((x) => x !== current.id) : [...marked, current.id] });
        return;
      case 'open':
        if (!current) return;
        try {
          const events = sessions.events(current.id);
          if (!events.length) return setMessage(`${current.id}: no event log to replay (only a summary)`);
          onAction({ type: 'replay', id: current.id, events });
        } catch (err) {
          setMessage(errorText(err));
        }
        return;
      case 'delete':
        if (current) keep({ confirm: current.id });
        return;
      case 'compare':
        if (marked.length < 2) return setMessage('mark two or more sessions with space, then c');
        try {
          onAction({ type: 'compare', comparison: compareSessions(marked.map((id) => sessions.summary(id))) });
        } catch (err) {
          setMessage(errorText(err));
        }
        return;
      case 'quit':
        return onAction({ type: 'quit' });
    }
  });

  // Lines besides the table rows: title, table header, messages, key bar. The table shows a window
  // of rows around the cursor so the frame never outgrows the terminal (it would scroll and leave
  // old lines behind).
  const extra = 3 + (list.rows.length === 0 ? 1 : 0) + list.unreadable.length + (confirm ? 1 : 0) + (message ? 1 : 0);
  const visible = Math.max(1, screenRows - extra);
  const first = Math.max(0, Math.min(cursor - Math.floor(visible / 2), rows.length - visible));
  const shownRows = rows.slice(first, first + visible);
  // Column widths come from every row's text (not just the visible window) so they do not jump as
  // the cursor moves.
  const texts = rows.map((r, i): Record<string, string> => ({
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
  }));
  const layout = browserColumns(tableWidth, texts);
  const tableRows: Cell[][] = shownRows.map((r, j) => {
    const i = first + j;
    const style = { inverse: i === cursor, color: r.partial ? theme.roles.warning : undefined };
    return layout.columns.map((c) => ({ text: texts[i][c.key], ...style }));
  });
  const ctx = { help, confirming: confirm !== null, typing };
  return (
    <Box flexDirection="column" width={tableWidth}>
      <Text bold wrap="truncate-end">
        Sessions in {sessions.dir} · {rows.length} shown{rows.length > shownRows.length ? ` (${first + 1}–${first + shownRows.length})` : ''} · sort: {sort}
        {marked.length ? ` · ${marked.length} marked` : ''}
        {filter ? ` · filter: ${filter}` : ''}
        {typing ? ' ▏' : ''}
      </Text>
      {help ? (
        <HelpOverlay width={tableWidth} height={screenRows - 2} keymap={BROWSER_KEYMAP} />
      ) : (
        <>
          <Table columns={layout.columns} rows={tableRows} width={tableWidth} gap={layout.gap} headerColor={theme.roles.muted} />
          {list.rows.length === 0 ? <Text>No sessions yet. Run one: nimble run --sim (nimble --help lists every command)</Text> : null}
          {list.unreadable.map((u) => (
            <Text key={u.name} color={theme.roles.danger} wrap="truncate-end">
              unreadable: {u.name} — {u.reason}
            </Text>
          ))}
          {confirm ? <Text color={theme.roles.danger}>Delete {confirm}?</Text> : null}
          {message ? <Text wrap="truncate-end">{message}</Text> : null}
        </>
      )}
      <KeyBar width={tableWidth} keymap={BROWSER_KEYMAP} {...ctx} />
    </Box>
  );
}
