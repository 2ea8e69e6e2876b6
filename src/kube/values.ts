// Helm values from the typed DeploySpec. Both charts read the same keys (NVIDIA nim-llm's, see
// ../shared/reference/nim-on-kubernetes.md §1; charts/nimble-nim implements that subset), so this one
// generator serves both. Pure: no I/O. The API key is never a value: the chart references the
// secrets nimble creates (model.ngcAPIKey stays unset so the key never lands in helm's release).

import type { DeploySpec, ProbeProfile } from '../core/cluster.ts';
import {
  API_KEY_SECRET, LABEL_MANAGED_BY, LABEL_RELEASE, LABEL_SESSION, MANAGED_BY, NIM_CONTAINER_PORT, REGISTRY_SECRET,
  cacheClaimName, labelValue, nimbleLabels, serviceName,
} from './names.ts';

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  timeoutSeconds: number;
  successThreshold: number;
}
export interface ProbeSet { startup: ProbeTiming; readiness: ProbeTiming; liveness: ProbeTiming }

/**
 * Probe timings by model size (seed 002 C3: small 8B readiness 15 s/5 s; 13–70B 60/10; 70B+ 120/15).
 * The startup probe holds off liveness until the model is downloaded and loaded: its window
 * (delay + period × threshold) must cover a cold download, or kubelet kills the pod mid-download.
 */
export const PROBE_PROFILES: Record<ProbeProfile, ProbeSet> = {
  small: {
    startup: { initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 180, timeoutSeconds: 1, successThreshold: 1 }, // 30.5 min
    readiness: { initialDelaySeconds: 15, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
    liveness: { initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
  },
  medium: {
    startup: { initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 270, timeoutSeconds: 1, successThreshold: 1 }, // 46 min
    readiness: { initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
    liveness: { initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
  },
  large: {
    startup: { initialDelaySeconds: 120, periodSeconds: 15, failureThreshold: 360, timeoutSeconds: 1, successThreshold: 1 }, // 92 min
    readiness: { initialDelaySeconds: 120, periodSeconds: 15, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
    liveness: { initialDelaySeconds: 120, periodSeconds: 15, failureThreshold: 3, timeoutSeconds: 1, successThreshold: 1 },
  },
};

/** Seconds the startup probe tolerates before the kubelet restarts the container. */
export function startupWindowSeconds(p: ProbeTiming): number {
  return p.initialDelaySeconds + p.periodSeconds * p.failureThreshold;
}

/** Guess the profile from the model id's parameter count (e.g. llama-3.1-70b → medium). */
export function probeProfileForModel(model: string): ProbeProfile {
  const m = /(\d+(?:\.\d+)?)\s*b\b/i.exec(model.replace(/[-_]/g, ' '));
  const billions = m ? Number(m[1]) : 8;
  if (billions > 70) return 'large';
  if (billions >= 13) return 'medium';
  return 'small';
}

/** OCI flexible load balancer at the minimum 10 Mbps shape (what the price table bills). */
export const OCI_LB_ANNOTATIONS: Record<string, string> = {
  'service.beta.kubernetes.io/oci-load-balancer-shape': 'flexible',
  'service.beta.kubernetes.io/oci-load-balancer-shape-flex-min': '10',
  'service.beta.kubernetes.io/oci-load-balancer-shape-flex-max': '10',
};

export type ChartFlavour = 'nimble-nim' | 'nim-llm';

export interface ValuesOptions {
  session: string;
  flavour: ChartFlavour;
  /** Extra Service annotations (merged over the OCI ones). */
  serviceAnnotations?: Record<string, string>;
}

export function servicePortOf(spec: DeploySpec): number {
  return spec.servicePort ?? NIM_CONTAINER_PORT;
}

export function buildValues(spec: DeploySpec, opts: ValuesOptions): Record<string, unknown> {
  const probes = PROBE_PROFILES[spec.probeProfile];
  const probe = (p: ProbeTiming, path: string) => ({ enabled: true, path, ...p });
  const labels = nimbleLabels(opts.session, spec.release);
  const values: Record<string, unknown> = {
    image: { repository: spec.image, tag: spec.imageTag, pullPolicy: 'IfNotPresent' },
    imagePullSecrets: [{ name: REGISTRY_SECRET }],
    model: {
      name: spec.model,
      ngcAPISecret: API_KEY_SECRET,
      nimCache: '/model-store',
      openaiPort: NIM_CONTAINER_PORT,
      jsonLogging: true,
      logLevel: 'INFO', // below INFO the startup lines the timeline needs vanish
      // Pod labels (nim-llm also puts these in the selector, so only values stable across sessions).
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_RELEASE]: labelValue(spec.release) },
    },
    podAnnotations: { [LABEL_SESSION]: labels[LABEL_SESSION] },
    env: Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    persistence: {
      enabled: true,
      // nimble creates (and keeps, with keep-cache) the claim itself; the chart only mounts it.
      existingClaim: cacheClaimName(spec.model, spec.cache.existingClaim),
      storageClass: spec.cache.storageClass,
      accessMode: 'ReadWriteOnce',
      size: `${spec.cache.sizeGi}Gi`,
    },
    statefulSet: { enabled: opts.flavour === 'nim-llm' },
    resources: { limits: { 'nvidia.com/gpu': spec.gpuCount } }, // an integer, as nim-llm's own values.yaml
    nodeSelector: spec.nodeSelector ?? {},
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    podSecurityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }, // fsGroup: cache writable
    service: {
      type: spec.serviceType,
      name: serviceName(spec.release),
      openaiPort: servicePortOf(spec),
      annotations: spec.serviceType === 'LoadBalancer' ? { ...OCI_LB_ANNOTATIONS, ...opts.serviceAnnotations } : { ...opts.serviceAnnotations },
      labels,
    },
    startupProbe: probe(probes.startup, '/v1/health/ready'),
    readinessProbe: probe(probes.readiness, '/v1/health/ready'),
    livenessProbe: probe(probes.liveness, '/v1/health/live'),
  };
  return values;
}

/** Which values layout a chart reference means: the builtin chart, or NVIDIA's nim-llm. */
export function chartFlavour(chart: string): ChartFlavour {
  return chart === 'builtin' || /(^|\/)nimble-nim(\/|-[\d.]+\.tgz|$)/.test(chart) ? 'nimble-nim' : 'nim-llm';
}
