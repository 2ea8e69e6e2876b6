import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploySpec } from '../core/cluster.ts';
import { testDeploySpec } from '../core/testing.ts';
import { apiKeySecret, cachePvc, prePullDaemonSet, registrySecret, secretsList } from './manifests.ts';
import { OCI_LB_ANNOTATIONS, PROBE_PROFILES, buildValues, chartFlavour, probeProfileForModel, startupWindowSeconds } from './values.ts';

const baseSpec = (over: Partial<DeploySpec> = {}): DeploySpec =>
  testDeploySpec({
    namespace: 'nim',
    cache: { keep: true, sizeGi: 100, storageClass: 'oci-bv' },
    levers: { cachedModel: true, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
    ...over,
  });

const KEY = ['nvapi', 'TEST-KEY-should-never-leak-0123456789'].join('-'); // built at run time: no key-shaped literal in the repo for secret scanners

test('probe profiles follow seed 002 and give the download a generous startup window', () => {
  assert.deepEqual([PROBE_PROFILES.small.readiness.initialDelaySeconds, PROBE_PROFILES.small.readiness.periodSeconds], [15, 5]);
  assert.deepEqual([PROBE_PROFILES.medium.readiness.initialDelaySeconds, PROBE_PROFILES.medium.readiness.periodSeconds], [60, 10]);
  assert.deepEqual([PROBE_PROFILES.large.readiness.initialDelaySeconds, PROBE_PROFILES.large.readiness.periodSeconds], [120, 15]);
  for (const p of Object.values(PROBE_PROFILES)) assert.ok(startupWindowSeconds(p.startup) >= 30 * 60, 'covers a 20-min cold download');
  assert.ok(startupWindowSeconds(PROBE_PROFILES.large.startup) > startupWindowSeconds(PROBE_PROFILES.small.startup));
});

test('probe profile from the model size', () => {
  assert.equal(probeProfileForModel('meta/llama-3.1-8b-instruct'), 'small');
  assert.equal(probeProfileForModel('meta/llama-3.1-70b-instruct'), 'medium');
  assert.equal(probeProfileForModel('mistralai/mixtral-8x7b-instruct-v0.1'), 'small');
  assert.equal(probeProfileForModel('meta/llama-3.1-405b-instruct'), 'large');
  assert.equal(probeProfileForModel('nvidia/llama-3.1-nemotron-70b-instruct'), 'medium');
});

// Key → type as in NVIDIA nim-llm 1.x values.yaml / values.schema.json (reference §1).
const NIM_LLM_KEYS: Array<[string, string]> = [
  ['image.repository', 'string'], ['image.tag', 'string'], ['image.pullPolicy', 'string'],
  ['imagePullSecrets', 'array'], ['model.name', 'string'], ['model.ngcAPISecret', 'string'], ['model.nimCache', 'string'],
  ['model.openaiPort', 'number'], ['model.jsonLogging', 'boolean'], ['model.logLevel', 'string'], ['model.labels', 'object'],
  ['env', 'array'], ['persistence.enabled', 'boolean'], ['persistence.existingClaim', 'string'], ['persistence.storageClass', 'string'],
  ['persistence.accessMode', 'string'], ['persistence.size', 'string'], ['statefulSet.enabled', 'boolean'], ['resources.limits', 'object'],
  ['nodeSelector', 'object'], ['tolerations', 'array'], ['podSecurityContext.fsGroup', 'number'], ['podAnnotations', 'object'],
  ['service.type', 'string'], ['service.name', 'string'], ['service.openaiPort', 'number'], ['service.annotations', 'object'], ['service.labels', 'object'],
  ['startupProbe.enabled', 'boolean'], ['startupProbe.path', 'string'], ['startupProbe.initialDelaySeconds', 'number'], ['startupProbe.periodSeconds', 'number'],
  ['startupProbe.failureThreshold', 'number'], ['readinessProbe.initialDelaySeconds', 'number'], ['readinessProbe.periodSeconds', 'number'], ['livenessProbe.path', 'string'],
];
const get = (o: any, path: string) => path.split('.').reduce((a, k) => a?.[k], o);
const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

test('values use nim-llm keys with the types its schema declares', () => {
  const v = buildValues(baseSpec({ chart: '/charts/nim-llm-1.3.0.tgz', env: { NIM_MAX_MODEL_LEN: '8192' } }), { session: 's1', flavour: 'nim-llm' });
  for (const [k, t] of NIM_LLM_KEYS) assert.equal(typeOf(get(v, k)), t, k);
  assert.equal(get(v, 'model.ngcAPIKey'), undefined, 'the key never goes into helm values');
  assert.equal(get(v, 'statefulSet.enabled'), true);
  assert.deepEqual(get(v, 'env'), [{ name: 'NIM_MAX_MODEL_LEN', value: '8192' }]);
  assert.equal(get(v, 'persistence.size'), '100Gi');
  assert.equal(get(v, 'persistence.existingClaim'), 'nimble-cache-meta-llama-3-1-8b-instruct');
  // keys third-party guides use that the chart silently ignores
  assert.equal(get(v, 'probes'), undefined);
  assert.equal(get(v, 'service.port'), undefined);
});

test('GPU quantity is quoted, the GPU taint tolerated, OCI LB annotations set, probes sized', () => {
  const v: any = buildValues(baseSpec({ gpuCount: 2, probeProfile: 'medium', nodeSelector: { 'nvidia.com/gpu.present': 'true' } }), { session: 's1', flavour: 'nimble-nim' });
  assert.equal(v.resources.limits['nvidia.com/gpu'], 2);
  assert.deepEqual(v.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.deepEqual(v.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
  for (const [k, val] of Object.entries(OCI_LB_ANNOTATIONS)) assert.equal(v.service.annotations[k], val);
  assert.equal(v.readinessProbe.initialDelaySeconds, 60);
  assert.equal(v.service.labels['nimble.dev/session'], 's1');
  assert.equal(v.model.labels['nimble.dev/managed-by'], 'nimble');
  const c: any = buildValues(baseSpec({ serviceType: 'ClusterIP', servicePort: 18000 }), { session: 's1', flavour: 'nimble-nim' });
  assert.deepEqual(c.service.annotations, {});
  assert.equal(c.service.openaiPort, 18000);
  assert.equal(c.model.openaiPort, 8000);
});

test('chart flavour', () => {
  assert.equal(chartFlavour('builtin'), 'nimble-nim');
  assert.equal(chartFlavour('./charts/nimble-nim'), 'nimble-nim');
  assert.equal(chartFlavour('https://helm.ngc.nvidia.com/nim/charts/nim-llm-1.3.0.tgz'), 'nim-llm');
  assert.equal(chartFlavour('/tmp/nim-llm'), 'nim-llm');
});

test('secrets: nvcr.io docker-registry with $oauthtoken, Opaque with data key NGC_API_KEY', () => {
  const labels = { 'nimble.dev/managed-by': 'nimble' };
  const reg: any = registrySecret('nim', KEY, labels);
  assert.equal(reg.type, 'kubernetes.io/dockerconfigjson');
  const cfg = JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString());
  assert.equal(cfg.auths['nvcr.io'].username, '$oauthtoken');
  assert.equal(cfg.auths['nvcr.io'].password, KEY);
  assert.equal(Buffer.from(cfg.auths['nvcr.io'].auth, 'base64').toString(), `$oauthtoken:${KEY}`);
  const api: any = apiKeySecret('nim', KEY, labels);
  assert.equal(api.type, 'Opaque');
  assert.deepEqual(Object.keys(api.data), ['NGC_API_KEY']);
  assert.equal(Buffer.from(api.data.NGC_API_KEY, 'base64').toString(), KEY);
  assert.equal(api.metadata.name, 'ngc-api');
  assert.equal(reg.metadata.name, 'ngc-secret');
  assert.equal((secretsList('nim', KEY, labels) as any).items.length, 2);
});

test('cache PVC and pre-pull DaemonSet carry the nimble labels', () => {
  const pvc: any = cachePvc(baseSpec(), 's1');
  assert.equal(pvc.spec.storageClassName, 'oci-bv');
  assert.equal(pvc.spec.resources.requests.storage, '100Gi');
  assert.equal(pvc.metadata.labels['nimble.dev/managed-by'], 'nimble');
  assert.equal(pvc.metadata.labels['nimble.dev/release'], 'llama');
  const existing: any = cachePvc(baseSpec({ cache: { keep: true, sizeGi: 50, storageClass: 'oci-bv', existingClaim: 'my-cache' } }), 's1');
  assert.equal(existing.metadata.name, 'my-cache');
  const ds: any = prePullDaemonSet(baseSpec(), 's1');
  assert.equal(ds.spec.template.spec.initContainers[0].image, 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3');
  assert.equal(ds.spec.template.spec.nodeSelector['node.kubernetes.io/instance-type'], 'VM.GPU.A10.1');
  assert.equal(ds.metadata.labels['nimble.dev/session'], 's1');
});

test('nim-llm names NVIDIA\'s chart on NGC (the cluster default), at the version the mapping is checked against', async () => {
  const { parseChartRef, ngcNimLlmUrl, NIM_LLM_VERSION } = await import('./chart.ts');
  assert.deepEqual(parseChartRef('nim-llm'), { kind: 'url-tgz', url: `https://helm.ngc.nvidia.com/nim/charts/nim-llm-${NIM_LLM_VERSION}.tgz` });
  assert.deepEqual(parseChartRef('nim-llm@1.3.0'), { kind: 'url-tgz', url: ngcNimLlmUrl('1.3.0') });
  assert.equal(parseChartRef('nim-llm-local').kind, 'local');
  assert.equal(chartFlavour('nim-llm'), 'nim-llm');
});
