// The sessions browser (nimble sessions in a terminal): one row per session; ↑/↓ move, s sorts,
// / filters, enter replays, space marks, c compares the marked ones, d deletes (asks first).

import React, { useMemo, useState } from 'react';
import { Box, render, Text, useApp, useInput, useStdin } from 'ink';
import { compareSessions, type Comparison } from '../../core/compare.ts';
import type { PriceTable } from '../../core/cost.ts';
import { tierLabelOrDash } from '../../core/session-summary.ts';
import { formatUsd } from '../../core/cost.ts';
import { breakingPointsLabel, formatDuration, statusLabel, type SessionRow } from '../../sessions/rows.ts';
import { deleteSession, listSessions, readSession, type SessionList } from '../../sessions/store.ts';

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

export function SessionsBrowser({ dir, priceTable, onAction }: { dir: string; priceTable: PriceTable; onAction: (a: BrowserAction) => void }) {
  const [list, setList] = useState<SessionList>(() => listSessions(dir, { priceTable }));
  const [sort, setSort] = useState<SortKey>('date');
  const [filter, setFilter] = useState('');
  const [typing, setTyping] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [marked, setMarked] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const { isRawModeSupported } = useStdin();
  const rows = useMemo(() => filterRows(sortRows(list.rows, sort), filter), [list, sort, filter]);
  const current = rows[Math.min(cursor, rows.length - 1)];

  useInput(
    (input, key) => {
      if (confirm) {
        if (input === 'y') {
          try {
            deleteSession(dir, confirm);
            setMessage(`deleted ${confirm}`);
          } catch (err) {
            setMessage((err as Error).message);
          }
          setMarked((m) => m.filter((x) => x !== confirm));
          setList(listSessions(dir, { priceTable }));
        }
        setConfirm(null);
        return;
      }
      if (typing) {
        if (key.return || key.escape) setTyping(false);
        else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
        else if (input) setFilter((f) => f + input);
        setCursor(0);
        return;
      }
      if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
      else if (key.downArrow || input === 'j') setCursor((c) => Math.min(rows.length - 1, c + 1));
      else if (input === 's') setSort((s) => SORTS[(SORTS.indexOf(s) + 1) % SORTS.length]);
      else if (input === '/') setTyping(true);
      else if (input === ' ' && current) setMarked((m) => (m.includes(current.id) ? m.filter((x) => x !== current.id) : [...m, current.id]));
      else if (key.return && current) onAction({ type: 'replay', id: current.id });
      else if (input === 'd' && current) setConfirm(current.id);
      else if (input === 'c') {
        if (marked.length < 2) return setMessage('mark two or more sessions with space, then c');
        try {
          onAction({ type: 'compare', comparison: compareSessions(marked.map((id) => readSession(dir, id, { priceTable, summaryOnly: true }).summary)) });
        } catch (err) {
          setMessage((err as Error).message);
        }
      } else if (input === 'q') onAction({ type: 'quit' });
    },
    { isActive: isRawModeSupported },
  );

  const col = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  return (
    <Box flexDirection="column">
      <Text bold>
        Sessions in {dir} · {rows.length} shown · sort: {sort}
        {filter ? ` · filter: ${filter}` : ''}
        {typing ? ' ▏' : ''}
      </Text>
      <Text dimColor>
        {'   '}
        {col('DATE', 17)}
        {col('MODE', 13)}
        {col('MODEL', 28)}
        {col('GPU', 16)}
        {col('DEPLOY', 20)}
        {col('TOTAL', 20)}
        {col('BREAKING', 14)}
        {col('COST', 9)}STATUS
      </Text>
      {rows.map((r, i) => (
        <Text key={r.id} inverse={i === cursor} color={r.partial ? 'yellow' : undefined}>
          {marked.includes(r.id) ? '● ' : '  '} {col(r.date.replace('T', ' ').slice(0, 16), 17)}
          {col(r.mode === 'sim' && r.profile ? `sim:${r.profile}` : r.mode, 13)}
          {col(r.model, 28)}
          {col(`${r.gpuCount ? `${r.gpuCount}× ` : ''}${r.gpuShape}`, 16)}
          {col(r.deployMs === null ? '—' : `${formatDuration(r.deployMs)} ${tierLabelOrDash(r.deployTier)}`, 20)}
          {col(r.totalMs === null ? '—' : `${formatDuration(r.totalMs)} ${tierLabelOrDash(r.totalTier)}`, 20)}
          {col(breakingPointsLabel(r), 14)}
          {col(r.mode === 'import' ? '—' : formatUsd(r.costUsd), 9)}
          {statusLabel(r)}
        </Text>
      ))}
      {list.rows.length === 0 ? <Text>No sessions yet. Run one: nimble run --sim</Text> : null}
      {list.unreadable.map((u) => (
        <Text key={u.name} color="red">
          unreadable: {u.name} — {u.reason}
        </Text>
      ))}
      {confirm ? <Text color="red">Delete {confirm}? y / n</Text> : null}
      {message ? <Text>{message}</Text> : null}
      <Text dimColor>↑/↓ move · enter replay · space mark · c compare marked ({marked.length}) · s sort · / filter · d delete · q quit</Text>
    </Box>
  );
}

/** Browser → replay or compare → back to the browser, until q. */
export async function runSessionsBrowser(o: { dir: string; priceTable: PriceTable; env: NodeJS.ProcessEnv }): Promise<number> {
  for (;;) {
    let action: BrowserAction = { type: 'quit' };
    const inst = render(<BrowserRoot dir={o.dir} priceTable={o.priceTable} onAction={(a) => (action = a)} />, { patchConsole: false });
    await inst.waitUntilExit();
    const a = action as BrowserAction;
    if (a.type === 'quit') return 0;
    if (a.type === 'replay') {
      const s = readSession(o.dir, a.id, { priceTable: o.priceTable });
      const { replayInTerminal } = await import('./replay.tsx');
      await replayInTerminal({ events: s.events, speed: 10, priceTable: o.priceTable, env: o.env });
    } else {
      const { showCompare } = await import('./compare-view.tsx');
      await showCompare(a.comparison, o.env);
    }
  }
}

function BrowserRoot(props: { dir: string; priceTable: PriceTable; onAction: (a: BrowserAction) => void }) {
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
