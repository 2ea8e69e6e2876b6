// The NIM Operator's CRDs for the integration test: NVIDIA's own (config/crd/bases of the Go module,
// copied by test/cluster/operator-build.sh) when that build could fetch the module; otherwise a
// subset written here from the operator's v1alpha1 API types (api/apps/v1alpha1: nimcache_types.go,
// nimservice_types.go, common_types.go of v3.x): every field nimble writes, with its type, the
// required fields and closed objects, so the API server rejects an unknown or misplaced field as it
// does with the real schema. Deep core types (tolerations, resources, probes, env) stay open here.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Obj = Record<string, any>;

export const OPERATOR_DIR = process.env.NIMBLE_NIM_OPERATOR_DIR ?? join(process.env.HOME ?? '/root', '.cache/nimble-nim-operator');

const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const strMap = { type: 'object', additionalProperties: str };
const strList = { type: 'array', items: str };
const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const openList = { type: 'array', items: open };
const quantity = { 'x-kubernetes-int-or-string': true, anyOf: [int, str] };
const obj = (properties: Obj, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });

const condition = obj({
  type: str, status: { type: 'string', enum: ['True', 'False', 'Unknown'] }, reason: str, message: str,
  lastTransitionTime: { type: 'string', format: 'date-time' }, observedGeneration: int,
}, ['type', 'status', 'lastTransitionTime', 'reason', 'message']);
const conditions = { type: 'array', items: condition };
const pvc = obj({ create: bool, name: str, storageClass: str, size: str, volumeAccessMode: str, subPath: str, annotations: strMap });

const nimCacheSchema = obj({
  apiVersion: str, kind: str, metadata: { type: 'object' },
  spec: obj({
    source: obj({
      ngc: obj({
        authSecret: str, modelPuller: str, pullSecret: str, modelEndpoint: str,
        model: obj({ profiles: strList, autoDetect: bool, precision: str, engine: str, tensorParallelism: str, qosProfile: str, gpus: { type: 'array', items: obj({ product: str, ids: strList }) }, lora: bool, buildable: bool }),
      }, ['authSecret', 'modelPuller']),
      dataStore: open, hf: open,
    }),
    storage: obj({ pvc, hostPath: str }),
    resources: obj({ gpus: int, cpu: quantity, memory: quantity }),
    tolerations: openList, gpuSelectors: strMap, nodeSelector: strMap, userID: int, groupID: int, runtimeClassName: str,
    env: openList, proxy: open, certConfig: open,
  }, ['source', 'storage']),
  status: obj({ state: str, pvc: str, profiles: openList, conditions }),
});

const probe = obj({ enabled: bool, probe: open });
const nimServiceSchema = obj({
  apiVersion: str, kind: str, metadata: { type: 'object' },
  spec: obj({
    image: obj({ repository: str, tag: str, pullPolicy: str, pullSecrets: strList }, ['repository', 'tag']),
    command: strList, args: strList, env: openList, authSecret: str,
    storage: obj({ nimCache: obj({ name: str, profile: str }), pvc, hostPath: str, readOnly: bool, sharedMemorySizeLimit: quantity }),
    labels: strMap, annotations: strMap, nodeSelector: strMap, tolerations: openList, podAffinity: open, resources: open, draResources: openList,
    expose: obj({
      service: obj({ type: str, name: str, port: { type: 'integer', minimum: 1, maximum: 65535 }, grpcPort: int, metricsPort: int, annotations: strMap }),
      ingress: open, router: open,
    }),
    livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
    scale: open, schedulerName: str, metrics: open,
    replicas: { type: 'integer', minimum: 1 }, userID: int, groupID: int, runtimeClassName: str, proxy: open, multiNode: open, inferencePlatform: str,
  }, ['image', 'authSecret']),
  status: obj({ conditions, availableReplicas: int, state: str, model: obj({ name: str, clusterEndpoint: str, externalEndpoint: str }), draResourceStatuses: openList }),
});

function crd(plural: string, kind: string, schema: Obj): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.apps.nvidia.com`, annotations: { 'nimble.dev/schema': 'subset written from the operator\'s v1alpha1 Go types' } },
    spec: {
      group: 'apps.nvidia.com',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: [{
        name: 'v1alpha1', served: true, storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.state' }],
        schema: { openAPIV3Schema: schema },
      }],
    },
  };
}

/** The real CRDs (YAML text, for `kubectl apply -f -`) when operator-build.sh fetched them, else the subset (JSON). */
export function operatorCrds(): { source: 'nvidia' | 'subset'; manifest: string } {
  const dir = join(OPERATOR_DIR, 'crd');
  if (existsSync(dir)) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    if (files.some((f) => /nimcaches/.test(f)) && files.some((f) => /nimservices/.test(f))) {
      return { source: 'nvidia', manifest: files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n') };
    }
  }
  const list = { apiVersion: 'v1', kind: 'List', items: [crd('nimcaches', 'NIMCache', nimCacheSchema), crd('nimservices', 'NIMService', nimServiceSchema)] };
  return { source: 'subset', manifest: JSON.stringify(list) };
}
