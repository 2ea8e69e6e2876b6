// Manifests nimble applies itself (not through the chart): the two NGC secrets, the model-cache
// PVC and the optional image pre-pull DaemonSet. Pure: JSON objects, applied by writing them to
// `kubectl apply -f -` on stdin, so the API key never appears on a command line.

import type { DeploySpec } from '../core/cluster.ts';
import { API_KEY_DATA_KEY, API_KEY_SECRET, LABEL_CACHE_MODEL, REGISTRY_SECRET, cacheClaimName, labelValue, nimbleLabels, prePullName } from './names.ts';

type Obj = Record<string, unknown>;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** docker-registry secret for nvcr.io: username is literally `$oauthtoken`, password the key. */
export function registrySecret(namespace: string, apiKey: string, labels: Record<string, string>): Obj {
  const auth = { auths: { 'nvcr.io': { username: '$oauthtoken', password: apiKey, auth: b64(`$oauthtoken:${apiKey}`) } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: REGISTRY_SECRET, namespace, labels },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify(auth)) },
  };
}

/** Opaque secret the NIM reads its key from (env NGC_API_KEY via secretKeyRef). */
export function apiKeySecret(namespace: string, apiKey: string, labels: Record<string, string>): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: API_KEY_SECRET, namespace, labels },
    type: 'Opaque',
    data: { [API_KEY_DATA_KEY]: b64(apiKey) },
  };
}

export function secretsList(namespace: string, apiKey: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'List', items: [registrySecret(namespace, apiKey, labels), apiKeySecret(namespace, apiKey, labels)] };
}

export function cachePvc(spec: DeploySpec, session: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: cacheClaimName(spec.model, spec.cache.existingClaim),
      namespace: spec.namespace,
      labels: { ...nimbleLabels(session, spec.release), [LABEL_CACHE_MODEL]: labelValue(spec.model) },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: spec.cache.storageClass,
      resources: { requests: { storage: `${spec.cache.sizeGi}Gi` } },
    },
  };
}

/**
 * Pre-pull lever: a DaemonSet on the GPU nodes whose init container only pulls the NIM image, so
 * the NIM pod later finds it "already present on machine". Its main container is a tiny pause.
 */
export function prePullDaemonSet(spec: DeploySpec, session: string, pauseImage = 'registry.k8s.io/pause:3.9'): Obj {
  const name = prePullName(spec.release);
  const labels = { ...nimbleLabels(session, spec.release), 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: spec.namespace, labels },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels },
        spec: {
          imagePullSecrets: [{ name: REGISTRY_SECRET }],
          nodeSelector: spec.nodeSelector ?? { 'node.kubernetes.io/instance-type': spec.gpuShape },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          initContainers: [{ name: 'pull', image: `${spec.image}:${spec.imageTag}`, command: ['sh', '-c', 'true'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          containers: [{ name: 'pause', image: pauseImage, resources: { requests: { cpu: '1m', memory: '8Mi' } } }],
        },
      },
    },
  };
}
