// Preflight: everything checked before anything is created, each failed item with what to do.
// Pure helpers (GPU fit, version parsing) first; the kubectl/helm calls at the end.

import { readFile } from 'node:fs/promises';
import type { DeploySpec, PreflightCheck } from '../core/cluster.ts';
import { DEFAULT_PRICE_TABLE, deploymentResources, formatUsd, projectCycleCost, type PriceTable } from '../core/cost.ts';
import { diagnoseCliError } from './diagnose.ts';
import { KubeCommandError, type KubeExec } from './exec.ts';
import { cacheClaimName } from './names.ts';
import { NIMCACHE_RESOURCE, NIMSERVICE_RESOURCE, OPERATOR_GROUP, operatorCrdCheck } from './operator.ts';
import type { Condition, Kubeconfig, StorageClass, KubeList, Node, PersistentVolumeClaim, Pod, Taint } from './k8s-types.ts';

export interface GpuNode {
  name: string;
  allocatable: number;
  used: number;
  product?: string;
  shape?: string;
  ready: boolean;
  taints: string[];
}

export function gpuNodes(nodes: Node[], pods: Pod[] = []): GpuNode[] {
  const used = new Map<string, number>();
  for (const p of pods) {
    const phase = p.status?.phase;
    if (!p.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') continue;
    let n = 0;
    for (const c of p.spec.containers ?? []) n += Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0) || 0;
    used.set(p.spec.nodeName, (used.get(p.spec.nodeName) ?? 0) + n);
  }
  return nodes
    .map((n) => {
      const l = n.metadata.labels ?? {};
      return {
        name: n.metadata.name,
        allocatable: Number(n.status?.allocatable?.['nvidia.com/gpu'] ?? 0) || 0,
        used: used.get(n.metadata.name) ?? 0,
        product: l['nvidia.com/gpu.product'],
        shape: l['node.kubernetes.io/instance-type'] ?? l['beta.kubernetes.io/instance-type'],
        ready: (n.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True'),
        taints: (n.spec?.taints ?? []).map((t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
      };
    })
    .filter((n) => n.allocatable > 0);
}

/** Does the request fit a Ready GPU node now? */
export function gpuFitCheck(nodes: GpuNode[], spec: Pick<DeploySpec, 'gpuCount' | 'gpuShape'>, autoscaler: boolean): PreflightCheck {
  const list = nodes.map((n) => `${n.name}: ${n.allocatable}× ${n.product ?? 'GPU'}${n.shape ? ` (${n.shape})` : ''}, ${Math.max(0, n.allocatable - n.used)} free${n.ready ? '' : ', NotReady'}`);
  const fits = nodes.filter((n) => n.ready && n.allocatable - n.used >= spec.gpuCount);
  const base = { id: 'gpu-nodes', label: 'GPU nodes' } as const;
  if (!nodes.length) {
    return autoscaler
      ? { ...base, status: 'warn', detail: 'no GPU node now; the cluster autoscaler may add one (GPU Node Ready will take minutes)' }
      : { ...base, status: 'fail', detail: 'no node has allocatable nvidia.com/gpu', fix: 'Add a GPU node pool (e.g. VM.GPU.A10.1) with the NVIDIA device plugin, or scale the existing pool up.' };
  }
  if (!fits.length) {
    return {
      ...base,
      status: autoscaler ? 'warn' : 'fail',
      detail: `${list.join('; ')} — none has ${spec.gpuCount} free GPU(s)`,
      fix: `Free GPUs (another NIM may hold them: nimble status), scale the pool, or lower --gpus.`,
    };
  }
  const shapeOk = fits.some((n) => !n.shape || n.shape === spec.gpuShape);
  return {
    ...base,
    status: shapeOk ? 'pass' : 'warn',
    detail: `${list.join('; ')}${shapeOk ? '' : ` — none is ${spec.gpuShape}; costs will use the shape of the node the pod lands on`}`,
    fix: shapeOk ? undefined : `Pass --gpu-shape ${fits[0].shape} so the estimate matches the node.`,
  };
}

/** "v1.36.3" from `kubectl version --client -o json` or `helm version --short`. */
export function parseVersion(text: string): string | null {
  const m = /v?(\d+\.\d+\.\d+)/.exec(text);
  return m ? `v${m[1]}` : null;
}

export interface KubeTarget {
  context: string;
  cluster: string;
  server: string;
  user: string;
  /** Namespace the kubeconfig context names (the CLI's --namespace wins over it). */
  namespace: string;
}

/** The current context and namespace, shown (and confirmed) before anything is created. */
export async function kubeTarget(exec: KubeExec): Promise<KubeTarget> {
  const cfg = await exec.kubectlJson<Kubeconfig>(['config', 'view', '--minify', '-o', 'json']);
  const ctx = cfg.contexts?.[0];
  const cl = cfg.clusters?.[0];
  if (!ctx) throw new Error('No current kubeconfig context: set one with `kubectl config use-context <name>` or pass --context.');
  return {
    context: ctx.name,
    cluster: ctx.context?.cluster ?? '',
    server: cl?.cluster?.server ?? '',
    user: ctx.context?.user ?? '',
    namespace: ctx.context?.namespace || 'default',
  };
}

export class NgcKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NgcKeyError';
  }
}

/** The NGC API key from a file named by a flag (first) or the environment; never echoed. */
export async function loadNgcApiKey(o: { env?: NodeJS.ProcessEnv; file?: string }): Promise<string> {
  if (o.file) {
    let text: string;
    try {
      text = await readFile(o.file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException; // readFile rejects with a system error
      throw new NgcKeyError(`Cannot read the NGC key file ${o.file} (${err.code ?? err.message}). Check the path given to --ngc-key-file.`);
    }
    const key = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#')) ?? '';
    const v = key.replace(/^(export\s+)?NGC_API_KEY=/, '').replace(/^["']|["']$/g, '');
    if (!v) throw new NgcKeyError(`The NGC key file ${o.file} is empty. Put the key (from ngc.nvidia.com → Setup → API Key) on its first line.`);
    return v;
  }
  const v = (o.env ?? process.env).NGC_API_KEY?.trim();
  if (!v) throw new NgcKeyError('NGC_API_KEY is not set. Export it (export NGC_API_KEY=nvapi-...) or pass --ngc-key-file <file>; get a key at ngc.nvidia.com → Setup → API Key.');
  return v;
}

export interface PreflightInput {
  spec: DeploySpec;
  ngcApiKey?: string;
  /** Why there is no key (from loadNgcApiKey). */
  ngcKeyError?: string;
  priceTable?: PriceTable;
  /** Assumed cycle length for the cost estimate (hours). */
  estimateHours?: number;
  chartPathExists?: boolean;
  /** --via operator: no helm; the NIM Operator's CRDs must be served. */
  via?: 'helm' | 'operator';
}

export async function runPreflight(exec: KubeExec, inp: PreflightInput): Promise<PreflightCheck[]> {
  const { spec } = inp;
  const checks: PreflightCheck[] = [];
  const add = (c: PreflightCheck) => checks.push(c);

  // Tools
  const operator = inp.via === 'operator';
  for (const tool of operator ? (['kubectl'] as const) : (['kubectl', 'helm'] as const)) {
    const r = tool === 'kubectl'
      ? await exec.kubectl(['version', '--client', '-o', 'json'], { allowFail: true, quiet: true })
      : await exec.helm(['version', '--short'], { allowFail: true, quiet: true });
    if (r.exitCode === 0) add({ id: tool, label: tool, status: 'pass', detail: `${tool} ${parseVersion(r.stdout) ?? r.stdout.trim()}` });
    else {
      const dx = diagnoseCliError(tool, r.stderr, { enoent: r.enoent });
      add({ id: tool, label: tool, status: 'fail', detail: dx.evidence, fix: dx.fix });
    }
  }
  if (checks.some((c) => c.id === 'kubectl' && c.status === 'fail')) return finish();

  // Context
  try {
    const t = await kubeTarget(exec);
    add({ id: 'context', label: 'cluster context', status: 'pass', detail: `context ${t.context} (${t.server}), user ${t.user}, namespace ${spec.namespace}` });
  } catch (e) {
    const dx = e instanceof KubeCommandError ? e.diagnosis : null;
    add({ id: 'context', label: 'cluster context', status: 'fail', detail: dx?.evidence ?? (e instanceof Error ? e.message : String(e)), fix: dx?.fix ?? 'Pick a kubeconfig context: kubectl config use-context <name>, or --context.' });
    return finish();
  }

  // Reachable and authorised
  const v = await exec.kubectl(['version', '-o', 'json'], { allowFail: true, quiet: true, timeoutMs: 30_000 });
  let serverVersion: string | null = null;
  try {
    serverVersion = (JSON.parse(v.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion ?? null;
  } catch {
    /* no JSON: handled below */
  }
  if (!serverVersion) {
    const dx = diagnoseCliError('kubectl', v.stderr || 'no server version');
    add({ id: 'cluster', label: 'cluster reachable', status: 'fail', detail: `${dx.title}: ${dx.evidence}`, fix: dx.fix });
    return finish();
  }
  const denied: string[] = [];
  // Through the operator, its service account creates the workload; the user creates the two resources.
  const needed = operator
    ? [['create', 'secrets'], ['create', NIMCACHE_RESOURCE], ['create', NIMSERVICE_RESOURCE], ['watch', 'pods'], ['watch', 'events']]
    : [['create', 'secrets'], ['create', 'services'], ['create', 'persistentvolumeclaims'], ['create', 'deployments.apps'], ['watch', 'pods'], ['watch', 'events']];
  if (operator) {
    const r = await exec.kubectl(['api-resources', `--api-group=${OPERATOR_GROUP}`, '-o', 'name'], { allowFail: true, quiet: true });
    const crd = operatorCrdCheck(r.stdout, r.exitCode ?? 1, r.stderr);
    add(crd);
    if (crd.status === 'fail') return finish();
  }
  for (const [verb, res] of needed) {
    const r = await exec.kubectl(['auth', 'can-i', verb, res, '-n', spec.namespace], { allowFail: true, quiet: true });
    if (r.stdout.trim() !== 'yes') {
      if (r.exitCode !== 0 && r.stdout.trim() !== 'no') {
        const dx = diagnoseCliError('kubectl', r.stderr);
        add({ id: 'cluster', label: 'cluster reachable and authorised', status: 'fail', detail: `${dx.title}: ${dx.evidence}`, fix: dx.fix });
        return finish();
      }
      denied.push(`${verb} ${res}`);
    }
  }
  if (denied.length) {
    add({ id: 'cluster', label: 'cluster reachable and authorised', status: 'fail', detail: `server ${serverVersion}; Forbidden (RBAC) in namespace ${spec.namespace}: cannot ${denied.join(', ')}`, fix: diagnoseCliError('kubectl', 'Forbidden').fix });
  } else {
    add({ id: 'cluster', label: 'cluster reachable and authorised', status: 'pass', detail: `server ${serverVersion}; allowed to deploy in ${spec.namespace}` });
  }

  // GPU nodes
  const autoscaler = await hasAutoscaler(exec);
  const nodes = await exec.kubectl(['get', 'nodes', '-o', 'json'], { allowFail: true, quiet: true });
  if (nodes.exitCode !== 0) {
    add({ id: 'gpu-nodes', label: 'GPU nodes', status: 'warn', detail: 'cannot list nodes (RBAC: nodes are cluster-scoped); GPU capacity not checked', fix: 'Ask for get/list on nodes, or check GPU capacity yourself: kubectl describe nodes' });
  } else {
    const pods = await exec.kubectl(['get', 'pods', '-A', '--field-selector=status.phase!=Succeeded,status.phase!=Failed', '-o', 'json'], { allowFail: true, quiet: true });
    const podItems = pods.exitCode === 0 ? ((JSON.parse(pods.stdout) as KubeList<Pod>).items ?? []) : [];
    add(gpuFitCheck(gpuNodes((JSON.parse(nodes.stdout) as KubeList<Node>).items ?? [], podItems), spec, autoscaler));
  }

  // Storage
  const sc = await exec.kubectl(['get', 'storageclass', spec.cache.storageClass, '-o', 'json'], { allowFail: true, quiet: true });
  const claim = cacheClaimName(spec.model, spec.cache.existingClaim);
  const pvc = await exec.kubectl(['get', 'pvc', claim, '-n', spec.namespace, '-o', 'json'], { allowFail: true, quiet: true });
  const cached: PersistentVolumeClaim | null = pvc.exitCode === 0 ? JSON.parse(pvc.stdout) : null;
  if (sc.exitCode === 0) {
    const s: StorageClass = JSON.parse(sc.stdout);
    const warm = cached ? `; model cache ${claim} found (${cached.status?.phase}): warm start` : '';
    add({ id: 'storage-class', label: 'storage class', status: 'pass', detail: `${spec.cache.storageClass} (${s.provisioner}, ${s.volumeBindingMode ?? 'Immediate'})${warm}` });
  } else if (cached) {
    add({ id: 'storage-class', label: 'storage class', status: 'warn', detail: `storage class ${spec.cache.storageClass} not readable, but the cache claim ${claim} exists` });
  } else {
    const all = await exec.kubectl(['get', 'storageclass', '-o', 'name'], { allowFail: true, quiet: true });
    const names = all.stdout.split('\n').map((l) => l.replace(/^storageclass\.storage\.k8s\.io\//, '')).filter(Boolean);
    add({
      id: 'storage-class',
      label: 'storage class',
      status: 'fail',
      detail: `storage class ${spec.cache.storageClass} not found${names.length ? ` (available: ${names.join(', ')})` : ''}`,
      fix: `Pass --storage-class with one of the available classes (on OKE: oci-bv, at least 50Gi).`,
    });
  }
  return finish();

  function finish(): PreflightCheck[] {
    if (inp.ngcApiKey) add({ id: 'ngc-key', label: 'NGC_API_KEY', status: 'pass', detail: `present (${inp.ngcApiKey.length} characters, never shown)` });
    else add({ id: 'ngc-key', label: 'NGC_API_KEY', status: 'fail', detail: inp.ngcKeyError ?? 'not set', fix: 'export NGC_API_KEY=nvapi-... or pass --ngc-key-file <file>' });
    const table = inp.priceTable ?? DEFAULT_PRICE_TABLE;
    const hours = inp.estimateHours ?? 1;
    const est = projectCycleCost(deploymentResources(spec), hours, table);
    add({
      id: 'cost-estimate',
      label: 'cost estimate',
      status: est.unknown.length ? 'warn' : 'pass',
      detail: `≈ ${formatUsd(est.usd)} for a ${hours} h cycle with everything running (${table.name})${est.unknown.length ? `; no price for ${est.unknown.join(', ')}` : ''}`,
      fix: est.unknown.length ? 'Add the shape to the price table (config) to get a cost.' : undefined,
    });
    return checks;
  }
}

/** A cluster autoscaler publishes its status here; without one, "Insufficient GPU" will not fix itself. */
export async function hasAutoscaler(exec: KubeExec): Promise<boolean> {
  const r = await exec.kubectl(['get', 'configmap', 'cluster-autoscaler-status', '-n', 'kube-system', '-o', 'name'], { allowFail: true, quiet: true });
  return r.exitCode === 0 && r.stdout.trim() !== '';
}
