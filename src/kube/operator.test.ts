import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testDeploySpec } from '../core/testing.ts';
import { podSelector, serviceName } from './names.ts';
import { cachePodSelector, nimCacheManifest, nimCacheName, nimServiceManifest, operatorCrdCheck, operatorLeftoversFrom } from './operator.ts';
import { operatorApplyDiagnosis } from './operator-deploy.ts';

const KEY = ['nvapi', 'OPERATORTEST-1a2b3c4d5e6f'].join('-');

test('NIMCache: the operator creates the cache PVC under nimble\'s claim name, pulled by the NIM image, key only by secret name', () => {
  const spec = testDeploySpec({ namespace: 'nim', cache: { keep: true, sizeGi: 80, storageClass: 'oci-bv' }, gpuCount: 2 });
  const m = nimCacheManifest(spec, 'sess-1') as any;
  assert.equal(m.apiVersion, 'apps.nvidia.com/v1alpha1');
  assert.equal(m.kind, 'NIMCache');
  assert.equal(m.metadata.name, 'nimble-cache-meta-llama-3-1-8b-instruct');
  assert.equal(m.metadata.name, nimCacheName(spec));
  assert.equal(m.metadata.labels['nimble.dev/managed-by'], 'nimble');
  assert.deepEqual(m.spec.storage.pvc, { create: true, name: m.metadata.name, storageClass: 'oci-bv', size: '80Gi', volumeAccessMode: 'ReadWriteOnce' });
  assert.equal(m.spec.source.ngc.modelPuller, 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3');
  assert.equal(m.spec.source.ngc.authSecret, 'ngc-api');
  assert.equal(m.spec.source.ngc.pullSecret, 'ngc-secret');
  assert.equal(m.spec.source.ngc.model.tensorParallelism, '2');
  assert.ok(!JSON.stringify(m).includes('nvapi'), 'no key material');
});

test('NIMCache over an existing claim does not ask the operator to create one', () => {
  const spec = testDeploySpec({ cache: { keep: false, sizeGi: 50, storageClass: 'oci-bv', existingClaim: 'my-models' } });
  const m = nimCacheManifest(spec, 's') as any;
  assert.equal(m.metadata.name, 'my-models');
  assert.deepEqual(m.spec.storage.pvc, { create: false, name: 'my-models' });
});

test('NIMService: named like the release so its pods match the helm path\'s selector; Service named as the charts name it', () => {
  const spec = testDeploySpec({ namespace: 'nim', release: 'llama', servicePort: 18000, serviceType: 'ClusterIP', env: { NIM_MAX_MODEL_LEN: '4096' }, nodeSelector: { pool: 'gpu' } });
  const m = nimServiceManifest(spec, 'sess-1') as any;
  assert.equal(m.kind, 'NIMService');
  assert.equal(m.metadata.name, 'llama');
  // The operator labels pods app.kubernetes.io/instance=<NIMService name>: the selector we watch.
  assert.equal(podSelector('llama'), `app.kubernetes.io/instance=${m.metadata.name}`);
  assert.deepEqual(m.spec.expose.service, { type: 'ClusterIP', name: serviceName('llama'), port: 18000 });
  assert.equal(m.spec.storage.nimCache.name, nimCacheName(spec));
  assert.equal(m.spec.authSecret, 'ngc-api');
  assert.deepEqual(m.spec.image.pullSecrets, ['ngc-secret']);
  assert.equal(m.spec.resources.limits['nvidia.com/gpu'], 1);
  assert.deepEqual(m.spec.env, [{ name: 'NIM_MAX_MODEL_LEN', value: '4096' }]);
  assert.deepEqual(m.spec.nodeSelector, { pool: 'gpu' });
  assert.equal(m.spec.labels['nimble.dev/release'], 'llama');
  // Probes sized like the helm path's, on the NIM's own port.
  assert.deepEqual(m.spec.startupProbe.probe.httpGet, { path: '/v1/health/ready', port: 18000 });
  assert.equal(m.spec.startupProbe.probe.failureThreshold, 180);
  const lb = nimServiceManifest(testDeploySpec({ serviceType: 'LoadBalancer' }), 's') as any;
  assert.equal(lb.spec.expose.service.annotations['service.beta.kubernetes.io/oci-load-balancer-shape'], 'flexible');
});

test('the caching Job\'s pods are selected by the labels the operator gives them', () => {
  assert.equal(cachePodSelector('c1'), 'app.kubernetes.io/name=c1,app.kubernetes.io/managed-by=k8s-nim-operator');
});

test('preflight says which operator CRD is missing, and passes when both are served', () => {
  const both = operatorCrdCheck('nimcaches.apps.nvidia.com\nnimpipelines.apps.nvidia.com\nnimservices.apps.nvidia.com\n', 0);
  assert.equal(both.status, 'pass');
  const one = operatorCrdCheck('nimcaches.apps.nvidia.com\n', 0);
  assert.equal(one.status, 'fail');
  assert.match(one.detail, /missing: nimservices\.apps\.nvidia\.com \(the cluster serves nimcaches\.apps\.nvidia\.com\)/);
  assert.match(one.fix ?? '', /--via helm/);
  const none = operatorCrdCheck('', 0);
  assert.match(none.detail, /missing: nimservices\.apps\.nvidia\.com, nimcaches\.apps\.nvidia\.com \(the cluster serves nothing in apps\.nvidia\.com\)/);
  const err = operatorCrdCheck('', 1, 'error: You must be logged in to the server (Unauthorized)\n');
  assert.equal(err.status, 'fail');
  assert.match(err.detail, /Unauthorized/);
});

test('leftovers: only nimble-labelled NIMServices and NIMCaches, with their state', () => {
  const items = [
    { kind: 'NIMService', metadata: { name: 'llama', namespace: 'nim', labels: { 'nimble.dev/managed-by': 'nimble', 'nimble.dev/release': 'llama' } }, status: { state: 'Ready' } },
    { kind: 'NIMCache', metadata: { name: 'nimble-cache-x', namespace: 'nim', labels: { 'nimble.dev/managed-by': 'nimble', 'nimble.dev/release': 'llama' } }, status: { state: 'Ready', pvc: 'nimble-cache-x' } },
    { kind: 'NIMService', metadata: { name: 'theirs', namespace: 'nim', labels: {} }, status: { state: 'Ready' } },
  ];
  const l = operatorLeftoversFrom(items as any);
  assert.deepEqual(l.map((x) => [x.kind, x.name]), [['nimservice', 'llama'], ['nimcache', 'nimble-cache-x']]);
  assert.match(l[1].detail, /Ready, PVC nimble-cache-x, release llama/);
});

test('a manifest the API server refuses is diagnosed as a CRD version mismatch, never echoing more than kubectl said', () => {
  const dx = operatorApplyDiagnosis('NIMService', 'Error from server (BadRequest): error when creating "STDIN": NIMService in version "v1alpha1" cannot be handled as a NIMService: strict decoding error: unknown field "spec.foo"');
  assert.equal(dx.id, 'operator-manifest-rejected');
  assert.match(dx.fix, /--via helm/);
  assert.equal(operatorApplyDiagnosis('NIMService', 'Error from server: failed to create typed patch object (ns/llama; apps.nvidia.com/v1alpha1, Kind=NIMService): .spec.storage.nimCache.nmae: field not declared in schema').id, 'operator-manifest-rejected');
  assert.equal(operatorApplyDiagnosis('NIMCache', 'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "NIMCache" in version "apps.nvidia.com/v1alpha1"').id, 'operator-missing');
  assert.ok(!JSON.stringify(dx).includes(KEY));
});
