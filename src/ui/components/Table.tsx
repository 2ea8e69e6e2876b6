// A small table. We write our own because ink-table 3.1 crashes on import under Ink 6 and
// @alcalzone/ink-table measures cells with String.length, which misaligns wide or coloured cells;
// here widths come from string-width (ANSI- and East-Asian-width-aware) and colour is applied by
// Ink per cell, after the padding is computed.

import React from 'react';
import { Text } from 'ink';
import type { Colour } from '../theme.ts';
import { padEnd, padStart, stringWidth, truncate } from '../format.ts';

export interface Cell {
  text: string;
  color?: Colour;
  bold?: boolean;
  dim?: boolean;
  /** Reverse video: the row under a cursor. */
  inverse?: boolean;
}

export interface Column {
  title: string;
  align?: 'left' | 'right';
  /** Narrowest the column may be squeezed to when the table is too wide. */
  min?: number;
  max?: number;
  /** Columns squeezed first when space runs out (e.g. a free-text note). */
  flex?: boolean;
  /** A shorter title for when the column is narrower than `title` ("Breaking" for "Breaking point"). */
  short?: string;
}

export interface TableProps {
  columns: Column[];
  rows: (Cell | string)[][];
  /** Total width available in columns; the table never exceeds it. */
  width: number;
  gap?: number;
  headerColor?: Colour;
}

const asCell = (c: Cell | string | undefined): Cell => (typeof c === 'string' ? { text: c } : (c ?? { text: '' }));

/**
 * Column widths that fit `width`. Each column starts at its natural width (title or widest cell).
 * When that is too wide: first a title wider than its cells is shortened to its `short` form,
 * since a header costs less than data; then flex columns give up width, widest first, so one long
 * value is cut rather than every column; then the others, widest first. Never below `min`.
 */
export function layoutColumns(columns: Column[], rows: (Cell | string)[][], width: number, gap = 2): number[] {
  const content = columns.map((col, i) => rows.reduce((w, r) => Math.max(w, stringWidth(asCell(r[i]).text)), 0));
  const widths = columns.map((col, i) => {
    const w = Math.max(stringWidth(col.title), content[i]);
    return col.max ? Math.min(w, col.max) : w;
  });
  let excess = widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, columns.length - 1) - width;
  const floorOf = (i: number) => Math.min(widths[i], columns[i].min ?? 4);
  // 1. Titles that have a short form, down to their cells (or the short title, whichever is wider).
  for (let i = columns.length - 1; i >= 0 && excess > 0; i--) {
    if (!columns[i].short) continue;
    const keep = Math.max(content[i], stringWidth(columns[i].short!), floorOf(i));
    const take = Math.min(excess, Math.max(0, widths[i] - keep));
    widths[i] -= take;
    excess -= take;
  }
  // 2. and 3. One column at a time from the widest, down to the floor.
  const squeeze = (pred: (c: Column) => boolean) => {
    const floors = columns.map((_, i) => floorOf(i));
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < columns.length; i++) if (pred(columns[i]) && widths[i] > floors[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
      if (widest < 0) return;
      widths[widest] -= 1;
      excess -= 1;
    }
  };
  squeeze((c) => Boolean(c.flex));
  squeeze(() => true);
  return widths;
}

export function Table({ columns, rows, width, gap = 2, headerColor }: TableProps) {
  const widths = layoutColumns(columns, rows, width, gap);
  const sep = ' '.repeat(gap);
  const fit = (text: string, i: number, title = false) => {
    const t = truncate(title && columns[i].short && stringWidth(text) > widths[i] ? columns[i].short! : text, widths[i]);
    return columns[i].align === 'right' ? padStart(t, widths[i]) : padEnd(t, widths[i]);
  };
  return (
    <>
      <Text wrap="truncate-end" bold color={headerColor}>
        {columns.map((c, i) => (i ? sep : '') + fit(c.title, i, true)).join('').trimEnd()}
      </Text>
      {rows.map((row, r) => (
        <Text key={r} wrap="truncate-end">
          {columns.map((_, i) => {
            const cell = asCell(row[i]);
            return (
              <Text key={i} color={cell.color} bold={cell.bold} dimColor={cell.dim} inverse={cell.inverse}>
                {(i ? sep : '') + fit(cell.text, i)}
              </Text>
            );
          })}
        </Text>
      ))}
    </>
  );
}
