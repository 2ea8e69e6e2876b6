// `npm run bench -- startup`: how fast nimble starts and how much memory a whole simulator run holds.
// Three figures against the targets of the "one app" issue, each taken from the real bin in a real
// pseudo-terminal (`script`), the way a person starts it:
//   - `nimble --help`: wall time of the whole process (median of 15; target ≤ 150 ms);
//   - the first frame of `npm start`: from spawning npm to the first Ink frame on the terminal
//     (median of 7; target ≤ 400 ms; npm itself takes part of that);
//   - peak RSS of a full simulator run in the TUI (VmHWM of every process in the tree, polled;
//     target ≤ 250 MB).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FIGURES } from './level.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const load = () => loadavg()[0].toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The environment of a person at a terminal: no CI variables (they switch nimble to plain output). */
function interactiveEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '120', LINES: '40', ...extra };
  for (const k of ['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS', 'BUILD_NUMBER', 'RUN_ID']) delete env[k];
  return env;
}

function ensureBuild(): void {
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
      env: interactiveEnv({ FORCE_COLOR: '0' }),
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

function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs a whole simulator cycle in the TUI and returns the highest peak RSS of any process in its tree. */
function fullRunPeakRss(): Promise<{ peakMb: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', 'node bin/nimble.js run --sim --time-scale 1000', '/dev/null'], {
      cwd: ROOT,
      env: interactiveEnv({ NIMBLE_SESSIONS_DIR: `${ROOT}.nimble-tmp/bench-startup` }),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    let peak = 0;
    const poll = setInterval(() => {
      for (const p of descendants(child.pid!)) peak = Math.max(peak, peakRssKb(p));
    }, 100);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`the simulator run exited ${code}`));
      else resolve({ peakMb: peak / 1024, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

export async function startup(): Promise<void> {
  if (!existsSync('/usr/bin/script')) throw new Error('the startup bench needs `script` (Debian package bsdutils)');
  ensureBuild();
  console.log('\nstartup · the compiled bin in a pseudo-terminal');

  const help = helpTimes(15);
  const helpMed = median(help);
  console.log(`  nimble --help          median ${helpMed.toFixed(0)} ms (min ${Math.min(...help).toFixed(0)}, max ${Math.max(...help).toFixed(0)}, n = 15)`);
  FIGURES.push({ bench: 'startup: nimble --help', target: '≤ 150 ms', measured: `${helpMed.toFixed(0)} ms median`, met: helpMed <= 150, load: load() });

  const frames: number[] = [];
  for (let i = 0; i < 7; i++) frames.push(await timeToMarker('npm start --silent', 'Deploy timeline'));
  const frameMed = median(frames);
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) bare.push(await timeToMarker('node bin/nimble.js run --sim', 'Deploy timeline'));
  console.log(`  npm start first frame  median ${frameMed.toFixed(0)} ms (min ${Math.min(...frames).toFixed(0)}, max ${Math.max(...frames).toFixed(0)}, n = 7); the bin alone ${median(bare).toFixed(0)} ms`);
  FIGURES.push({ bench: 'startup: npm start first frame', target: '≤ 400 ms', measured: `${frameMed.toFixed(0)} ms median`, met: frameMed <= 400, load: load() });

  const run = await fullRunPeakRss();
  console.log(`  full simulator run     peak RSS ${run.peakMb.toFixed(0)} MB (TUI, --time-scale 1000, ${run.seconds.toFixed(0)} s)`);
  FIGURES.push({ bench: 'startup: RSS of a full sim run', target: '≤ 250 MB', measured: `${run.peakMb.toFixed(0)} MB peak`, met: run.peakMb <= 250, load: load() });
}
