// `npm run bench -- soak-rss`: the real `nimble load --pattern soak` at 64 streams for 10 minutes
// (NIMBLE_BENCH_SOAK_MIN to change) against the simulator in its own process, sampling nimble's
// resident set (main thread + load worker: one process) every 5 s from /proc. Flat means the
// hour-long soak is limited by the server, not by nimble: the OLS slope of RSS after the first
// minute, with its 95 % CI, stated per hour.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { olsSlope } from '../src/core/pattern-analysis.ts';
import { spawnSim } from './sim-process.ts';
import { figure } from './level.ts';
import { ensureBuild } from './startup.ts';

/** The process's CPU time so far (user + system), seconds: /proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s on Linux. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** As bin/nimble.js decides: dist/ is used when its stamp is newer than every source file. */
function distIsCurrent(): boolean {
  const stamp = new URL('../dist/.build-stamp', import.meta.url);
  if (process.env.NIMBLE_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const src = new URL('../src/', import.meta.url);
  return readdirSync(src, { recursive: true }).every((f) => statSync(new URL(String(f), src)).mtimeMs <= built);
}

export async function soakRss(): Promise<void> {
  const minutes = Number(process.env.NIMBLE_BENCH_SOAK_MIN ?? 10);
  const users = Number(process.env.NIMBLE_BENCH_SOAK_USERS ?? 64);
  console.log(`\nsoak-rss (load average at the start ${loadavg().map((x) => x.toFixed(1)).join(' ')}): nimble load --pattern soak --users ${users} --duration ${minutes}m against the simulated A10 (default profile, support shape), RSS every 5 s`);
  const sim = await spawnSim([]);
  const dir = mkdtempSync(join(tmpdir(), 'nimble-soak-'));
  // The bin, as a user runs it: compiled dist/.
  const bin = new URL('../bin/nimble.js', import.meta.url).pathname;
  // A stale build would silently measure tsx (its loader in both threads: ~35 MB more): rebuild,
  // unless sources are asked for (NIMBLE_FROM_SOURCE=1).
  if (process.env.NIMBLE_FROM_SOURCE !== '1' && !distIsCurrent()) ensureBuild();
  const compiled = distIsCurrent();
  console.log(`  nimble runs ${compiled ? 'compiled (dist/)' : 'from sources through tsx (dist/ missing or older than src/: npm run build for the figure users get)'}`);
  // NIMBLE_BENCH_SOAK_NODE_FLAGS: V8/Node flags for nimble's process only, to try heap settings;
  // --no-expose-gc turns off nimble's collection each minute (src/util/heap.ts): V8 on its own.
  const nodeFlags = (process.env.NIMBLE_BENCH_SOAK_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  if (nodeFlags.length) console.log(`  node flags for nimble: ${nodeFlags.join(' ')}`);
  const child = spawn(process.execPath, [...nodeFlags, bin, 'load', '--target', sim.url, '--pattern', 'soak', '--users', String(users), '--duration', `${minutes}m`, '--window', '10s', '--sessions-dir', dir, '--plain'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NIMBLE_BENCH_MEM: '1' } });
  // Both threads' heaps every 30 s (NIMBLE_BENCH_MEM): where the resident set goes.
  const memLines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (l.startsWith('nimble-mem ')) memLines.push(l);
    else process.stderr.write(l + '\n');
  });
  let lines = 0;
  let tail = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    lines += d.split('\n').length - 1;
    tail = (tail + d).slice(-4000);
  });
  const t0 = performance.now();
  const samples: Array<{ x: number; y: number }> = [];
  let cpu = 0;
  const timer = setInterval(() => {
    const r = rssMb(child.pid!);
    if (r !== null) samples.push({ x: performance.now() - t0, y: r });
    cpu = cpuSeconds(child.pid!) ?? cpu;
  }, 5000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearInterval(timer);
  await sim.stop();
  const summary = tail.split('\n').filter((l) => /^(soak|  TTFT|  KV|  server|whole run)/.test(l));
  for (const l of summary) console.log(`  nimble said: ${l}`);
  rmSync(dir, { recursive: true, force: true });
  const after = samples.filter((s) => s.x >= 60_000);
  // RSS saw-tooths with garbage collection: the per-minute median shows the trend, the slope is
  // fitted on those medians (5-s samples are far from independent).
  const perMin: Array<{ x: number; y: number }> = [];
  for (let m = 1; m * 60_000 < (samples[samples.length - 1]?.x ?? 0); m++) {
    const v = samples.filter((s) => s.x >= m * 60_000 && s.x < (m + 1) * 60_000).map((s) => s.y).sort((a, b) => a - b);
    if (v.length) perMin.push({ x: m * 60_000 + 30_000, y: v[v.length >> 1] });
  }
  console.log(`  RSS per minute (median, MB): ${perMin.map((p) => p.y.toFixed(0)).join(' ')}`);
  for (const l of memLines) console.log(`  ${l}`);
  const fit = olsSlope(perMin);
  const first = after[0]?.y ?? NaN;
  const last = after[after.length - 1]?.y ?? NaN;
  const max = Math.max(...samples.map((s) => s.y));
  console.log(`  exit ${code}, ${lines} output lines, ${samples.length} RSS samples (${after.length} after the first minute), load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`  nimble's CPU time ${cpu.toFixed(1)} s (${((cpu / (samples.length * 5)) * 100).toFixed(0)} % of one core over the run)`);
  console.log(`  RSS after 1 min ${first.toFixed(1)} MB → end ${last.toFixed(1)} MB (max ${max.toFixed(1)} MB)`);
  if (fit) console.log(`  RSS slope of the per-minute medians after the first minute: ${fit.perHour.toFixed(1)} MB/h (95 % CI ${fit.lowPerHour.toFixed(1)} … ${fit.highPerHour.toFixed(1)}, n ${fit.n} minutes)`);
  const flat = fit !== null && fit.highPerHour < 20;
  figure(nodeFlags.length ? `soak-rss (${nodeFlags.join(' ')})` : 'soak-rss', 'RSS flat over the soak: slope CI < 20 MB/h', fit ? `${fit.perHour.toFixed(1)} MB/h (CI ≤ ${fit.highPerHour.toFixed(1)}), ${first.toFixed(0)}→${last.toFixed(0)} MB over ${minutes} min` : 'no fit', code === 0 && flat);
}
