// `nimble status` and `nimble cleanup`: the leftover check and the stand-alone cleanup, in plain
// text (or --json). They need no NGC key.

import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CleanupReport, ClusterSignal, Leftover } from '../core/cluster.ts';
import { formatUsd } from '../core/cost.ts';
import { cleanupRelease, findKept, findLeftovers } from '../kube/cleanup.ts';
import { KubeCommandError, KubeExec } from '../kube/exec.ts';
import { kubeTarget } from '../kube/preflight.ts';
import { NIMCACHE_RESOURCE } from '../kube/operator.ts';

const COMMON = {
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  kubectl: { type: 'string' },
  helm: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CommandIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Ask a yes/no question (default: stdin when it is a terminal, else no answer). */
  confirm?: (q: string) => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
}

const defaultIO = (): CommandIO => ({ out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) });

export function formatLeftovers(list: Leftover[]): string {
  if (!list.length) return 'No nimble resources found: nothing is running up a bill.';
  const rows = list.map((l) => [l.kind, `${l.namespace}/${l.name}`, l.hourlyUsd ? `${formatUsd(l.hourlyUsd)}/h` : '—', l.detail]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['KIND', 'NAME', 'COST'][i].length));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}  ${r[3]}`;
  const total = list.reduce((a, l) => a + l.hourlyUsd, 0);
  return [line(['KIND', 'NAME', 'COST', 'DETAIL']), ...rows.map(line), '', `Running cost of what is left: ${formatUsd(total)}/h (${formatUsd(total * 24 * 30)} per 30 days). Remove it with: nimble cleanup`].join('\n');
}

/** Secrets and namespaces nimble left (no running cost, but a credential or a place). Empty: nothing. */
export function formatKept(list: Leftover[]): string {
  if (!list.length) return '';
  return ['', 'Also left by nimble (no running cost):', ...list.map((k) => `  ${k.kind.padEnd(9)} ${k.kind === 'namespace' ? k.name : `${k.namespace}/${k.name}`}  ${k.detail}`)].join('\n');
}

const STATUS_USAGE =
  'nimble status [--namespace NS] [--context C] [--kubeconfig FILE] [--json]\n  Lists nimble-labelled helm releases, GPU pods, loader pods and Jobs, load balancers and model-cache volumes still in the cluster, with their running cost.';
const CLEANUP_USAGE =
  'nimble cleanup [--release R] [--namespace NS] [--keep-cache] [--remove-secrets] [--remove-namespace] [--yes] [--json]\n  helm uninstall, then waits until pods, Service (load balancer) and, unless --keep-cache, the model cache are gone.';

/** A command's flags, or its exit code: 2 after a wrong flag (said on stderr), 0 after --help. */
function flags(command: string, argv: string[], options: ParseArgsConfig['options'], usage: string, io: CommandIO): Record<string, any> | number {
  let v: Record<string, any>;
  try {
    v = parseArgs({ args: argv, options, allowPositionals: false }).values;
  } catch (e) {
    io.err(`nimble ${command}: ${(e as Error).message}`);
    return 2;
  }
  if (v.help) {
    io.out(usage);
    return 0;
  }
  return v;
}

function execFrom(v: Record<string, any>, io: CommandIO): KubeExec {
  return new KubeExec({ kubeconfig: v.kubeconfig, context: v.context, kubectl: v.kubectl, helm: v.helm, env: io.env });
}

function explain(e: unknown, io: CommandIO): number {
  if (e instanceof KubeCommandError) {
    io.err(`nimble: ${e.diagnosis.title}: ${e.diagnosis.evidence}`);
    io.err(`  what to do: ${e.diagnosis.fix}`);
  } else io.err(`nimble: ${(e as Error)?.message ?? e}`);
  return 1;
}

/** nimble status [--namespace NS] [--context C] [--kubeconfig F] [--json] */
export async function statusCommand(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const v = flags('status', argv, COMMON, STATUS_USAGE, io);
  if (typeof v === 'number') return v;
  const exec = execFrom(v, io);
  try {
    const t = await kubeTarget(exec);
    const list = await findLeftovers(exec, { namespace: v.namespace, fallbackNamespace: t.namespace });
    const kept = await findKept(exec, { namespace: v.namespace });
    if (v.json) io.out(JSON.stringify({ context: t.context, leftovers: list, kept, hourlyUsd: list.reduce((a, l) => a + l.hourlyUsd, 0) }, null, 2));
    else {
      io.out(`Context ${t.context} (${t.server})${v.namespace ? `, namespace ${v.namespace}` : ', all namespaces'}`);
      io.out(formatLeftovers(list));
      if (kept.length) io.out(formatKept(kept));
    }
    return 0;
  } catch (e) {
    return explain(e, io);
  }
}

/** nimble cleanup [--release R] [--keep-cache] [--remove-secrets] [--remove-namespace] [--yes] ... */
export async function cleanupCommand(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const options = { ...COMMON, release: { type: 'string' }, 'keep-cache': { type: 'boolean' }, 'remove-secrets': { type: 'boolean' }, 'remove-namespace': { type: 'boolean' } } as const;
  const v = flags('cleanup', argv, options, CLEANUP_USAGE, io);
  if (typeof v === 'number') return v;
  const exec = execFrom(v, io);
  try {
    const t = await kubeTarget(exec);
    const all = await findLeftovers(exec, { namespace: v.namespace, fallbackNamespace: t.namespace });
    // Releases to clean: the one named, or every nimble release (and orphans' release label).
    // A NIMService is the operator path's release.
    const isRelease = (l: Leftover) => l.kind === 'release' || l.kind === 'nimservice';
    const viaOf = (l: Leftover | undefined) => (l?.kind === 'nimservice' ? ('operator' as const) : undefined);
    const isCache = (l: Leftover) => l.kind === 'pvc' || l.kind === 'nimcache';
    const targets = new Map<string, { release: string; namespace: string; via?: 'operator' }>();
    if (v.release) {
      const found = all.find((l) => isRelease(l) && l.name === v.release && (!v.namespace || l.namespace === v.namespace));
      const ns = v.namespace ?? found?.namespace ?? t.namespace;
      targets.set(`${ns}/${v.release}`, { release: v.release, namespace: ns, via: viaOf(found) });
    } else {
      for (const l of all) if (isRelease(l)) targets.set(`${l.namespace}/${l.name}`, { release: l.name, namespace: l.namespace, via: viaOf(l) });
    }
    const orphans = v.release ? [] : all.filter((l) => !isRelease(l) && ![...targets.values()].some((x) => x.namespace === l.namespace && l.name.startsWith(x.release)) && !(v['keep-cache'] && isCache(l)));
    if (!targets.size && !orphans.length) {
      if (v.json) io.out(JSON.stringify({ context: t.context, cleaned: [], leftovers: [] }));
      else io.out(`Context ${t.context}: nothing to clean up.`);
      return 0;
    }
    if (!v.json) {
      io.out(`Context ${t.context} (${t.server}). Will remove:`);
      for (const x of targets.values()) io.out(`  release ${x.namespace}/${x.release}${v['keep-cache'] ? ' (keeping its model cache)' : ' and its model cache'}`);
      for (const o of orphans) io.out(`  ${o.kind} ${o.namespace}/${o.name} (${o.detail})`);
    }
    if (!v.yes) {
      const ok = await (io.confirm ?? ttyConfirm)('Proceed? [y/N] ');
      if (!ok) {
        io.err('nimble cleanup: not confirmed; nothing removed. Pass --yes to run without asking.');
        return 1;
      }
    }
    const reports: Array<{ release: string; namespace: string; report: CleanupReport }> = [];
    const emit = (s: ClusterSignal) => {
      if (!v.json && s.kind === 'cleanup.step') io.out(`  ${s.done ? '✓' : '…'} ${s.step}: ${s.detail ?? ''}`);
    };
    for (const x of targets.values()) {
      if (!v.json) io.out(`${x.namespace}/${x.release}:`);
      const report = await cleanupRelease({ exec, resources: [] }, x, { keepCache: !!v['keep-cache'], removeSecrets: !!v['remove-secrets'], removeNamespace: !!v['remove-namespace'] }, emit);
      reports.push({ ...x, report });
    }
    // Jobs first: a Job's pods go with it (a loader pod deleted alone could be replaced).
    for (const o of [...orphans].sort((a, b) => Number(b.kind === 'job') - Number(a.kind === 'job'))) {
      const kind = o.kind === 'service' ? 'service' : o.kind === 'pvc' ? 'pvc' : o.kind === 'pod' ? 'pod' : o.kind === 'job' ? 'job' : o.kind === 'nimcache' ? NIMCACHE_RESOURCE : null;
      if (!kind) continue;
      // A NIMCache is waited for: its Job and PVC go with it (owner references).
      await exec.kubectl(['delete', kind, o.name, '-n', o.namespace, ...(o.kind === 'nimcache' ? ['--timeout=5m'] : ['--wait=false'])], { allowFail: true });
    }
    const after = await findLeftovers(exec, { namespace: v.namespace, fallbackNamespace: t.namespace });
    const remaining = after.filter((l) => !(v['keep-cache'] && isCache(l)) && (!v.release || l.name.startsWith(v.release)));
    if (v.json) io.out(JSON.stringify({ context: t.context, cleaned: reports, leftovers: remaining }, null, 2));
    else {
      for (const r of reports) if (r.report.keptCache) io.out(`Kept model cache ${r.namespace}/${r.report.keptCache.claim}: ${r.report.keptCache.sizeGi} GiB, ≈ ${formatUsd(r.report.keptCache.monthlyUsd)}/month while kept.`);
      io.out(remaining.length ? `Still there (may still be terminating; run nimble status again):\n${formatLeftovers(remaining)}` : 'Clean: nothing nimble created is left running.');
      const kept = await findKept(exec, { namespace: v.namespace }).catch(() => []);
      if (kept.length) io.out(formatKept(kept));
    }
    return remaining.length ? 1 : 0;
  } catch (e) {
    return explain(e, io);
  }
}

async function ttyConfirm(q: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(q)).trim());
  } finally {
    rl.close();
  }
}
