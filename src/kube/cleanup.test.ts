// The credential half of cleanup on plain data: what goes, what stays and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foreignObjects, planCredentialCleanup, type NamespaceFacts } from './cleanup.ts';
import type { KubeObject } from './k8s-types.ts';

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
  const o = (kind: string, name: string, extra: { labels?: Record<string, string>; owned?: boolean; type?: string } = {}): KubeObject & { type?: string } => ({
    kind,
    type: extra.type,
    metadata: { name, labels: extra.labels, ...(extra.owned ? { ownerReferences: [{ kind: 'ReplicaSet' }] } : {}) },
  });
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

// The same rules through cleanupRelease, against a cluster played by a table of kubectl/helm
// answers (the real cluster test is test/integration/cli-run.test.ts): which commands run.
import { cleanupRelease } from './cleanup.ts';
import type { KubeExec, RunResult } from './exec.ts';

function fakeCluster(o: { nsLabels?: Record<string, string> | null; contents?: unknown[] }) {
  const ran: string[] = [];
  const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '', enoent: false });
  const notFound: RunResult = { exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): not found', enoent: false };
  let nsGone = false;
  const kubectl = async (args: readonly string[]): Promise<RunResult> => {
    const a = args.join(' ');
    ran.push(`kubectl ${a}`);
    if (a.startsWith('get namespace nimble -o json')) return o.nsLabels === null || nsGone ? notFound : ok(JSON.stringify({ metadata: { name: 'nimble', labels: o.nsLabels } }));
    if (a.startsWith('get namespace nimble -o name')) return nsGone ? notFound : ok('namespace/nimble');
    if (a.startsWith('delete namespace')) nsGone = true;
    if (a.startsWith('get deployments,')) return ok(JSON.stringify({ items: o.contents ?? [] }));
    if (a.startsWith('get pvc') && a.includes('-l')) return ok(JSON.stringify({ items: [] }));
    if (a.startsWith('get ')) return ok(JSON.stringify({ items: [] }));
    return ok('');
  };
  const exec = {
    kubectl,
    helm: async (args: readonly string[]) => {
      ran.push(`helm ${args.join(' ')}`);
      if (args[0] === 'status') return { exitCode: 1, stdout: '', stderr: 'Error: release: not found', enoent: false };
      if (args[0] === 'list') return ok('[]');
      return ok('');
    },
    kubectlJson: async (args: readonly string[]) => JSON.parse((await kubectl(args)).stdout),
    log: () => {},
  } as unknown as KubeExec; // a test double of the few methods cleanup calls (KubeExec is a class with private state)
  return { exec, ran };
}

const target = { release: 'nimble-nim', namespace: 'nimble' };
const deletes = (ran: string[]) => ran.filter((c) => / delete (secret|namespace)/.test(c));

test('cleanupRelease with nimble run options deletes both NGC secrets and the namespace it created', async () => {
  const { exec, ran } = fakeCluster({ nsLabels: { 'nimble.dev/managed-by': 'nimble' } });
  const r = await cleanupRelease({ exec, resources: [], pollMs: 1 }, target, RUN, () => {});
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(deletes(ran), ['kubectl delete secret ngc-secret ngc-api -n nimble --ignore-not-found', 'kubectl delete namespace nimble --wait=false']);
  assert.deepEqual(r.kept, []);
});

test("cleanupRelease keeps a namespace holding someone else's deployment, and says why", async () => {
  const { exec, ran } = fakeCluster({ nsLabels: { 'nimble.dev/managed-by': 'nimble' }, contents: [{ kind: 'Deployment', metadata: { name: 'theirs' } }] });
  const r = await cleanupRelease({ exec, resources: [], pollMs: 1 }, target, RUN, () => {});
  assert.deepEqual(deletes(ran), ['kubectl delete secret ngc-secret ngc-api -n nimble --ignore-not-found']);
  assert.match(r.kept?.[0]?.detail ?? '', /1 object\(s\) nimble did not create \(deployment\/theirs\)/);
});

test('cleanupRelease with --keep-secrets deletes nothing of the credential kind and reports both secrets and the namespace kept', async () => {
  const { exec, ran } = fakeCluster({ nsLabels: { 'nimble.dev/managed-by': 'nimble' } });
  const r = await cleanupRelease({ exec, resources: [], pollMs: 1 }, target, { ...RUN, removeSecrets: false }, () => {});
  assert.deepEqual(deletes(ran), []);
  assert.deepEqual(r.kept?.map((k) => `${k.kind}/${k.name}`), ['secret/ngc-api', 'secret/ngc-secret', 'namespace/nimble']);
});
