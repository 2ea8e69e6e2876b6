// Session files: one directory per session, `events.ndjson` appended as events happen (one write
// per event, so a crash or SIGKILL loses at most the event being written) and `session.json`
// written atomically (temp file + rename) when the session ends. A directory with events but no
// summary (the process was killed) is reconstructed by reducing its events, and marked partial.

import { accessSync, closeSync, constants as fsConstants, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import type { NimbleEvent, SessionMeta } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession, type SessionSummary } from '../core/session-summary.ts';
import { parseEventLine, parseSummary } from './schema.ts';
import { scrubValue, secretsFromEnv } from './scrub.ts';
import { sessionRow, type SessionRow } from './rows.ts';

export const EVENTS_FILE = 'events.ndjson';
export const SUMMARY_FILE = 'session.json';
/** Present while a writer has the session open; holds its pid (so a live run is not called aborted). */
export const LOCK_FILE = 'writing.pid';
export const INTERRUPTED_REASON = 'interrupted: no summary written';

export function resolveSessionsDir(opts: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string; configDir?: string } = {}): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const chosen = opts.flag || env.NIMBLE_SESSIONS_DIR || opts.configDir || 'sessions';
  return resolve(cwd, chosen);
}

/** e.g. 2026-11-23T11-42-05Z-sim-3f2a: sorts by time as a plain string, safe as a file name. */
export function newSessionId(date: Date = new Date(), mode: string = 'sim', suffix: string = randomBytes(2).toString('hex')): string {
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${mode.replace(/[^a-z0-9]/gi, '')}-${suffix}`;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export function isValidSessionId(id: string): boolean {
  return ID_RE.test(id) && !id.includes('..');
}

export interface SessionWriter {
  readonly id: string;
  /** The session's directory. */
  readonly path: string;
  /** Append one event (scrubbed of secrets), written through to the file before returning. */
  append(e: NimbleEvent): void;
  /** Write session.json atomically, then close. */
  finish(summary: SessionSummary): void;
  close(): void;
  /** Close, and remove the directory when no event was ever written (a run that failed to start). */
  discardIfEmpty(): void;
  /** First write error, if any: the run goes on (a full disk must not strand paid resources). */
  readonly error: Error | null;
  /** What could not be saved, in words (empty when everything was). */
  unsaved(): string[];
}

export interface WriterOptions {
  /** Extra secret values to redact (the API key the run holds). Secret-looking env values are added. */
  secrets?: string[];
  env?: NodeJS.ProcessEnv;
  onError?: (err: Error) => void;
}

export function openSessionWriter(dir: string, meta: SessionMeta, opts: WriterOptions = {}): SessionWriter {
  if (!isValidSessionId(meta.id)) throw new Error(`invalid session id '${meta.id}'`);
  const path = join(dir, meta.id);
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    // A recursive mkdir on a read-only disk can say ENOENT: ask the folder itself what is wrong.
    if (existsSync(dir)) accessSync(dir, fsConstants.W_OK);
    throw err;
  }
  const secrets = [...(opts.secrets ?? []), ...secretsFromEnv(opts.env ?? process.env)];
  // O_NOFOLLOW: a planted symlink is never written through.
  let fd: number | null = openSync(join(path, EVENTS_FILE), fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW);
  writeFileSync(join(path, LOCK_FILE), String(process.pid));
  let error: Error | null = null;
  let appended = 0;
  let dropped = 0; // events not written after the first failed append (the log stays a clean prefix)
  let logError: string | null = null;
  let summaryError: string | null = null;
  let written = 0; // bytes of whole lines in the log
  const fail = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (!error) {
      error = e;
      opts.onError?.(e);
    }
    return e;
  };
  const why = (e: Error) => (e as NodeJS.ErrnoException).code ?? e.message;
  const close = () => {
    if (fd !== null) {
      try {
        fsyncSync(fd);
      } catch {
        /* fsync is best effort (not supported on every filesystem) */
      }
      closeSync(fd);
      fd = null;
    }
    try {
      unlinkSync(join(path, LOCK_FILE));
    } catch {
      /* already gone */
    }
  };
  return {
    id: meta.id,
    path,
    get error() {
      return error;
    },
    append(e) {
      if (fd === null) return void fail(new Error(`session ${meta.id}: append after close`));
      if (logError) return void dropped++;
      const line = Buffer.from(JSON.stringify(scrubValue(e, secrets)) + '\n');
      try {
        // writeSync hands the line to the kernel before returning: it survives the process dying.
        const n = writeSync(fd, line);
        if (n !== line.length) throw Object.assign(new Error(`short write (${n} of ${line.length} bytes): disk full?`), { code: 'ENOSPC' });
        written += n;
        appended++;
      } catch (err) {
        // Later lines are dropped rather than written after a gap; a half-written line is cut off.
        logError = why(fail(err));
        dropped++;
        try {
          ftruncateSync(fd, written);
        } catch {
          /* the reader ignores a truncated last line */
        }
      }
    },
    unsaved() {
      const out: string[] = [];
      if (logError) out.push(`the event log ${join(path, EVENTS_FILE)} is missing its last ${dropped} event(s) (${logError})`);
      if (summaryError) out.push(`${SUMMARY_FILE} was not written (${summaryError})`);
      return out;
    },
    discardIfEmpty() {
      close();
      if (appended === 0) rmSync(path, { recursive: true, force: true });
    },
    finish(summary) {
      try {
        writeJsonAtomic(join(path, SUMMARY_FILE), scrubValue(summary, secrets));
      } catch (err) {
        summaryError = why(fail(err));
      }
      close();
    },
    close,
  };
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const data = Buffer.from(JSON.stringify(value, null, 2) + '\n');
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const n = writeSync(fd, data);
      if (n !== data.length) throw Object.assign(new Error(`short write (${n} of ${data.length} bytes): disk full?`), { code: 'ENOSPC' });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    // A full disk must not leave a half-written temp file behind.
    rmSync(tmp, { force: true });
    throw err;
  }
}

export interface LoadedSession {
  id: string;
  path: string;
  summary: SessionSummary;
  events: NimbleEvent[];
  /** No session.json: reconstructed from the event log (killed mid-run, or still running). */
  partial: boolean;
  /** A writer process holding this session is alive. */
  running: boolean;
  /** Things the reader skipped or noticed (truncated last line, resources left running...). */
  warnings: string[];
}

export class SessionReadError extends Error {
  constructor(readonly sessionId: string, readonly reason: string) {
    super(`session ${sessionId}: ${reason}`);
    this.name = 'SessionReadError';
  }
}

export interface ReadOptions {
  /** Price table for reconstructing a partial session's cost (the config's); default OCI list. */
  priceTable?: PriceTable;
  /** Skip reading the event log when a summary exists (listing). */
  summaryOnly?: boolean;
}

export function readEventLog(file: string): { events: NimbleEvent[]; warnings: string[] } {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n') || text.length === 0;
  if (lines[lines.length - 1] === '') lines.pop();
  const events: NimbleEvent[] = [];
  const warnings: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const r = parseEventLine(line);
    if (r.ok) return void events.push(r.value);
    const last = i === lines.length - 1;
    warnings.push(last && !endsClean ? `last event line truncated (${line.length} bytes), ignored` : `event line ${i + 1} skipped: ${r.reason}`);
  });
  return { events, warnings };
}

function lockHolderAlive(path: string): number | null {
  try {
    const pid = Number(readFileSync(join(path, LOCK_FILE), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

export function readSession(dir: string, id: string, opts: ReadOptions = {}): LoadedSession {
  if (!isValidSessionId(id)) throw new SessionReadError(id, 'invalid session id');
  const path = join(dir, id);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SessionReadError(id, `no such session in ${dir}`);
  }
  if (!st.isDirectory()) throw new SessionReadError(id, 'not a session directory');
  const summaryFile = join(path, SUMMARY_FILE);
  const eventsFile = join(path, EVENTS_FILE);
  const hasSummary = existsSync(summaryFile);
  const hasEvents = existsSync(eventsFile);
  if (!hasSummary && !hasEvents) throw new SessionReadError(id, `neither ${SUMMARY_FILE} nor ${EVENTS_FILE}: not a nimble session`);

  const warnings: string[] = [];
  let events: NimbleEvent[] = [];
  if (hasEvents && !(hasSummary && opts.summaryOnly)) {
    const log = readEventLog(eventsFile);
    events = log.events;
    warnings.push(...log.warnings);
  }

  if (hasSummary) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch (err) {
      throw new SessionReadError(id, `${SUMMARY_FILE} is not valid JSON (${(err as Error).message})`);
    }
    const r = parseSummary(raw);
    if (!r.ok) throw new SessionReadError(id, `${SUMMARY_FILE}: ${r.reason}`);
    return { id, path, summary: r.value, events, partial: false, running: false, warnings };
  }

  // Killed mid-run (or still running): rebuild the summary from what was logged.
  if (!events.some((e) => e.type === 'session.started')) throw new SessionReadError(id, `${EVENTS_FILE} has no session.started event`);
  const state = reduceAll(events);
  const livePid = lockHolderAlive(path);
  const table = pickTable(state.meta!.priceTable, opts.priceTable, warnings);
  if (state.status === 'running' && livePid === null) {
    state.status = 'aborted';
    state.endReason = INTERRUPTED_REASON;
  } else if (state.status === 'running') {
    state.endReason = `still running (pid ${livePid})`;
  } else {
    warnings.push(`session ended (${state.status}) but no ${SUMMARY_FILE} was written`);
  }
  const open = Object.values(state.resources).filter((r) => r.stoppedAt === undefined);
  // Only a cluster run leaves anything to clean up: the simulator's resources died with its process,
  // and an endpoint's GPU is not nimble's.
  if (open.length && livePid === null && state.meta!.mode === 'cluster') {
    warnings.push(`not seen stopped: ${open.map((r) => r.resource.label).join(', ')} — check the cluster (nimble cleanup)`);
  }
  return { id, path, summary: summarizeSession(state, table), events, partial: true, running: livePid !== null, warnings };
}

function pickTable(name: string, configured: PriceTable | undefined, warnings: string[]): PriceTable {
  if (configured && configured.name === name) return configured;
  if (DEFAULT_PRICE_TABLE.name === name) return DEFAULT_PRICE_TABLE;
  const used = configured ?? DEFAULT_PRICE_TABLE;
  warnings.push(`price table '${name}' not available; cost recomputed with '${used.name}'`);
  return used;
}

export interface SessionList {
  rows: SessionRow[];
  unreadable: { name: string; reason: string }[];
}

/** Every session in `dir`, oldest first. Never throws for a bad entry: it is listed as unreadable. */
export function listSessions(dir: string, opts: ReadOptions = {}): SessionList {
  const rows: SessionRow[] = [];
  const unreadable: { name: string; reason: string }[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { rows, unreadable };
    return { rows, unreadable: [{ name: dir, reason: `cannot read the sessions directory (${code ?? (err as Error).message})` }] };
  }
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    try {
      const st = statSync(join(dir, name));
      if (!st.isDirectory()) {
        unreadable.push({ name, reason: 'not a session directory' });
        continue;
      }
      const s = readSession(dir, name, { ...opts, summaryOnly: true });
      rows.push(sessionRow(s.summary, { partial: s.partial, running: s.running, warnings: s.warnings }));
    } catch (err) {
      unreadable.push({ name, reason: err instanceof SessionReadError ? err.reason : (err as Error).message });
    }
  }
  return { rows, unreadable };
}

/** 'latest', an exact id, or a unique prefix or suffix (e.g. the 4-hex tail). */
export function findSessionId(dir: string, ref: string): { id: string } | { error: string } {
  const { rows } = listSessions(dir, { summaryOnly: true } as ReadOptions);
  if (!rows.length) return { error: `no sessions in ${dir}` };
  if (ref === 'latest') return { id: rows[rows.length - 1].id };
  if (rows.some((r) => r.id === ref)) return { id: ref };
  const hits = rows.filter((r) => r.id.startsWith(ref) || r.id.endsWith(ref));
  if (hits.length === 1) return { id: hits[0].id };
  if (hits.length > 1) return { error: `'${ref}' matches ${hits.length} sessions: ${hits.map((h) => h.id).join(', ')}` };
  // A directory that exists but does not read is still worth naming exactly.
  if (isValidSessionId(ref) && existsSync(join(dir, ref))) return { id: ref };
  return { error: `no session '${ref}' in ${dir}` };
}

export function deleteSession(dir: string, id: string): void {
  if (!isValidSessionId(id)) throw new SessionReadError(id, 'invalid session id');
  const path = join(dir, id);
  if (!existsSync(join(path, EVENTS_FILE)) && !existsSync(join(path, SUMMARY_FILE))) {
    throw new SessionReadError(id, 'not a nimble session directory; not deleting it');
  }
  rmSync(path, { recursive: true, force: true });
}

/** Save a finished session in one go (imports): events then summary, like a live run. */
export function saveSession(dir: string, summary: SessionSummary, events: NimbleEvent[], opts: WriterOptions = {}): string {
  const w = openSessionWriter(dir, summary.meta, opts);
  for (const e of events) w.append(e);
  w.finish(summary);
  if (w.error) throw w.error;
  return w.path;
}
