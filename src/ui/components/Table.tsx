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

/** Column widths that fit `width`: natural widths, then flex columns squeezed, then the rest. */
export function layoutColumns(columns: Column[], rows: (Cell | string)[][], width: number, gap = 2): number[] {
  const widths = columns.map((col, i) => {
    let w = stringWidth(col.title);
    for (const r of rows) w = Math.max(w, stringWidth(asCell(r[i]).text));
    return col.max ? Math.min(w, col.max) : w;
  });
  let excess = widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, columns.length - 1) - width;
  const squeeze = (pred: (c: Column) => boolean) => {
    for (let i = columns.length - 1; i >= 0 && excess > 0; i--) {
      if (!pred(columns[i])) continue;
      const floor = columns[i].min ?? Math.min(widths[i], 4);
      const take = Math.min(excess, Math.max(0, widths[i] - floor));
      widths[i] -= take;
      excess -= take;
    }
  };
  squeeze((c) => Boolean(c.flex));
  squeeze(() => true);
  return widths;
}

export function Table({ columns, rows, width, gap = 2, headerColor }: TableProps) {
  const widths = layoutColumns(columns, rows, width, gap);
  const sep = ' '.repeat(gap);
  const fit = (text: string, i: number) => {
    const t = truncate(text, widths[i]);
    return columns[i].align === 'right' ? padStart(t, widths[i]) : padEnd(t, widths[i]);
  };
  return (
    <>
      <Text wrap="truncate-end" bold color={headerColor}>
        {columns.map((c, i) => (i ? sep : '') + fit(c.title, i)).join('').trimEnd()}
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
