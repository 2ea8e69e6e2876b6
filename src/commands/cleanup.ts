// `nimble cleanup`: the stand-alone cleanup — helm uninstall of nimble's releases, then waits until
// pods, load balancers and (unless --keep-cache) the model cache are gone. Asks first unless --yes.

import type { CleanupReport, ClusterSignal, Leftover } from '../core/cluster.ts';
import { formatUsd } from '../core/cost.ts';
import { cleanupRelease, findKept, findLeftovers } from '../kube/cleanup.ts';
import { kubeTarget } from '../kube/preflight.ts';
import { NIMCACHE_RESOURCE } from '../kube/operator.ts';
import { confirm, type CommandIo } from './io.ts';
import { err, KUBE_FLAGS, kubeCommand, out } from './kube-context.ts';
import { formatKept, formatLeftovers } from './status.ts';

const CLEANUP_USAGE =
  'nimble cleanup [--release R] [--namespace NS] [--keep-cache] [--remove-secrets] [--remove-namespace] [--yes] [--json]\n  helm uninstall, then waits until pods, Service (load balancer) and, unless --keep-cache, the model cache are gone.';

/** nimble cleanup [--release R] [--keep-cache] [--remove-secrets] [--remove-namespace] [--yes] ... */
export function cleanupCommand(argv: string[], io?: CommandIo): Promise<number> {
  const options = { ...KUBE_FLAGS, release: { type: 'string' }, 'keep-cache': { type: 'boolean' }, 'remove-secrets': { type: 'boolean' }, 'remove-namespace': { type: 'boolean' } } as const;
  return kubeCommand('cleanup', argv, io, options, CLEANUP_USAGE, async (v, exec, io) => {
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
      if (v.json) out(io, JSON.stringify({ context: t.context, cleaned: [], leftovers: [] }));
      else out(io, `Context ${t.context}: nothing to clean up.`);
      return 0;
    }
    if (!v.json) {
      out(io, `Context ${t.context} (${t.server}). Will remove:`);
      for (const x of targets.values()) out(io, `  release ${x.namespace}/${x.release}${v['keep-cache'] ? ' (keeping its model cache)' : ' and its model cache'}`);
      for (const o of orphans) out(io, `  ${o.kind} ${o.namespace}/${o.name} (${o.detail})`);
    }
    if (!v.yes) {
      const ok = await confirm(io, 'Proceed? [y/N] ');
      if (!ok) {
        err(io, 'nimble cleanup: not confirmed; nothing removed. Pass --yes to run without asking.');
        return 1;
      }
    }
    const reports: Array<{ release: string; namespace: string; report: CleanupReport }> = [];
    const emit = (s: ClusterSignal) => {
      if (!v.json && s.kind === 'cleanup.step') out(io, `  ${s.done ? '✓' : '…'} ${s.step}: ${s.detail ?? ''}`);
    };
    for (const x of targets.values()) {
      if (!v.json) out(io, `${x.namespace}/${x.release}:`);
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
    if (v.json) out(io, JSON.stringify({ context: t.context, cleaned: reports, leftovers: remaining }, null, 2));
    else {
      for (const r of reports) if (r.report.keptCache) out(io, `Kept model cache ${r.namespace}/${r.report.keptCache.claim}: ${r.report.keptCache.sizeGi} GiB, ≈ ${formatUsd(r.report.keptCache.monthlyUsd)}/month while kept.`);
      out(io, remaining.length ? `Still there (may still be terminating; run nimble status again):\n${formatLeftovers(remaining)}` : 'Clean: nothing nimble created is left running.');
      const kept = await findKept(exec, { namespace: v.namespace }).catch(() => []);
      if (kept.length) out(io, formatKept(kept));
    }
    return remaining.length ? 1 : 0;
  });
}
