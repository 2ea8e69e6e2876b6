// `--load-from local|processes|cluster`: where the sweep's requests come from. The sweep itself
// (levels, warm-up, early stops, bisect) stays on this machine either way; only "run a level of C
// users" goes to this process's worker thread, N local loader processes, or N pods next to the NIM.
import type { Cluster, DeploySpec, Emit, PreflightCheck } from '../core/cluster.ts';
import type { LevelEngineFactory } from '../load/level-engine.ts';
import { intFlag, numFlag, UsageError } from '../cli/args.ts';

export const LOAD_FROM_FLAGS = {
  'load-from': { type: 'string' },
  'load-workers': { type: 'string' },
  'loader-cpu': { type: 'string' },
  'loaders-on-gpu-node': { type: 'boolean' },
} as const;

export const LOAD_FROM_USAGE = `Load:
  --load-from <where>        local (default: this process) | processes (N local loader processes)
                             | cluster (N loader pods next to the NIM, on CPU nodes; kubectl port-forward)
  --load-workers <n>         loaders for processes/cluster (default 3)
  --loader-cpu <vCPU>        CPU each loader pod requests (default 1)   --loaders-on-gpu-node  allow the GPU node
`;

export interface LoadFrom {
  kind: 'local' | 'processes' | 'cluster';
  workers: number;
  cpu: number;
  allowGpuNode: boolean;
}

export function parseLoadFrom(f: { 'load-from'?: string; 'load-workers'?: string; 'loader-cpu'?: string; 'loaders-on-gpu-node'?: boolean }, usage: string, where: { cluster: boolean }): LoadFrom {
  const kind = f['load-from'] ?? 'local';
  if (kind !== 'local' && kind !== 'processes' && kind !== 'cluster') throw new UsageError(`--load-from must be local, processes or cluster, got '${kind}'`, usage);
  const workers = intFlag('load-workers', f['load-workers'], usage) ?? 3;
  if (workers < 1 || workers > 64) throw new UsageError('--load-workers must be between 1 and 64', usage);
  const cpu = numFlag('loader-cpu', f['loader-cpu'], usage) ?? 1;
  if (!(cpu > 0 && cpu <= 64)) throw new UsageError('--loader-cpu must be above 0 and at most 64', usage);
  if (kind === 'cluster' && !where.cluster) throw new UsageError('--load-from cluster needs a cluster (--context/--namespace); on the simulator use --load-from processes', usage);
  if (kind === 'local' && (f['load-workers'] || f['loader-cpu'])) throw new UsageError('--load-workers and --loader-cpu go with --load-from processes or cluster', usage);
  return { kind, workers, cpu, allowGpuNode: Boolean(f['loaders-on-gpu-node']) };
}

/** The line sessions and views show. */
export function loadFromLine(l: LoadFrom): string | undefined {
  if (l.kind === 'local') return undefined;
  return l.kind === 'cluster' ? `cluster (${l.workers} pods)` : `local processes (${l.workers})`;
}

/** The NIM's in-cluster address, which loader pods send to. */
export async function inClusterUrl(spec: Pick<DeploySpec, 'release' | 'namespace' | 'servicePort'>): Promise<string> {
  const { serviceName } = await import('../kube/names.ts');
  return `http://${serviceName(spec.release)}.${spec.namespace}.svc.cluster.local:${spec.servicePort ?? 8000}`;
}

export interface ClusterLoadContext {
  cluster: Cluster;
  namespace: string;
  release: string;
  sessionId: string;
  target: string;
  emit: Emit;
  priceTable?: import('../core/cost.ts').PriceTable;
}

/** The Kubernetes driver (it has a kubectl to start loader pods with), not the simulator. */
function isKube(c: Cluster): c is import('../kube/driver.ts').KubeCluster {
  return c.mode === 'cluster' && 'exec' in c;
}

/** The engine factory for the sweep (undefined: the local worker thread). */
export async function engineFor(l: LoadFrom, k?: ClusterLoadContext): Promise<LevelEngineFactory | undefined> {
  if (l.kind === 'local') return undefined;
  if (l.kind === 'processes') return (await import('../load/remote/processes.ts')).processLoaders(l.workers);
  if (!k || !isKube(k.cluster)) throw new Error('--load-from cluster needs the Kubernetes driver');
  const { clusterLoaders } = await import('../kube/loaders-run.ts');
  const { DEFAULT_LOADER } = await import('../kube/loaders.ts');
  const exec = k.cluster.exec;
  return clusterLoaders({ exec, spec: loaderSpecOf(l, k, DEFAULT_LOADER), target: k.target, emit: k.emit });
}

function loaderSpecOf(l: LoadFrom, k: ClusterLoadContext, d: typeof import('../kube/loaders.ts').DEFAULT_LOADER) {
  return { ...d, namespace: k.namespace, release: k.release, session: k.sessionId, count: l.workers, cpu: l.cpu, allowGpuNode: l.allowGpuNode };
}

/** Adds the loaders' checks (may the user create them, can a CPU node take them) to the cluster's preflight. */
export async function withLoaderPreflight(l: LoadFrom, k: ClusterLoadContext): Promise<void> {
  if (l.kind !== 'cluster') return;
  const { loaderPreflight } = await import('../kube/loaders-run.ts');
  const { DEFAULT_LOADER } = await import('../kube/loaders.ts');
  if (!isKube(k.cluster)) throw new Error('--load-from cluster needs the Kubernetes driver');
  const exec = k.cluster.exec;
  const base = k.cluster.preflight.bind(k.cluster);
  k.cluster.preflight = async (spec: DeploySpec): Promise<PreflightCheck[]> => [...(await base(spec)), ...(await loaderPreflight(exec, loaderSpecOf(l, k, DEFAULT_LOADER), k.priceTable))];
}
