// Reading an event log in bounded memory: the file is read in chunks, one line at a time, never
// through a symbolic link; each event is reduced as it is read (so a listing keeps no events),
// and an event the reducer cannot take (a valid header without its body) is skipped with a
// warning. Warnings are capped: a log of a million bad lines gives a count, not a million strings.

import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import type { NimbleEvent } from '../core/events.ts';
import { initialSessionState, reduceEvent, type SessionState } from '../core/session-state.ts';
import { parseEventLine } from './schema.ts';

/** A line longer than this is not an event nimble wrote (the largest are a few kB): skipped unread. */
export const MAX_EVENT_LINE_BYTES = 4 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const MAX_WARNINGS = 20;

export interface LogScan {
  state: SessionState;
  /** Every event that was read and reduced (only when asked to keep them). */
  events: NimbleEvent[];
  count: number;
  warnings: string[];
}

/** Opens a file for reading without following a symbolic link (ELOOP if it is one); a FIFO planted
 *  in its place does not block the open (O_NONBLOCK), and is refused as not a regular file. */
export function openNoFollow(file: string): number {
  return openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
}

export function scanEventLog(file: string, keepEvents: boolean): LogScan {
  const fd = openNoFollow(file);
  const warnings: string[] = [];
  let skipped = 0;
  const warn = (w: string) => {
    skipped++;
    if (warnings.length < MAX_WARNINGS) warnings.push(w);
  };
  let state = initialSessionState();
  const events: NimbleEvent[] = [];
  let count = 0;
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (!line.trim()) return;
    const r = parseEventLine(line);
    if (!r.ok) return warn(`event line ${lineNo} skipped: ${r.reason}`);
    try {
      state = reduceEvent(state, r.value);
    } catch (err) {
      return warn(`event line ${lineNo} skipped: a '${r.value.type}' event without the fields it needs (${(err as Error).message})`);
    }
    count++;
    if (keepEvents) events.push(r.value);
  };
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file`);
    const buf = Buffer.alloc(CHUNK);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let oversized = false;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let start = 0;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) {
        if (oversized) {
          lineNo++;
          warn(`event line ${lineNo} skipped: longer than ${MAX_EVENT_LINE_BYTES} bytes`);
        } else {
          pending.push(buf.subarray(start, i));
          take(Buffer.concat(pending).toString('utf8'));
        }
        pending = [];
        pendingBytes = 0;
        oversized = false;
        start = i + 1;
      }
      if (start < n && !oversized) {
        pendingBytes += n - start;
        if (pendingBytes > MAX_EVENT_LINE_BYTES) {
          oversized = true;
          pending = [];
        } else pending.push(Buffer.from(buf.subarray(start, n)));
      }
    }
    if (oversized) {
      lineNo++;
      warn(`event line ${lineNo} skipped: longer than ${MAX_EVENT_LINE_BYTES} bytes`);
    } else if (pendingBytes > 0) {
      // A last line without its newline: whole (accepted) or cut by a kill mid-write (ignored).
      const line = Buffer.concat(pending).toString('utf8');
      if (parseEventLine(line).ok) take(line);
      else {
        lineNo++;
        warn(`last event line truncated (${pendingBytes} bytes), ignored`);
      }
    }
  } finally {
    closeSync(fd);
  }
  if (skipped > warnings.length) warnings.push(`… and ${skipped - warnings.length} more skipped line(s)`);
  return { state, events, count, warnings };
}
