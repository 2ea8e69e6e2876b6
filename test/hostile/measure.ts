// Runs the real nimble binary under measurement for the hostile tests: peak RSS, wall time, the
// saved session and its events, and a check that nothing of the run outlives it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BIN } from '../e2e/helpers.ts';
/** Peak resident memory allowed to one nimble process (its idle baseline is ~150 MB). */
export const RSS_LIMIT_MB = 300;

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssMb: number;
  /** session.json of the saved session, null when none was saved. */
  session: Record<string, any> | null;
  events: Array<Record<string, any>>;
  /** Sessions folder entries (to check nothing was left where no session should be). */
  dirEntries: string[];
  /** Everything a user could read: stdout, stderr, smoke details, log lines, end reason. */
  text: string;
}

function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `nimble ARGS` in its own process group; peak RSS polled from /proc every 50 ms (VmHWM is
 * the process's own high-water mark, worker threads included). Killed at `killMs`.
 */
export async function runMeasured(args: string[], dir: string, opts: { killMs: number; sigintOn?: RegExp }): Promise<Outcome & { sigintAfterMs: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid!))), 50);
  const kill = setTimeout(() => child.kill('SIGKILL'), opts.killMs);
  // Ctrl-C once the session's event log shows the moment wanted (not at a fixed time: a loaded
  // machine starts slower).
  let sigintAt: number | null = null;
  const sigint = opts.sigintOn
    ? setInterval(() => {
        if (sigintAt !== null) return;
        for (const id of readdirSync(dir)) {
          let log = '';
          try {
            log = readFileSync(join(dir, id, 'events.ndjson'), 'utf8');
          } catch {
            /* not yet */
          }
          if (opts.sigintOn!.test(log)) {
            sigintAt = performance.now();
            child.kill('SIGINT');
          }
        }
      }, 50)
    : null;
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  const wallMs = performance.now() - t0;
  clearInterval(poll);
  clearTimeout(kill);
  if (sigint) clearInterval(sigint);
  const sigintAfterMs = sigintAt === null ? null : performance.now() - sigintAt;
  // Nothing of the run may outlive it. Its process group (nimble and any helper, e.g. tsx's
  // esbuild service, which leaves when its parent's pipe closes) must be empty within 3 s.
  const gone = performance.now() + 3000;
  while (groupAlive(child.pid!) && performance.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.equal(groupAlive(child.pid!), false, 'a process of the run is still alive 3 s after it ended');
  let session: Outcome['session'] = null;
  let events: Outcome['events'] = [];
  const dirEntries = readdirSync(dir);
  for (const id of dirEntries) {
    session = JSON.parse(readFileSync(join(dir, id, 'session.json'), 'utf8'));
    events = readFileSync(join(dir, id, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
  const text = [
    stdout,
    stderr,
    ...(session?.smoke ?? []).map((c: { detail: string }) => c.detail),
    ...events.filter((e) => e.type === 'log').map((e) => e.line),
    session?.endReason ?? '',
  ].join('\n');
  return { code, signal, stdout, stderr, wallMs, peakRssMb: peak / 1024, session, events, dirEntries, text, sigintAfterMs };
}

