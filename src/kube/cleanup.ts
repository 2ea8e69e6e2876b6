// Cleanup: helm uninstall, then wait until the release, the pods (so the GPU) and the Service (so
// the cloud load balancer) are really gone; the model-cache PVC kept or deleted; secrets and the
// namespace removed on request. leftovers(): anything nimble-labelled still costing money.

import type { CleanupOptions, CleanupReport, CleanupStep, Emit, Leftover, PaidResource } from '../core/cluster.ts';
import { DEFAULT_PRICE_TABLE, HOURS_PER_MONTH, hourlyRate, keptCacheMonthlyUsd, type PriceTable } from '../core/cost.ts';
import { classifyCliError, diagnoseCliError } from './diagnose.ts';
import { KubeCommandError, type KubeExec } from './exec.ts';
import { API_KEY_SECRET, LABEL_MANAGED_BY, LABEL_RELEASE, MANAGED_BY, REGISTRY_SECRET, labelValue, podSelector, prePullName, serviceName } from './names.ts';
import type { HelmRelease, KubeList, KubeObject, LabelledObject, Node, PersistentVolumeClaim, Secret } from './k8s-types.ts';
import { findOperatorLeftovers, removeNimCache, removeNimService } from './operator-cleanup.ts';
import { NIMSERVICE_RESOURCE } from './operator.ts';
import { loaderLeftoversFrom, loaderResources, loaderSelector } from './loaders.ts';
import { usdText } from '../core/format.ts';

export interface CleanupTarget {
  release: string;
  namespace: string;
  /** Model-cache claim; when unknown (nimble cleanup --release), found by the release label. */
  claim?: string;
  /** How it was deployed: a helm release (default) or a NIMService + NIMCache (the NIM Operator). */
  via?: 'helm' | 'operator';
}

export interface CleanupContext {
  exec: KubeExec;
  /** Paid resources the deploy started: stopped as each goes away. */
  resources: PaidResource[];
  pollMs?: number;
  /** Per step (default 15 min: an OCI LB can take minutes to delete). */
  stepTimeoutMs?: number;
  priceTable?: PriceTable;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function cleanupRelease(ctx: CleanupContext, t: CleanupTarget, opts: CleanupOptions, emit: Emit): Promise<CleanupReport> {
  const { exec } = ctx;
  const ns = t.namespace;
  const table = ctx.priceTable ?? DEFAULT_PRICE_TABLE;
  const stop = (id: string) => {
    const r = ctx.resources.find((x) => x.id === id);
    if (r) emit({ kind: 'resource', resource: r, action: 'stop' });
  };
  const step = (s: CleanupStep, done: boolean, detail: string) => emit({ kind: 'cleanup.step', step: s, done, detail });
  const problems: string[] = [];

  /** Poll until `gone()` says so; false on timeout, or at once when the cluster cannot be asked. */
  const waitGone = async (what: string, gone: () => Promise<boolean>): Promise<boolean> => {
    const until = Date.now() + (ctx.stepTimeoutMs ?? 15 * 60_000);
    for (;;) {
      try {
        if (await gone()) return true;
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
        return false;
      }
      if (Date.now() > until || ctx.signal?.aborted) {
        problems.push(`${what} still there`);
        return false;
      }
      await sleep(ctx.pollMs ?? 1_000);
    }
  };
  const count = async (args: string[]) => {
    const r = await exec.kubectl([...args, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true });
    if (r.exitCode !== 0) {
      if (/NotFound|not found/i.test(r.stderr)) return 0;
      // Waiting cannot fix lost credentials or a cluster that is not there: say so now.
      if (['auth-expired', 'forbidden', 'unreachable', 'bad-context', 'tls'].includes(classifyCliError(r.stderr))) throw new KubeCommandError(diagnoseCliError('kubectl', r.stderr), r);
      return Infinity;
    }
    const v = JSON.parse(r.stdout);
    return Array.isArray(v.items) ? v.items.length : 1;
  };

  // 0. Loader pods (--load-from cluster), first: they send load to the NIM. Their cost lines are
  // stopped only when there were loaders (a run without them never started those lines).
  const hadLoaders = await count(['get', 'pods', '-l', loaderSelector(t.release)]).then((n) => n > 0, () => false); // unreachable: the steps below report it
  await exec.kubectl(['delete', 'job,configmap', '-l', loaderSelector(t.release), '-n', ns, '--ignore-not-found', '--cascade=foreground', '--wait=false'], { allowFail: true, quiet: true });

    // 1. Release (through the operator: the NIMService; the garbage collector takes what it owns)
  if (t.via === 'operator') {
    if (!t.claim) {
      // `nimble cleanup` knows only the NIMService: its NIMCache (so the claim) is named in its spec.
      const g = await exec.kubectl(['get', NIMSERVICE_RESOURCE, t.release, '-n', ns, '-o', 'jsonpath={.spec.storage.nimCache.name}'], { allowFail: true, quiet: true });
      if (g.exitCode === 0 && g.stdout.trim()) t = { ...t, claim: g.stdout.trim() };
    }
    step('release', false, `delete NIMService ${t.release}`);
    const r = await removeNimService(exec, t.release, ns, waitGone);
    if (r.error) problems.push(`delete NIMService failed: ${r.error}`);
    step('release', r.gone, r.gone ? (r.existed ? 'NIMService deleted' : 'NIMService was already gone') : 'NIMService still there');
  } else {
  step('release', false, `helm uninstall ${t.release}`);
  const un = await exec.helm(['uninstall', t.release, '-n', ns], { allowFail: true });
  if (un.exitCode !== 0 && !/not found/i.test(un.stderr)) problems.push(`helm uninstall failed: ${un.stderr.trim().split('\n').pop()}`);
  const relGone = await waitGone('release', async () => {
    const st = await exec.helm(['status', t.release, '-n', ns], { allowFail: true, quiet: true });
    if (st.exitCode === 0) return false;
    if (/not found/i.test(st.stderr)) return true;
    throw new KubeCommandError(diagnoseCliError('helm', st.stderr, { enoent: st.enoent }), st);
  });
  step('release', relGone, relGone ? (un.exitCode === 0 ? 'release uninstalled' : 'release was already gone') : 'release still listed by helm');
  }

  // 2. Pods (the GPU)
  step('pods', false, 'waiting for pods to terminate');
  const podsGone = await waitGone('pods', async () => (await count(['get', 'pods', '-l', podSelector(t.release)])) === 0);
  if (podsGone) stop('gpu-node');
  const loadersGone = await waitGone('loader pods', async () => (await count(['get', 'pods', '-l', loaderSelector(t.release)])) === 0);
  if (loadersGone && hadLoaders) for (const r of loaderResources({ count: 0, cpu: 0, memoryMiB: 0 })) emit({ kind: 'resource', resource: r, action: 'stop' });
  step('pods', podsGone, podsGone ? 'pods gone; GPU released' : 'pods still terminating');

  // 3. Service (the cloud LB): the object stays until the cloud controller deleted the LB.
  const svc = serviceName(t.release);
  step('service', false, 'waiting for the Service (and its load balancer) to go');
  const svcLeft = await count(['get', 'service', svc]).catch(() => 0); // unreachable: waitGone reports it
  if (svcLeft > 0 && svcLeft !== Infinity) await exec.kubectl(['delete', 'service', svc, '-n', ns, '--wait=false'], { allowFail: true });
  const svcGone = await waitGone('service', async () => (await count(['get', 'service', svc])) === 0);
  if (svcGone) stop('lb');
  step('service', svcGone, svcGone ? 'service and load balancer gone' : 'service still there');

  // Pre-pull DaemonSet goes with the cache (it is what makes the next cycle warm).
  if (!opts.keepCache) await exec.kubectl(['delete', 'daemonset', prePullName(t.release), '-n', ns, '--ignore-not-found', '--wait=false'], { allowFail: true, quiet: true });

  // 4. Model cache (through the operator, the NIMCache owns the claim: kept or deleted with it)
  if (t.via === 'operator' && t.claim && !opts.keepCache) {
    const r = await removeNimCache(exec, t.claim, ns, waitGone);
    if (r.error) problems.push(`delete NIMCache failed: ${r.error}`);
    else if (r.existed) step('pvc', r.gone, r.gone ? `NIMCache ${t.claim} deleted` : `NIMCache ${t.claim} still there`);
  }
  const claims = await cacheClaims(exec, ns, t);
  let keptCache: CleanupReport['keptCache'];
  if (opts.keepCache) {
    const c = claims[0];
    if (c) {
      const gib = gibOf(c);
      keptCache = { claim: c.metadata.name, sizeGi: gib, monthlyUsd: keptCacheMonthlyUsd(gbOfGib(gib), table) };
      step('pvc', true, `kept model cache ${c.metadata.name}${t.via === 'operator' ? ' and its NIMCache' : ''} (${gib} GiB, ≈ ${usdText(keptCache.monthlyUsd)}/month)`);
    } else step('pvc', true, 'no model cache volume to keep');
  } else if (claims.length) {
    step('pvc', false, 'deleting model cache volume');
    for (const c of claims) await exec.kubectl(['delete', 'pvc', c.metadata.name, '-n', ns, '--wait=false'], { allowFail: true });
    const gone = await waitGone('pvc', async () => {
      for (const c of claims) if ((await count(['get', 'pvc', c.metadata.name])) !== 0) return false;
      return true;
    });
    step('pvc', gone, gone ? 'model cache deleted' : 'model cache volume still there');
  }
  stop('pvc'); // a kept cache is billed outside the session: reported as monthly cost

  // 5. Secrets / namespace: the NGC key goes unless the user asked to keep it; the namespace goes
  // when nimble created it and nothing that stays lives in it.
  const nsObj = await exec.kubectl(['get', 'namespace', ns, '-o', 'json'], { allowFail: true, quiet: true });
  const nsFacts: NamespaceFacts = { exists: nsObj.exitCode === 0, ours: false, foreign: [] };
  if (nsFacts.exists) {
    nsFacts.ours = JSON.parse(nsObj.stdout).metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY;
    if (nsFacts.ours && opts.removeNamespace) {
      const r = await exec.kubectl(['get', NAMESPACE_CONTENT_KINDS, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true });
      // Could not look inside: never delete what might hold someone else's work.
      nsFacts.foreign = r.exitCode === 0 ? foreignObjects(JSON.parse(r.stdout).items ?? []) : ['(contents could not be listed)'];
    }
  }
  const plan = planCredentialCleanup(opts, ns, nsFacts, keptCache?.claim);
  if (plan.deleteSecrets) {
    step('secrets', false, 'deleting the NGC secrets');
    const del = await exec.kubectl(['delete', 'secret', REGISTRY_SECRET, API_KEY_SECRET, '-n', ns, '--ignore-not-found'], { allowFail: true });
    if (del.exitCode !== 0) problems.push(`secrets: ${del.stderr.trim().split('\n').pop()}`);
    step('secrets', del.exitCode === 0, del.exitCode === 0 ? 'NGC secrets deleted' : 'NGC secrets could not be deleted');
  }
  if (plan.deleteNamespace) {
    step('namespace', false, `deleting namespace ${ns}`);
    await exec.kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
    const gone = await waitGone('namespace', async () => (await exec.kubectl(['get', 'namespace', ns, '-o', 'name'], { allowFail: true, quiet: true })).exitCode !== 0);
    step('namespace', gone, gone ? 'namespace deleted' : 'namespace still terminating');
  } else if (opts.removeNamespace) {
    const why = plan.kept.find((k) => k.kind === 'namespace')?.detail ?? (nsFacts.exists ? 'nimble did not create it' : 'already gone');
    step('namespace', true, `kept namespace ${ns}: ${why}`);
  }

  const left = (await findLeftovers(exec, { namespace: ns, table }).catch((e) => {
    // Could not look: never report "clean" without having seen it.
    problems.push(`leftover check: ${(e as Error).message}`);
    return [{ kind: 'release', name: t.release, namespace: ns, detail: `not verified: ${(e as Error).message}`, hourlyUsd: 0 }] as Leftover[];
  })).filter(
    (l) => l.name.startsWith(t.release) || ((l.kind === 'pvc' || l.kind === 'nimcache') && (l.name === t.claim || claims.some((c) => c.metadata.name === l.name))),
  );
  const real = left.filter((l) => !(keptCache && (l.kind === 'pvc' || l.kind === 'nimcache') && l.name === keptCache.claim));
  for (const p of problems) exec.log('nimble', `cleanup: ${p}`);
  return { ok: problems.length === 0 && real.length === 0, leftovers: real, keptCache, kept: plan.kept };
}

/** What cleanup learnt about the namespace before deciding on it. */
export interface NamespaceFacts {
  exists: boolean;
  /** Created by nimble (it carries nimble's label). */
  ours: boolean;
  /** Objects in it nimble did not create ("kind/name"). */
  foreign: string[];
}

/** The kinds looked at before deleting a namespace nimble created. */
export const NAMESPACE_CONTENT_KINDS = 'deployments,statefulsets,daemonsets,jobs,cronjobs,pods,services,pvc,secrets,configmaps';

/**
 * Pure: which credentials and namespace cleanup removes, and what it leaves with a reason. The NGC
 * secrets go unless asked to keep them; the namespace goes when nimble created it and nothing that
 * stays (kept secrets, a kept cache, someone else's objects) lives in it.
 */
export function planCredentialCleanup(opts: CleanupOptions, ns: string, facts: NamespaceFacts, keptCacheClaim?: string): { deleteSecrets: boolean; deleteNamespace: boolean; kept: Leftover[] } {
  const kept: Leftover[] = [];
  if (!facts.exists) return { deleteSecrets: false, deleteNamespace: false, kept };
  const deleteSecrets = opts.removeSecrets;
  if (!deleteSecrets) {
    for (const name of [API_KEY_SECRET, REGISTRY_SECRET]) kept.push({ kind: 'secret', name, namespace: ns, detail: 'holds the NGC API key; kept on request', hourlyUsd: 0 });
  }
  if (!facts.ours) return { deleteSecrets, deleteNamespace: false, kept };
  const holds = [
    ...(!deleteSecrets ? ['the kept NGC secrets'] : []),
    ...(keptCacheClaim ? [`the kept model cache ${keptCacheClaim}`] : []),
    ...(facts.foreign.length ? [`${facts.foreign.length} object(s) nimble did not create (${facts.foreign.slice(0, 3).join(', ')}${facts.foreign.length > 3 ? ', …' : ''})`] : []),
  ];
  const why = !opts.removeNamespace ? 'kept on request' : holds.length ? `it holds ${holds.join(' and ')}` : null;
  if (why) kept.push({ kind: 'namespace', name: ns, namespace: ns, detail: `created by nimble; ${why}`, hourlyUsd: 0 });
  return { deleteSecrets, deleteNamespace: why === null, kept };
}

/** Pure: the objects of a namespace's listing that nimble did not create (and Kubernetes did not add). */
export function foreignObjects(items: (KubeObject & Pick<Secret, 'type'>)[]): string[] {
  return items
    .filter((o) => o.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY)
    .filter((o) => !o.metadata?.ownerReferences?.length) // goes with its owner, which is listed itself
    .filter((o) => !(o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt'))
    .filter((o) => !(o.kind === 'Secret' && (o.type === 'kubernetes.io/service-account-token' || o.type === 'helm.sh/release.v1')))
    .map((o) => `${String(o.kind).toLowerCase()}/${o.metadata.name}`);
}

/** nimble-labelled secrets and namespaces: no running cost, but a credential or a place left behind. */
export async function findKept(exec: KubeExec, q: LeftoverQuery = {}): Promise<Leftover[]> {
  const sel = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const scope = q.namespace ? ['-n', q.namespace] : ['-A'];
  const out: Leftover[] = [];
  const sec = await exec.kubectl(['get', 'secrets', ...scope, '-l', sel, '-o', 'json'], { allowFail: true, quiet: true });
  if (sec.exitCode === 0) {
    const list: KubeList<Secret> = JSON.parse(sec.stdout);
    for (const o of list.items ?? []) out.push({ kind: 'secret', name: o.metadata.name, namespace: o.metadata.namespace ?? '', detail: 'NGC credential (remove: nimble cleanup --remove-secrets)', hourlyUsd: 0 });
  }
  const nss = await exec.kubectl(['get', 'namespaces', '-l', sel, '-o', 'json'], { allowFail: true, quiet: true });
  if (nss.exitCode === 0) {
    const list: KubeList<KubeObject> = JSON.parse(nss.stdout);
    for (const o of list.items ?? []) {
      if (q.namespace && o.metadata.name !== q.namespace) continue;
      out.push({ kind: 'namespace', name: o.metadata.name, namespace: o.metadata.name, detail: 'created by nimble (remove: nimble cleanup --remove-namespace)', hourlyUsd: 0 });
    }
  }
  return out;
}

async function cacheClaims(exec: KubeExec, ns: string, t: CleanupTarget): Promise<PersistentVolumeClaim[]> {
  if (t.claim) {
    const r = await exec.kubectl(['get', 'pvc', t.claim, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true });
    return r.exitCode === 0 ? [JSON.parse(r.stdout)] : [];
  }
  const r = await exec.kubectl(['get', 'pvc', '-n', ns, '-l', `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_RELEASE}=${labelValue(t.release)}`, '-o', 'json'], { allowFail: true, quiet: true });
  return r.exitCode === 0 ? ((JSON.parse(r.stdout) as KubeList<PersistentVolumeClaim>).items ?? []) : [];
}

/** GiB requested (or provisioned) by a PVC. */
export function gibOf(pvc: PersistentVolumeClaim): number {
  const q = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage ?? '0';
  return quantityGiB(q);
}

export function quantityGiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]i?|)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const f: Record<string, number> = { '': 1 / 2 ** 30, Ki: 1 / 2 ** 20, Mi: 1 / 2 ** 10, Gi: 1, Ti: 2 ** 10, Pi: 2 ** 20, K: 1e3 / 2 ** 30, M: 1e6 / 2 ** 30, G: 1e9 / 2 ** 30, T: 1e12 / 2 ** 30, P: 1e15 / 2 ** 30 };
  return Math.round(n * (f[m[2]] ?? 0) * 100) / 100;
}

/** Block volumes are priced per GB; a GiB is 1.0737 GB. */
export function gbOfGib(gib: number): number {
  return Math.round(gib * 1.073741824);
}

export interface LeftoverQuery {
  /** Limit to one namespace; default all namespaces (falls back to `fallbackNamespace` when forbidden). */
  namespace?: string;
  fallbackNamespace?: string;
  table?: PriceTable;
}

/** Every nimble-labelled helm release, GPU pod, LoadBalancer Service and PVC, with what it costs per hour. */
export async function findLeftovers(exec: KubeExec, q: LeftoverQuery = {}): Promise<Leftover[]> {
  const table = q.table ?? DEFAULT_PRICE_TABLE;
  const sel = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  let scope = q.namespace ? ['-n', q.namespace] : ['-A'];
  let rel = await exec.helm(['list', ...scope, '-l', sel, '-o', 'json'], { allowFail: true, quiet: true });
  if (rel.exitCode !== 0 && !q.namespace && q.fallbackNamespace && /forbidden/i.test(rel.stderr)) {
    scope = ['-n', q.fallbackNamespace];
    rel = await exec.helm(['list', ...scope, '-l', sel, '-o', 'json'], { allowFail: true, quiet: true });
  }
  if (rel.exitCode !== 0) throw new KubeCommandError(diagnoseCliError('helm', rel.stderr, { enoent: rel.enoent }), rel);
  const objs = await exec.kubectlJson<KubeList<LabelledObject>>(['get', 'pods,services,pvc,jobs', ...scope, '-l', sel, '-o', 'json']);
  const nodes = await exec.kubectl(['get', 'nodes', '-o', 'json'], { allowFail: true, quiet: true });
  const shapeOf = new Map<string, string>();
  if (nodes.exitCode === 0) {
    for (const n of (JSON.parse(nodes.stdout) as KubeList<Node>).items ?? []) {
      const s = n.metadata.labels?.['node.kubernetes.io/instance-type'];
      if (s) shapeOf.set(n.metadata.name, s);
    }
  }
  const operator = await findOperatorLeftovers(exec, scope);
  return [...leftoversFrom(JSON.parse(rel.stdout || '[]') as HelmRelease[], objs.items ?? [], shapeOf, table), ...loaderLeftoversFrom(objs.items ?? [], table), ...operator];
}

/** Pure: helm list JSON + labelled objects → leftovers with their running cost. */
export function leftoversFrom(releases: HelmRelease[], items: LabelledObject[], shapeOf: Map<string, string>, table: PriceTable = DEFAULT_PRICE_TABLE): Leftover[] {
  const out: Leftover[] = [];
  for (const r of releases) {
    out.push({ kind: 'release', name: r.name, namespace: r.namespace, detail: `helm release (${r.chart}, ${r.status}, revision ${r.revision})`, hourlyUsd: 0 });
  }
  for (const o of items) {
    const ns = o.metadata.namespace ?? '';
    if (o.kind === 'Pod') {
      if (o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed') continue;
      let gpus = 0;
      for (const c of o.spec?.containers ?? []) gpus += Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0) || 0;
      if (!gpus) continue;
      const shape = o.spec?.nodeName ? shapeOf.get(o.spec.nodeName) : undefined;
      const rate = shape ? hourlyRate(table, shape, gpus) : null;
      const where = o.spec?.nodeName ? `on ${o.spec.nodeName}${shape ? ` (${shape})` : ''}` : 'not scheduled';
      out.push({ kind: 'pod', name: o.metadata.name, namespace: ns, detail: `${gpus} GPU ${where}, ${o.metadata.deletionTimestamp ? 'terminating' : o.status?.phase ?? '?'}${rate === null ? ', GPU price unknown' : ''}`, hourlyUsd: rate ?? 0 });
    } else if (o.kind === 'Service') {
      if (o.spec?.type !== 'LoadBalancer') continue;
      const ing = o.status?.loadBalancer?.ingress?.[0];
      const nlb = o.metadata.annotations?.['oci.oraclecloud.com/load-balancer-type'] === 'nlb';
      const rate = hourlyRate(table, nlb ? 'oci-nlb' : 'oci-flexible-lb', 1) ?? 0;
      out.push({ kind: 'service', name: o.metadata.name, namespace: ns, detail: `LoadBalancer ${ing?.ip ?? ing?.hostname ?? '(no address yet)'}`, hourlyUsd: rate });
    } else if (o.kind === 'PersistentVolumeClaim') {
      const gib = gibOf(o);
      const rate = hourlyRate(table, 'block-volume-gb-month', gbOfGib(gib)) ?? 0;
      out.push({ kind: 'pvc', name: o.metadata.name, namespace: ns, detail: `${gib} GiB ${o.status?.phase ?? ''} model cache, ≈ ${usdText(rate * HOURS_PER_MONTH)}/month`, hourlyUsd: rate });
    }
  }
  return out;
}
