// `npm run bench [-- floor|fidelity|capacity|efficiency|efficiency-standard|long-window|scale-out|startup|soak-rss|peers ...]` —
// prints figures; default all but soak-rss (10 min) and peers (builds a Python venv the first time, ~5 min a run);
// efficiency-standard alone takes about 10 minutes: 60 s fixed windows.
import { fidelity } from './fidelity.ts';
import { capacity } from './capacity.ts';
import { efficiency } from './efficiency.ts';
import { longWindow } from './long-window.ts';
import { soakRss } from './soak-rss.ts';
import { loopbackFloor } from './floor.ts';
import { startup } from './startup.ts';
import { FIGURES } from './level.ts';
import { scaleOut } from './scale-out.ts';
import { peers } from './peers.ts';

const all = {
  floor: () => loopbackFloor(),
  fidelity: () => fidelity(),
  capacity: () => capacity(),
  efficiency: () => efficiency('quick'),
  'efficiency-standard': () => efficiency('standard'),
  'long-window': () => longWindow(),
  startup: () => startup(),
  'scale-out': () => scaleOut(),
  'soak-rss': () => soakRss(),
  // Installs AIPerf and GuideLLM into a cached venv (~6.5 GB, torch included) the first time: by name only.
  peers: () => peers(),
} as const;
const BY_NAME_ONLY = new Set(['peers', 'soak-rss']);
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = asked.length ? asked : (Object.keys(all) as (keyof typeof all)[]).filter((n) => !BY_NAME_ONLY.has(n));
for (const n of names) {
  if (!(n in all)) {
    console.error(`unknown benchmark "${n}": use ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
}
console.log(`nimble load-engine benchmarks · node ${process.version} · ${(await import('node:os')).cpus().length} CPUs · load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const n of names) await all[n as keyof typeof all]();

if (!FIGURES.length) process.exit(0); // e.g. long-window only: it checks the sweep, no target of its own
console.log('\nfigures against the targets of issue 3 (load avg = 1-minute load average when the figure was taken; 2-core machine shared with other jobs):');
const w = (k: 'bench' | 'target' | 'measured') => Math.max(k.length, ...FIGURES.map((f) => f[k].length));
console.log(`${'bench'.padEnd(w('bench'))}  ${'target'.padEnd(w('target'))}  ${'measured'.padEnd(w('measured'))}  met  load avg`);
for (const f of FIGURES) console.log(`${f.bench.padEnd(w('bench'))}  ${f.target.padEnd(w('target'))}  ${f.measured.padEnd(w('measured'))}  ${f.met === null ? ' — ' : f.met ? 'yes' : 'NO '}  ${f.load}`);
