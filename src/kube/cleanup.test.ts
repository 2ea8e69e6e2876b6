// The credential half of cleanup on plain data: what goes, what stays and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foreignObjects, planCredentialCleanup, type NamespaceFacts } from './cleanup.ts';
import type { K8sObject } from './stream.ts';

const RUN = { keepCache: false, removeSecrets: true, removeNamespace: true }; // nimble run's default
const ours: NamespaceFacts = { exists: true, ours: true, foreign: [] };
const kept = (p: ReturnType<typeof planCredentialCleanup>) => p.kept.map((k) => `${k.kind}/${k.name}: ${k.detail}`);

test('a run nimble set up from nothing leaves nothing: both NGC secrets and the namespace go', () => {
  const p = planCredentialCleanup(RUN, 'nimble', ours);
  assert.deepEqual([p.deleteSecrets, p.deleteNamespace, p.kept], [true, true, []]);
});

test('--keep-secrets keeps both secrets, and so the namespace, each listed with why', () => {
  const p = planCredentialCleanup({ ...RUN, removeSecrets: false }, 'nimble', ours);
  assert.deepEqual([p.deleteSecrets, p.deleteNamespace], [false, false]);
  assert.deepEqual(kept(p), [
    'secret/ngc-api: holds the NGC API key; kept on request',
    'secret/ngc-secret: holds the NGC API key; kept on request',
    'namespace/nimble: created by nimble; it holds the kept NGC secrets',
  ]);
});

test('a kept model cache keeps the namespace but never the key', () => {
  const p = planCredentialCleanup({ ...RUN, keepCache: true }, 'nimble', ours, 'nimble-cache-llama');
  assert.deepEqual([p.deleteSecrets, p.deleteNamespace], [true, false]);
  assert.deepEqual(kept(p), ['namespace/nimble: created by nimble; it holds the kept model cache nimble-cache-llama']);
});

test("a namespace nimble did not create is never deleted (and is the user's, so not listed); the secrets still go", () => {
  const p = planCredentialCleanup(RUN, 'team-a', { exists: true, ours: false, foreign: [] });
  assert.deepEqual([p.deleteSecrets, p.deleteNamespace, p.kept], [true, false, []]);
});

test("someone else's objects in nimble's namespace keep it, named", () => {
  const p = planCredentialCleanup(RUN, 'nimble', { exists: true, ours: true, foreign: ['deployment/app', 'configmap/x', 'secret/y', 'pod/z'] });
  assert.equal(p.deleteNamespace, false);
  assert.deepEqual(kept(p), ['namespace/nimble: created by nimble; it holds 4 object(s) nimble did not create (deployment/app, configmap/x, secret/y, …)']);
});

test('a namespace already gone: nothing to do, nothing listed', () => {
  assert.deepEqual(planCredentialCleanup(RUN, 'nimble', { exists: false, ours: false, foreign: [] }), { deleteSecrets: false, deleteNamespace: false, kept: [] });
});

test('nimble cleanup without --remove-namespace keeps a namespace nimble made, saying so', () => {
  const p = planCredentialCleanup({ ...RUN, removeNamespace: false }, 'nimble', ours);
  assert.deepEqual([p.deleteSecrets, p.deleteNamespace], [true, false]);
  assert.deepEqual(kept(p), ['namespace/nimble: created by nimble; kept on request']);
});

test("foreignObjects: what Kubernetes adds, owned objects and nimble's own are not someone else's", () => {
  const o = (kind: string, name: string, extra: Partial<K8sObject> & { labels?: Record<string, string>; owned?: boolean; type?: string } = {}) =>
    ({ kind, type: extra.type, metadata: { name, labels: extra.labels, ...(extra.owned ? { ownerReferences: [{ kind: 'ReplicaSet' }] } : {}) } }) as unknown as K8sObject;
  const items = [
    o('ConfigMap', 'kube-root-ca.crt'),
    o('Secret', 'default-token-abc', { type: 'kubernetes.io/service-account-token' }),
    o('Secret', 'ngc-api', { labels: { 'nimble.dev/managed-by': 'nimble' } }),
    o('Pod', 'app-7d9-x', { owned: true }),
    o('Deployment', 'app'),
    o('Secret', 'db-password', { type: 'Opaque' }),
  ];
  assert.deepEqual(foreignObjects(items), ['deployment/app', 'secret/db-password']);
});
