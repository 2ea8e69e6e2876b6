// Session files: one directory per session, `events.ndjson` appended as events happen (one write
// per event, so a crash or SIGKILL loses at most the event being written) and `session.json`
// written atomically (temp file + rename) when the session ends. A directory with events but no
// summary (the process was killed) is reconstructed by reducing its events, and marked partial.

import { accessSync, closeSync, lstatSync, constants as fsConstants, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import type { NimbleEvent, SessionMeta } from '../core/events.ts';
import { summarizeSession, type SessionSummary } from '../core/session-summary.ts';
import { parseSummary } from './schema.ts';
import { openNoFollow, scanEventLog } from './event-log.ts';
import { scrubValue, secretsFromEnv } from './scrub.ts';
import { sessionRow, type SessionRow } from '../core/session-rows.ts';

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
  const { events, warnings } = scanEventLog(file, true);
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

/** What a path is, without following a symbolic link. */
function kindOf(path: string): 'file' | 'dir' | 'link' | 'other' | null {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return null;
  }
}

function readNoFollow(file: string): string {
  const fd = openNoFollow(file);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * One session, by its folder name. The folder is the session's identity (a copy in another folder
 * is another session); nothing in it is read through a symbolic link. With `summaryOnly`, a
 * partial session's summary comes from a small cache beside its log (rebuilt when the log
 * changes), so listing never replays a large log twice.
 */
export function readSession(dir: string, id: string, opts: ReadOptions = {}): LoadedSession {
  if (!isValidSessionId(id)) throw new SessionReadError(id, 'invalid session id');
  const path = join(dir, id);
  const kind = kindOf(path);
  if (kind === null) throw new SessionReadError(id, `no such session in ${dir}`);
  if (kind === 'link') throw new SessionReadError(id, 'a symbolic link, not followed');
  if (kind !== 'dir') throw new SessionReadError(id, 'not a session directory');
  const summaryFile = join(path, SUMMARY_FILE);
  const eventsFile = join(path, EVENTS_FILE);
  const summaryKind = kindOf(summaryFile);
  const eventsKind = kindOf(eventsFile);
  for (const [name, k] of [[SUMMARY_FILE, summaryKind], [EVENTS_FILE, eventsKind]] as const) {
    if (k === 'link') throw new SessionReadError(id, `${name} is a symbolic link: not followed`);
    if (k === 'dir' || k === 'other') throw new SessionReadError(id, `${name} is not a regular file`);
  }
  const hasSummary = summaryKind === 'file';
  const hasEvents = eventsKind === 'file';
  if (!hasSummary && !hasEvents) throw new SessionReadError(id, `neither ${SUMMARY_FILE} nor ${EVENTS_FILE}: not a nimble session`);

  if (hasSummary) {
    let raw: unknown;
    try {
      raw = JSON.parse(readNoFollow(summaryFile));
    } catch (err) {
      throw new SessionReadError(id, `${SUMMARY_FILE} is not valid JSON (${(err as Error).message})`);
    }
    const r = parseSummary(raw);
    if (!r.ok) throw new SessionReadError(id, `${SUMMARY_FILE}: ${r.reason}`);
    const log = hasEvents && !opts.summaryOnly ? scanEventLog(eventsFile, true) : null;
    return { id, path, summary: r.value, events: log?.events ?? [], partial: false, running: false, warnings: log?.warnings ?? [] };
  }

  // Killed mid-run (or still running): rebuild the summary from what was logged.
  const livePid = lockHolderAlive(path);
  if (opts.summaryOnly && livePid === null) {
    const cached = readPartialCache(path, eventsFile, opts.priceTable);
    if (cached) return { id, path, summary: cached.summary, events: [], partial: true, running: false, warnings: cached.warnings };
  }
  const log = scanEventLog(eventsFile, !opts.summaryOnly);
  const warnings = [...log.warnings];
  const state = log.state;
  if (!state.meta) throw new SessionReadError(id, `${EVENTS_FILE} has no session.started event`);
  const table = pickTable(state.meta.priceTable, opts.priceTable, warnings);
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
  if (open.length && livePid === null && state.meta.mode === 'cluster') {
    warnings.push(`not seen stopped: ${open.map((r) => r.resource.label).join(', ')} — check the cluster (nimble cleanup)`);
  }
  const summary = summarizeSession(state, table);
  if (livePid === null) writePartialCache(path, eventsFile, summary, warnings, (opts.priceTable ?? DEFAULT_PRICE_TABLE).name);
  return { id, path, summary, events: log.events, partial: true, running: livePid !== null, warnings };
}

/** Beside a partial log: its rebuilt summary, valid while the log's size and mtime are unchanged. */
export const PARTIAL_CACHE_FILE = '.partial-summary.json';

function logStamp(eventsFile: string): string {
  const st = lstatSync(eventsFile);
  return `${st.size}:${st.mtimeMs}`;
}

function readPartialCache(path: string, eventsFile: string, table: PriceTable | undefined): { summary: SessionSummary; warnings: string[] } | null {
  try {
    const file = join(path, PARTIAL_CACHE_FILE);
    if (kindOf(file) !== 'file') return null;
    const c = JSON.parse(readNoFollow(file)) as { stamp?: string; table?: string; summary?: unknown; warnings?: unknown };
    if (c.stamp !== logStamp(eventsFile) || c.table !== (table ?? DEFAULT_PRICE_TABLE).name || !Array.isArray(c.warnings)) return null;
    const r = parseSummary(c.summary);
    return r.ok ? { summary: r.value, warnings: c.warnings.map(String) } : null;
  } catch {
    return null;
  }
}

function writePartialCache(path: string, eventsFile: string, summary: SessionSummary, warnings: string[], table: string): void {
  try {
    writeJsonAtomic(join(path, PARTIAL_CACHE_FILE), { stamp: logStamp(eventsFile), table, summary, warnings });
  } catch {
    /* a read-only or full disk: the next listing rebuilds it */
  }
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
      const kind = kindOf(join(dir, name));
      if (kind === 'link') {
        unreadable.push({ name, reason: 'a symbolic link, not followed' });
        continue;
      }
      if (kind !== 'dir') {
        unreadable.push({ name, reason: 'not a session directory' });
        continue;
      }
      const s = readSession(dir, name, { ...opts, summaryOnly: true });
      // The folder is the row's identity: delete, replay and rename act on this folder.
      const row = sessionRow(s.summary, { partial: s.partial, running: s.running, warnings: s.warnings });
      if (s.summary.id !== name) row.warnings.push(`folder ${name} holds session ${s.summary.id} (a copy or a rename)`);
      rows.push({ ...row, id: name });
    } catch (err) {
      unreadable.push({ name, reason: err instanceof SessionReadError ? err.reason : (err as Error).message });
    }
  }
  return { rows, unreadable };
}

/** Session folders in `dir` (names only: nothing is read), oldest first. */
function sessionFolders(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.') && isValidSessionId(n))
      .sort();
  } catch {
    return [];
  }
}

/** 'latest', an exact id, or a unique prefix or suffix (e.g. the 4-hex tail). */
export function findSessionId(dir: string, ref: string): { id: string } | { error: string } {
  // By folder name only: finding one session never reads (or replays) any other.
  const names = sessionFolders(dir);
  if (!names.length) return { error: `no sessions in ${dir}` };
  if (ref === 'latest') {
    // The newest readable one (ids sort by time); a folder that is not a session is passed over.
    for (let i = names.length - 1; i >= 0; i--) {
      const k = kindOf(join(dir, names[i]));
      if (k === 'dir' && (kindOf(join(dir, names[i], SUMMARY_FILE)) === 'file' || kindOf(join(dir, names[i], EVENTS_FILE)) === 'file')) return { id: names[i] };
    }
    return { error: `no sessions in ${dir}` };
  }
  if (names.includes(ref)) return { id: ref };
  const hits = names.filter((n) => n.startsWith(ref) || n.endsWith(ref));
  if (hits.length === 1) return { id: hits[0] };
  if (hits.length > 1) return { error: `'${ref}' matches ${hits.length} sessions: ${hits.join(', ')}` };
  return { error: `no session '${ref}' in ${dir}` };
}

export function deleteSession(dir: string, id: string): void {
  if (!isValidSessionId(id)) throw new SessionReadError(id, 'invalid session id');
  const path = join(dir, id);
  if (kindOf(path) !== 'dir' || (kindOf(join(path, EVENTS_FILE)) !== 'file' && kindOf(join(path, SUMMARY_FILE)) !== 'file')) {
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
