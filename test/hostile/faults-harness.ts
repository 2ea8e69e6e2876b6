// Runs the real `nimble` binary under a fault and measures what the fault matrix asserts: exit
// code, stdout/stderr, wall time, peak RSS (from /proc, polled), and whether anything it started
// is still alive afterwards (it runs in its own process group; every descendant seen is checked).
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readdirSync, readFileSync } from 'node:fs';
import { alive, BIN } from '../e2e/helpers.ts';

export interface FaultRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssMb: number;
  /** Descendants (and group members) of nimble still alive after it exited. */
  leftAlive: number[];
}

export interface FaultOptions {
  env?: NodeJS.ProcessEnv;
  /** Wrap the command (e.g. unshare + mount); nimble's pid is the wrapper's after its exec. */
  wrap?: (argv: string[]) => string[];
  /** When stdout has this many lines, close our end of the pipe (nimble's next write gets EPIPE). */
  closeStdoutAfterLines?: number;
  /** Send a signal once this pattern shows on stdout (to nimble's node process under a wrapper). */
  signalOn?: { pattern: RegExp; signal: NodeJS.Signals };
  timeoutMs: number;
  /** Keep nimble's stdin open (a pipe nobody writes to), as a terminal's is. */
  stdinOpen?: boolean;
}

function peakRssMb(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(st);
    return hwm ? Number(hwm[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process whose parent chain leads to `root` (by /proc/<pid>/stat). */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** The node process running nimble under `root` (itself, or a wrapper's descendant). */
export function nimblePid(root: number): number {
  for (const p of [root, ...descendants(root)]) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('bin/nimble.js'))) return p;
    } catch {
      /* gone */
    }
  }
  return root;
}

export function runFault(args: string[], o: FaultOptions): Promise<FaultRun> {
  const argv = [process.execPath, BIN, ...args];
  const cmd = o.wrap ? o.wrap(argv) : argv;
  const started = Date.now();
  // A variable set to undefined in o.env is removed (e.g. CI, to get the TUI).
  const env = Object.fromEntries(Object.entries({ ...process.env, ...o.env }).filter(([, v]) => v !== undefined));
  const child = spawn(cmd[0], cmd.slice(1), { env, stdio: [o.stdinOpen ? 'pipe' : 'ignore', 'pipe', 'pipe'] as ('pipe' | 'ignore')[], detached: true }) as ChildProcessByStdio<null, Readable, Readable>;
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  let peak = 0;
  const seen = new Set<number>();
  const poll = setInterval(() => {
    const kids = descendants(pid);
    for (const d of kids) seen.add(d);
    // A wrapper (sh, unshare) is small: the largest process is nimble.
    peak = Math.max(peak, peakRssMb(pid), ...kids.map(peakRssMb));
  }, 100);
  let closed = false;
  let signalled = false;
  child.stdout.on('data', (d) => {
    if (closed) return;
    stdout += d;
    if (o.signalOn && !signalled && o.signalOn.pattern.test(stdout)) {
      signalled = true;
      process.kill(o.wrap ? nimblePid(pid) : pid, o.signalOn.signal);
    }
    if (o.closeStdoutAfterLines !== undefined && stdout.split('\n').length > o.closeStdoutAfterLines) {
      closed = true;
      child.stdout.destroy(); // like `| head -N`: the reader goes away
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, o.timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', async (code, signal) => {
      clearInterval(poll);
      clearTimeout(killer);
      const wallMs = Date.now() - started;
      // Anything of nimble's still running after a short grace (a helper such as tsx's esbuild
      // service exits when its pipe from nimble closes): its process group, or a descendant seen.
      const groupAlive = () => {
        try {
          process.kill(-pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const until = Date.now() + 2_000;
      while (Date.now() < until && ([...seen].some(alive) || groupAlive())) await new Promise((r) => setTimeout(r, 50));
      const left = [...seen].filter(alive);
      if (groupAlive()) left.push(-pid);
      for (const p of left) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      setTimeout(() => resolve({ code, signal, stdout, stderr, wallMs, peakRssMb: peak, leftAlive: left }), 50);
    });
  });
}

/**
 * A command line that runs `argv` with `dir` as a fresh tmpfs of `sizeKb` in a private mount
 * namespace (no trace on the host), then copies what is left in it to `copyTo` for inspection.
 * `prepare` runs first inside (e.g. fill the disk). null where mount namespaces are not allowed.
 */
export function tmpfsWrap(dir: string, sizeKb: number, copyTo: string, prepare = 'true'): ((argv: string[]) => string[]) | null {
  const userns = process.getuid?.() === 0 ? [] : ['-r'];
  const probe = spawnSync('unshare', [...userns, '-m', 'sh', '-c', `mount -t tmpfs -o size=${sizeKb}k tmpfs ${q(dir)}`], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  return (argv) => [
    'unshare',
    ...userns,
    '-m',
    'sh',
    '-c',
    `mount -t tmpfs -o size=${sizeKb}k tmpfs ${q(dir)} && ${prepare} && { ${argv.map(q).join(' ')}; rc=$?; cp -a ${q(dir)}/. ${q(copyTo)}/; exit $rc; }`,
  ];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
