// The NIM Operator path (`nimble run --via operator`): NVIDIA's operator (k8s-nim-operator) runs
// NIM from two custom resources, a NIMCache (a Job downloads the model into a PVC) and a
// NIMService (a Deployment + Service mounting that PVC). This file: names, the two manifests
// generated from the DeploySpec, and the pure checks on what the cluster answers. Field names follow
// the operator's API types (api/apps/v1alpha1, v3.x); the key never appears in either resource:
// both only name the secrets nimble creates (written to kubectl's stdin).

import type { DeploySpec, Leftover, PreflightCheck } from '../core/cluster.ts';
import {
  API_KEY_SECRET, LABEL_CACHE_MODEL, LABEL_MANAGED_BY, LABEL_RELEASE, MANAGED_BY, REGISTRY_SECRET,
  cacheClaimName, labelValue, nimbleLabels, serviceName,
} from './names.ts';
import { OCI_LB_ANNOTATIONS, PROBE_PROFILES, servicePortOf, type ProbeTiming } from './values.ts';
import type { NIMCache, NIMService } from './k8s-types.ts';

export const OPERATOR_GROUP = 'apps.nvidia.com';
export const OPERATOR_API_VERSION = `${OPERATOR_GROUP}/v1alpha1`;
export const NIMCACHE_RESOURCE = `nimcaches.${OPERATOR_GROUP}`;
export const NIMSERVICE_RESOURCE = `nimservices.${OPERATOR_GROUP}`;
export const OPERATOR_CRDS = [NIMSERVICE_RESOURCE, NIMCACHE_RESOURCE] as const;

type Obj = Record<string, unknown>;

/** The NIMCache is named like the cache claim (per model), so any later cycle of the model finds it. */
export function nimCacheName(spec: Pick<DeploySpec, 'model' | 'cache'>): string {
  return cacheClaimName(spec.model, spec.cache.existingClaim);
}

/** The operator's caching Job is `<nimcache>-job`; its pods carry `app.kubernetes.io/name=<nimcache>`. */
export function cacheJobName(cache: string): string {
  return `${cache}-job`;
}

export function cachePodSelector(cache: string): string {
  return `app.kubernetes.io/name=${cache},app.kubernetes.io/managed-by=k8s-nim-operator`;
}

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

function probeOf(p: ProbeTiming, path: string, port: number): Obj {
  return { enabled: true, probe: { httpGet: { path, port }, ...p } };
}

/**
 * NIMCache: the operator creates the PVC (named like nimble's cache claim, so `--keep-cache` and
 * the helm path share one cache per model) and a Job that pulls the model into it with the NIM
 * image itself as the puller. An existing claim is used as is (create: false).
 */
export function nimCacheManifest(spec: DeploySpec, session: string): Obj {
  const name = nimCacheName(spec);
  const pvc: Obj = spec.cache.existingClaim
    ? { create: false, name: spec.cache.existingClaim }
    : { create: true, name, storageClass: spec.cache.storageClass, size: `${spec.cache.sizeGi}Gi`, volumeAccessMode: 'ReadWriteOnce' };
  return {
    apiVersion: OPERATOR_API_VERSION,
    kind: 'NIMCache',
    metadata: { name, namespace: spec.namespace, labels: { ...nimbleLabels(session, spec.release), [LABEL_CACHE_MODEL]: labelValue(spec.model) } },
    spec: {
      source: {
        ngc: {
          modelPuller: `${spec.image}:${spec.imageTag}`,
          pullSecret: REGISTRY_SECRET,
          authSecret: API_KEY_SECRET,
          model: { tensorParallelism: String(spec.gpuCount) },
        },
      },
      storage: { pvc },
      tolerations: [GPU_TOLERATION],
      // On the GPU nodes (as the pre-pull lever does): the image lands where the NIM pod will pull
      // it, and the cache volume is provisioned where the NIM pod can mount it.
      gpuSelectors: spec.nodeSelector ?? { 'node.kubernetes.io/instance-type': spec.gpuShape },
    },
  };
}

/**
 * NIMService named like the release: the operator labels its pods app.kubernetes.io/instance=<name>
 * (the selector the helm path watches too) and we name its Service as the charts do.
 */
export function nimServiceManifest(spec: DeploySpec, session: string): Obj {
  const port = servicePortOf(spec);
  const probes = PROBE_PROFILES[spec.probeProfile];
  const labels = nimbleLabels(session, spec.release);
  return {
    apiVersion: OPERATOR_API_VERSION,
    kind: 'NIMService',
    metadata: { name: spec.release, namespace: spec.namespace, labels },
    spec: {
      image: { repository: spec.image, tag: spec.imageTag, pullPolicy: 'IfNotPresent', pullSecrets: [REGISTRY_SECRET] },
      authSecret: API_KEY_SECRET,
      storage: { nimCache: { name: nimCacheName(spec) } },
      // The operator puts these on the Deployment, its pods and the Service: `nimble status` finds them.
      labels,
      env: Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      resources: { limits: { 'nvidia.com/gpu': spec.gpuCount } },
      tolerations: [GPU_TOLERATION],
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      expose: {
        service: {
          type: spec.serviceType,
          name: serviceName(spec.release),
          port,
          ...(spec.serviceType === 'LoadBalancer' ? { annotations: OCI_LB_ANNOTATIONS } : {}),
        },
      },
      startupProbe: probeOf(probes.startup, '/v1/health/ready', port),
      readinessProbe: probeOf(probes.readiness, '/v1/health/ready', port),
      livenessProbe: probeOf(probes.liveness, '/v1/health/live', port),
      replicas: 1,
    },
  };
}

/**
 * Preflight: are the operator's CRDs served? Input: `kubectl api-resources --api-group=apps.nvidia.com
 * -o name` (discovery: readable by any authenticated user, unlike the CRD objects themselves).
 */
export function operatorCrdCheck(apiResourcesOut: string, exitCode: number, stderr = ''): PreflightCheck {
  const base = { id: 'nim-operator', label: 'NIM Operator CRDs' } as const;
  const fix = 'Install NVIDIA\'s NIM Operator (helm install nim-operator nvidia/k8s-nim-operator -n nim-operator --create-namespace), or deploy with --via helm.';
  if (exitCode !== 0) return { ...base, status: 'fail', detail: `cannot list the ${OPERATOR_GROUP} API group: ${stderr.trim().split('\n').pop() ?? ''}`, fix };
  const served = new Set(apiResourcesOut.split('\n').map((l) => l.trim()).filter(Boolean));
  const missing = OPERATOR_CRDS.filter((c) => !served.has(c));
  if (missing.length) {
    return { ...base, status: 'fail', detail: `missing: ${missing.join(', ')}${served.size ? ` (the cluster serves ${[...served].join(', ')})` : ` (the cluster serves nothing in ${OPERATOR_GROUP})`}`, fix };
  }
  return { ...base, status: 'pass', detail: `${OPERATOR_CRDS.join(', ')} served` };
}

/** nimble-labelled NIMServices and NIMCaches as leftovers (their pods, Service and PVC are priced on their own). */
export function operatorLeftoversFrom(items: (NIMCache | NIMService)[]): Leftover[] {
  const out: Leftover[] = [];
  for (const o of items) {
    if (o.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY) continue;
    const ns = o.metadata.namespace ?? '';
    const state = o.status?.state ?? 'no status yet';
    if (o.kind === 'NIMService') out.push({ kind: 'nimservice', name: o.metadata.name, namespace: ns, detail: `NIMService (${state})`, hourlyUsd: 0 });
    else if (o.kind === 'NIMCache') {
      const pvc = o.status?.pvc ?? o.spec?.storage?.pvc?.name ?? '';
      out.push({ kind: 'nimcache', name: o.metadata.name, namespace: ns, detail: `NIMCache (${state}${pvc ? `, PVC ${pvc}` : ''}, release ${o.metadata.labels?.[LABEL_RELEASE] ?? '?'})`, hourlyUsd: 0 });
    }
  }
  return out;
}
