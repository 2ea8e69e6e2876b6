// `npm run bench -- startup [--rss-runs=N]`: how fast nimble starts and how much memory a whole
// simulator run holds. Three figures against the targets of the "one app" issue, each taken from the
// real bin in a real pseudo-terminal (`script`), the way a person starts it; each prints the median
// and the max of its runs, and PASS/MISS of the median against the target:
//   - `nimble --help`: wall time of the whole process (n = 15; target ≤ 150 ms);
//   - the first frame of `npm start`: from spawning npm to the first Ink frame on the terminal
//     (n = 7; target ≤ 400 ms; npm itself takes part of that, so the bin alone is shown too);
//   - peak RSS of a full simulator run in the TUI (VmHWM of every node process in the tree, polled;
//     the run ends when its session is saved and `q` is pressed; target ≤ 250 MB; n = --rss-runs=N,
//     default 2, about 4 minutes each). A run whose sweep found no breaking point (on a loaded
//     machine the load generator can be client-limited) is not the whole cycle: shown, not counted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FIGURES } from './level.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const load = () => loadavg()[0].toFixed(1);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** One line per target: median, max and n, PASS/MISS of the median; also into the closing table. */
function report(name: string, target: number, unit: string, xs: number[], extra = ''): void {
  const med = median(xs);
  const max = Math.max(...xs);
  console.log(`  ${name.padEnd(24)} median ${med.toFixed(0).padStart(4)} ${unit}  max ${max.toFixed(0).padStart(4)} ${unit}  n = ${xs.length}  target ≤ ${target} ${unit}  ${verdict(med <= target)}${extra ? `  (${extra})` : ''}`);
  FIGURES.push({ bench: `startup: ${name}`, target: `≤ ${target} ${unit}`, measured: `${med.toFixed(0)} ${unit} median, max ${max.toFixed(0)}, n = ${xs.length}`, met: med <= target, load: load() });
}

/** The environment of a person at a terminal: no CI variables (they switch nimble to plain output). */
function interactiveEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '120', LINES: '40', ...extra };
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS', 'BUILD_NUMBER', 'RUN_ID']) delete env[k];
  return env;
}

export function ensureBuild(): void {
  // The targets are for the compiled bin; a stale or missing build would measure tsx instead.
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

function helpTimes(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['bin/nimble.js', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`nimble --help exited ${r.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Spawns `cmd` in a pseudo-terminal and resolves with ms until `marker` first appears in its output. */
function timeToMarker(cmd: string, marker: string, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: ROOT,
      env: interactiveEnv({ FORCE_COLOR: '0', NIMBLE_SESSIONS_DIR: `${ROOT}.nimble-tmp/bench-startup-frames` }),
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
    });
    let seen = '';
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${marker}" within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (b: Buffer) => {
      seen = (seen + b.toString('utf8')).slice(-4096);
      if (seen.includes(marker)) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        stop();
        resolve(ms);
      }
    });
  });
}

function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid)!.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const k of kids.get(p) ?? []) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

/** Peak RSS (VmHWM) of a node process, in kB; 0 for other processes (`script`, the shell). */
function nodePeakRssKb(pid: number): number {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('node')) return 0;
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface RssRun {
  peakMb: number;
  seconds: number;
  /** Why the run was not the whole cycle, or null when it was. */
  notFull: string | null;
}

/** The saved session's verdict: a whole cycle ends with a breaking point found. */
function sessionVerdict(dir: string): { saved: boolean; notFull: string | null } {
  for (const d of existsSync(dir) ? readdirSync(dir) : []) {
    const f = `${dir}/${d}/session.json`;
    if (!existsSync(f)) continue;
    const s = JSON.parse(readFileSync(f, 'utf8')) as { status?: string; breakingPoints?: { support?: { status?: string; why?: string } } };
    const support = s.breakingPoints?.support;
    if (s.status !== 'completed') return { saved: true, notFull: `session ${s.status}` };
    if (support?.status !== 'found') return { saved: true, notFull: `sweep ${support?.status ?? 'missing'}${support?.why ? `: ${support.why.slice(0, 80)}` : ''}` };
    return { saved: true, notFull: null };
  }
  return { saved: false, notFull: null };
}

/** Runs a whole simulator cycle in the TUI, presses q once the session is saved, returns its peak RSS. */
function fullRunPeakRss(index: number, timeoutS = 900): Promise<RssRun> {
  const sessions = `${ROOT}.nimble-tmp/bench-startup-rss-${index}`;
  rmSync(sessions, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', 'node bin/nimble.js run --sim --time-scale 1000', '/dev/null'], {
      cwd: ROOT,
      env: interactiveEnv({ NIMBLE_SESSIONS_DIR: sessions }),
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    let peak = 0;
    let verdict: { saved: boolean; notFull: string | null } = { saved: false, notFull: null };
    const poll = setInterval(() => {
      for (const p of descendants(child.pid!)) peak = Math.max(peak, nodePeakRssKb(p));
      if (!verdict.saved) verdict = sessionVerdict(sessions);
      // The summary stays on screen until q: press it once the session is saved (again if missed).
      if (verdict.saved) child.stdin!.write('q');
      if (performance.now() - t0 > timeoutS * 1000) {
        clearInterval(poll);
        process.kill(-child.pid!, 'SIGKILL');
        reject(new Error(`the simulator run did not end within ${timeoutS} s`));
      }
    }, 250);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`the simulator run exited ${code}`));
      else resolve({ peakMb: peak / 1024, seconds: (performance.now() - t0) / 1000, notFull: verdict.saved ? verdict.notFull : 'no session saved' });
    });
  });
}

function rssRunsArg(): number {
  // `--rss-runs=N`: bench/run.ts takes every bare word for a benchmark's name.
  const arg = process.argv.find((a) => a.startsWith('--rss-runs='));
  const n = arg ? Number(arg.slice('--rss-runs='.length)) : 2;
  if (!Number.isInteger(n) || n < 0) throw new Error('--rss-runs takes a whole number');
  return n;
}

export async function startup(): Promise<void> {
  if (!existsSync('/usr/bin/script')) throw new Error('the startup bench needs `script` (Debian package bsdutils)');
  const rssRuns = rssRunsArg();
  ensureBuild();
  console.log(`\nstartup · the compiled bin in a pseudo-terminal · load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (a loaded machine is slower: compare with an idle one)`);

  report('nimble --help', 150, 'ms', helpTimes(15));

  // Killed at their first frame, these runs leave unfinished sessions behind: in a folder of their own.
  rmSync(`${ROOT}.nimble-tmp/bench-startup-frames`, { recursive: true, force: true });
  const frames: number[] = [];
  for (let i = 0; i < 7; i++) frames.push(await timeToMarker('npm start --silent', 'Deploy timeline'));
  const bare: number[] = [];
  for (let i = 0; i < 7; i++) bare.push(await timeToMarker('node bin/nimble.js run --sim', 'Deploy timeline'));
  report('npm start first frame', 400, 'ms', frames, `the bin alone: median ${median(bare).toFixed(0)} ms, max ${Math.max(...bare).toFixed(0)} ms`);

  const peaks: number[] = [];
  for (let i = 0; i < rssRuns; i++) {
    const run = await fullRunPeakRss(i);
    console.log(`    full run ${i + 1}/${rssRuns}: peak RSS ${run.peakMb.toFixed(0)} MB, ${run.seconds.toFixed(0)} s${run.notFull ? ` · NOT COUNTED, not the whole cycle (${run.notFull})` : ''} · load ${load()}`);
    if (!run.notFull) peaks.push(run.peakMb);
  }
  if (peaks.length) report('full sim run peak RSS', 250, 'MB', peaks, 'TUI, --time-scale 1000');
  else if (rssRuns) {
    console.log('  full sim run peak RSS    no whole cycle measured: rerun on a quieter machine');
    FIGURES.push({ bench: 'startup: full sim run peak RSS', target: '≤ 250 MB', measured: 'no whole cycle (machine too loaded)', met: null, load: load() });
  }
}
