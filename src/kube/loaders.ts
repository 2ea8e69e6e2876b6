// Loader pods (`--load-from cluster`): plain data only — the ConfigMap + indexed Job that run
// nimble's bundled loader on a public node image next to the NIM, what they cost, whether a CPU
// node can take them, and how `nimble status` shows them. Starting and stopping: loaders-run.ts.
import type { Leftover, PaidResource, PreflightCheck } from '../core/cluster.ts';
import { DEFAULT_PRICE_TABLE, hourlyRate, type PriceTable } from '../core/cost.ts';
import { dnsName, LABEL_MANAGED_BY, LABEL_RELEASE, MANAGED_BY, labelValue, nimbleLabels } from './names.ts';
import type { Condition, LabelledObject, Manifest, Node, Pod, Quantity, Taint } from './k8s-types.ts';

export const LABEL_ROLE = 'nimble.dev/role';
export const ROLE_LOADER = 'loader';
/** A public image: nothing of nimble's to build or publish; the loader comes in the ConfigMap. */
export const LOADER_IMAGE = 'node:20-slim';
export const LOADER_MOUNT = '/opt/nimble';
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';
/** OCI prices the CPU pool per OCPU (= 2 vCPUs on x86) and per GB of memory. */
export const CPU_PRICE_ITEM = 'VM.Standard.E4.Flex.ocpu';
export const MEMORY_PRICE_ITEM = 'VM.Standard.E4.Flex.memory-gb';

export interface LoaderSpec {
  namespace: string;
  /** The release the loaders measure (names and labels; cleanup of the release removes them). */
  release: string;
  session: string;
  count: number;
  /** Per loader: vCPUs requested (no CPU limit: throttling would show as event-loop lag). */
  cpu: number;
  /** Per loader: memory request and limit, MiB. */
  memoryMiB: number;
  image: string;
  port: number;
  /** Allow the GPU node (default false: loaders must not take the NIM's CPU). */
  allowGpuNode: boolean;
  /** The Job ends by itself after this long, even if nimble vanished. */
  deadlineS: number;
}

export const DEFAULT_LOADER: Pick<LoaderSpec, 'cpu' | 'memoryMiB' | 'image' | 'port' | 'allowGpuNode' | 'deadlineS'> = {
  cpu: 1,
  memoryMiB: 1024,
  image: LOADER_IMAGE,
  port: 9400,
  allowGpuNode: false,
  deadlineS: 6 * 3600,
};

export function loaderName(release: string): string {
  return dnsName(`${release}-loader`);
}

export function loaderLabels(s: Pick<LoaderSpec, 'session' | 'release'>): Record<string, string> {
  return { ...nimbleLabels(s.session, s.release), [LABEL_ROLE]: ROLE_LOADER };
}

export function loaderSelector(release: string): string {
  return `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_ROLE}=${ROLE_LOADER},${LABEL_RELEASE}=${labelValue(release)}`;
}

/** The container command: the same the local loader processes run (src/load/remote/processes.ts). */
export function loaderCommand(s: Pick<LoaderSpec, 'port'>): string[] {
  // Loopback only: the one way in is `kubectl port-forward`, authorised by the API server.
  return ['node', `${LOADER_MOUNT}/loader.mjs`, '--listen', String(s.port), '--host', '127.0.0.1', '--idle-exit', '600'];
}

/** ConfigMap with the bundle + indexed Job of `count` loader pods. */
// The return type is inferred (the manifests as written), so readers (tests) see every field.
export function loaderManifests(s: LoaderSpec, files: Record<string, string>) {
  const name = loaderName(s.release);
  const labels = loaderLabels(s);
  const affinity = {
    // Spread the loaders over CPU nodes where there are several.
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LABEL_ROLE]: ROLE_LOADER, [LABEL_RELEASE]: labels[LABEL_RELEASE] } } } }] },
    // GPU nodes carry the nvidia.com/gpu NoSchedule taint (not tolerated here) and the GPU
    // operator's label; requiring the label's absence keeps loaders off untainted GPU nodes too.
    ...(s.allowGpuNode ? {} : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_PRESENT_LABEL, operator: 'DoesNotExist' }] }] } } }),
  };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: s.namespace, labels }, data: files } satisfies Manifest;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: s.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: s.count,
      parallelism: s.count,
      // A loader that dies is not replaced: the coordinator marks the level and stops cleanly.
      backoffLimit: 0,
      activeDeadlineSeconds: s.deadlineS,
      ttlSecondsAfterFinished: 300,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          affinity,
          ...(s.allowGpuNode ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'loader',
              image: s.image,
              command: loaderCommand(s),
              ports: [{ name: 'loader', containerPort: s.port }],
              resources: { requests: { cpu: String(s.cpu), memory: `${s.memoryMiB}Mi` }, limits: { memory: `${s.memoryMiB}Mi` } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'loader', mountPath: LOADER_MOUNT, readOnly: true }],
            },
          ],
          volumes: [{ name: 'loader', configMap: { name } }],
        },
      },
    },
  } satisfies Manifest;
  const manifests: [typeof configMap, typeof job] = [configMap, job];
  return manifests;
}

/** What the loaders occupy on the CPU pool, priced per OCPU and GB like an E4.Flex node. */
export function loaderResources(s: Pick<LoaderSpec, 'count' | 'cpu' | 'memoryMiB'>): PaidResource[] {
  const vcpu = s.count * s.cpu;
  const gb = Math.round(((s.count * s.memoryMiB) / 1024) * 1.073741824 * 100) / 100;
  return [
    { id: 'loaders-cpu', priceItem: CPU_PRICE_ITEM, quantity: vcpu / 2, label: `${s.count} loader pods: ${vcpu} vCPU (${vcpu / 2} OCPU) on the CPU pool` },
    { id: 'loaders-memory', priceItem: MEMORY_PRICE_ITEM, quantity: gb, label: `${s.count} loader pods: ${gb} GB memory on the CPU pool` },
  ];
}

/** Hourly cost of one loader pod from its requests. */
export function loaderPodHourly(pod: Pod, table: PriceTable = DEFAULT_PRICE_TABLE): number {
  let cpu = 0;
  let mib = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += cpuQuantity(c.resources?.requests?.cpu ?? '0');
    mib += memMiB(c.resources?.requests?.memory ?? '0');
  }
  return (hourlyRate(table, CPU_PRICE_ITEM, cpu / 2) ?? 0) + (hourlyRate(table, MEMORY_PRICE_ITEM, (mib / 1024) * 1.073741824) ?? 0);
}

export function cpuQuantity(q: Quantity): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q).trim());
  return m ? Number(m[1]) / (m[2] ? 1000 : 1) : 0;
}

export function memMiB(q: Quantity): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?|)$/.exec(String(q).trim());
  if (!m) return 0;
  const f: Record<string, number> = { '': 1 / 2 ** 20, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 2 ** 20, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20, T: 1e12 / 2 ** 20 };
  return Number(m[1]) * (f[m[2]] ?? 0);
}

/** Loader Jobs and running loader pods among nimble-labelled objects (for status and cleanup). */
export function loaderLeftoversFrom(items: LabelledObject[], table: PriceTable = DEFAULT_PRICE_TABLE): Leftover[] {
  const out: Leftover[] = [];
  for (const o of items) {
    if (o.metadata?.labels?.[LABEL_ROLE] !== ROLE_LOADER) continue;
    const ns = o.metadata.namespace ?? '';
    if (o.kind === 'Job') {
      const active = Number(o.status?.active ?? 0);
      out.push({ kind: 'job', name: o.metadata.name, namespace: ns, detail: `loader Job, ${active} pod(s) active`, hourlyUsd: 0 });
    } else if (o.kind === 'Pod') {
      if (o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed') continue;
      const where = o.spec?.nodeName ? `on ${o.spec.nodeName}` : 'not scheduled';
      out.push({ kind: 'pod', name: o.metadata.name, namespace: ns, detail: `loader pod ${where}, ${o.metadata.deletionTimestamp ? 'terminating' : o.status?.phase ?? '?'}`, hourlyUsd: loaderPodHourly(o, table) });
    }
  }
  return out;
}

export interface CpuNode {
  name: string;
  cpu: number;
  memoryMiB: number;
}

/** Ready, schedulable nodes a loader may land on (no GPU unless allowed, no untolerated taint). */
export function cpuNodes(nodes: Node[], allowGpuNode = false): CpuNode[] {
  return nodes
    .filter((n) => !n.spec?.unschedulable)
    .filter((n) => (n.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True'))
    .filter((n) => allowGpuNode || (n.metadata.labels?.[GPU_PRESENT_LABEL] === undefined && !(Number(n.status?.allocatable?.['nvidia.com/gpu'] ?? 0) > 0)))
    .filter((n) => !(n.spec?.taints ?? []).some((t: Taint) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !(allowGpuNode && t.key === 'nvidia.com/gpu')))
    .map((n) => ({ name: n.metadata.name, cpu: cpuQuantity(n.status?.allocatable?.cpu ?? '0'), memoryMiB: memMiB(n.status?.allocatable?.memory ?? '0') }));
}

/**
 * Can the CPU nodes take the loaders? Judged on allocatable capacity (not what other pods already
 * request, which the scheduler knows better): each loader must fit one node, and all of them the pool.
 */
export function loaderFitCheck(nodes: CpuNode[], s: Pick<LoaderSpec, 'count' | 'cpu' | 'memoryMiB' | 'allowGpuNode'>): PreflightCheck {
  const base = { id: 'loader-nodes', label: 'CPU nodes for the loaders' } as const;
  const need = `${s.count} × (${s.cpu} vCPU, ${s.memoryMiB} MiB)`;
  if (!nodes.length) {
    return { ...base, status: 'fail', detail: `no Ready, untainted ${s.allowGpuNode ? '' : 'non-GPU '}node for ${need}`, fix: 'Add a CPU node pool (e.g. VM.Standard.E4.Flex, 2 OCPU), or load from this machine (--load-from local).' };
  }
  const fitsOne = nodes.filter((n) => n.cpu >= s.cpu && n.memoryMiB >= s.memoryMiB);
  const slots = fitsOne.reduce((a, n) => a + Math.min(Math.floor(n.cpu / s.cpu), Math.floor(n.memoryMiB / s.memoryMiB)), 0);
  const list = nodes.map((n) => `${n.name} ${n.cpu} vCPU/${Math.round(n.memoryMiB / 1024)} GiB`).join(', ');
  if (!fitsOne.length) return { ...base, status: 'fail', detail: `no CPU node has ${s.cpu} vCPU and ${s.memoryMiB} MiB allocatable (${list})`, fix: 'Use --loader-cpu with a smaller value, or a larger CPU shape.' };
  if (slots < s.count) return { ...base, status: 'warn', detail: `CPU nodes hold at most ${slots} of ${need} by allocatable capacity (${list}): some loaders may stay Pending`, fix: 'Fewer --load-workers, a smaller --loader-cpu, or scale the CPU pool.' };
  return { ...base, status: 'pass', detail: `${need} fit on ${fitsOne.length} CPU node(s) (${list})` };
}
