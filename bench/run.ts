// `npm run bench [-- fidelity|capacity|efficiency ...]` — prints figures; default all.
import { fidelity } from './fidelity.ts';
import { capacity } from './capacity.ts';
import { efficiency } from './efficiency.ts';

const all = { fidelity: () => fidelity(), capacity: () => capacity(), efficiency: () => efficiency() } as const;
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = asked.length ? asked : (Object.keys(all) as (keyof typeof all)[]);
for (const n of names) {
  if (!(n in all)) {
    console.error(`unknown benchmark "${n}": use ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
}
console.log(`nimble load-engine benchmarks · node ${process.version} · ${(await import('node:os')).cpus().length} CPUs · load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const n of names) await all[n as keyof typeof all]();
