import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCliError, diagnoseCliError, diagnoseCrashLoop, diagnoseEvent, diagnoseLogLine, diagnoseTermination, diagnoseWaiting } from './diagnose.ts';

// Every row of the reference's failure table (../shared/reference/nim-on-kubernetes.md §4).
const cases: Array<[string, () => ReturnType<typeof diagnoseEvent>, string, boolean]> = [
  ['registry 401', () => diagnoseEvent({ reason: 'Failed', message: 'Failed to pull image "nvcr.io/nim/meta/llama3-8b-instruct:1.0.3": rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized' }), 'image-pull-auth', true],
  ['registry auth required', () => diagnoseWaiting('ImagePullBackOff', 'Back-off pulling image "x": unauthorized: authentication required'), 'image-pull-auth', true],
  ['image not found', () => diagnoseWaiting('ErrImagePull', 'rpc error: manifest unknown'), 'image-not-found', true],
  ['secret missing', () => diagnoseWaiting('CreateContainerConfigError', 'secret "ngc-api" not found'), 'api-key-secret', true],
  ['wrong key name', () => diagnoseWaiting('CreateContainerConfigError', "couldn't find key NGC_API_KEY in Secret nim/ngc-api"), 'api-key-secret', true],
  ['no egress / entitlement', () => diagnoseLogLine('Errors fetching files: error sending request for url (https://api.ngc.nvidia.com/v2/org/nim/...)'), 'ngc-entitlement', false],
  ['insufficient GPU', () => diagnoseEvent({ reason: 'FailedScheduling', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }), 'insufficient-gpu', true],
  ['untolerated taint', () => diagnoseEvent({ reason: 'FailedScheduling', message: "0/1 nodes are available: 1 node(s) had taint {nvidia.com/gpu: present}, that the pod didn't tolerate." }), 'untolerated-taint', true],
  ['selector mismatch', () => diagnoseEvent({ reason: 'FailedScheduling', message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." }), 'node-selector-mismatch', true],
  ['autoscaler gives up', () => diagnoseEvent({ reason: 'NotTriggerScaleUp', message: "pod didn't trigger scale-up: 1 max node group size reached" }, { autoscaler: true }), 'insufficient-gpu', true],
  ['CUDA OOM', () => diagnoseLogLine('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'), 'model-too-big', false],
  ['KV cache', () => diagnoseLogLine("ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (27536)."), 'model-too-big', false],
  ['no profile', () => diagnoseLogLine('Could not match a profile for the detected GPUs'), 'model-too-big', false],
  ['host OOM', () => diagnoseTermination('OOMKilled', 137), 'host-oom', true],
  ['PVC unbound', () => diagnoseEvent({ reason: 'FailedScheduling', message: '0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.' }), 'pvc-stuck', false],
  ['storage class missing', () => diagnoseEvent({ reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "oci-bv-typo" not found' }), 'storage-class-missing', true],
  ['cache not writable', () => diagnoseLogLine("PermissionError: [Errno 13] Permission denied: '/model-store/ngc'"), 'cache-not-writable', false],
  ['probe kills mid-download', () => diagnoseEvent({ reason: 'Killing', message: 'Container nim failed startup probe, will be restarted' }), 'startup-probe-kill', true],
  ['LB sync failed once', () => diagnoseEvent({ reason: 'SyncLoadBalancerFailed', message: 'Error syncing load balancer: failed to ensure load balancer: LimitExceeded', count: 1 }), 'lb-stuck', false],
  ['LB sync failed repeatedly', () => diagnoseEvent({ reason: 'SyncLoadBalancerFailed', message: 'Error syncing load balancer: LimitExceeded', count: 3 }), 'lb-stuck', true],
  ['disk full', () => diagnoseEvent({ reason: 'Failed', message: 'Failed to pull image "x": write /var/lib/containers/x: no space left on device' }), 'disk-full', true],
  ['evicted', () => diagnoseEvent({ reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }), 'disk-full', true],
];

for (const [name, fn, id, fatal] of cases) {
  test(`diagnosis: ${name} → ${id}${fatal ? ' (fatal)' : ''}`, () => {
    const dx = fn();
    assert.ok(dx, 'recognised');
    assert.equal(dx.id, id);
    assert.equal(dx.fatal, fatal);
    assert.ok(dx.fix.length > 20, 'has a fix');
    assert.ok(dx.evidence.length > 0);
  });
}

test('insufficient GPU is not fatal while a cluster autoscaler may add a node', () => {
  assert.equal(diagnoseEvent({ reason: 'FailedScheduling', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }, { autoscaler: true })?.fatal, false);
});

test('ordinary events are not failures', () => {
  for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started', 'EnsuringLoadBalancer']) assert.equal(diagnoseEvent({ reason, message: 'ok' }), null);
  assert.equal(diagnoseEvent({ reason: 'Unhealthy', message: 'Startup probe failed: Get "http://10.0.0.5:8000/v1/health/ready": connection refused' }), null);
  assert.equal(diagnoseLogLine('Model workspace is now ready. It took 49.375 seconds'), null);
});

test('a crash loop carries the last telling log line as its cause', () => {
  const ev = diagnoseLogLine('CUDA out of memory');
  assert.equal(diagnoseCrashLoop('back-off 40s', ev).id, 'model-too-big');
  assert.equal(diagnoseCrashLoop('back-off 40s', ev).fatal, true);
  assert.equal(diagnoseCrashLoop('back-off 40s', null).id, 'crash-loop');
});

test('kubectl/helm errors are classified and explained', () => {
  assert.equal(classifyCliError('error: You must be logged in to the server (Unauthorized)'), 'auth-expired');
  assert.match(diagnoseCliError('kubectl', 'error: You must be logged in to the server (Unauthorized)').fix, /oci session authenticate/);
  assert.equal(classifyCliError('Error from server (Forbidden): pods is forbidden: User "nimble-user" cannot list resource "pods"'), 'forbidden');
  assert.match(diagnoseCliError('kubectl', 'Error from server (Forbidden): pods is forbidden').fix, /RBAC|Role/);
  assert.equal(classifyCliError('The connection to the server 127.0.0.1:16999 was refused - did you specify the right host or port?\nconnect: connection refused'), 'unreachable');
  assert.equal(classifyCliError('', { enoent: true }), 'missing-binary');
  assert.match(diagnoseCliError('helm', '', { enoent: true }).fix, /Install helm/);
  assert.equal(classifyCliError('error: context "nope" does not exist'), 'bad-context');
  // kubectl's repeated "Unhandled Error" lines are collapsed in the evidence
  const rep = Array(5).fill('E1123 11:29:55.182867 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: dial tcp 127.0.0.1:1: connect: connection refused"').join('\n') + '\nThe connection to the server 127.0.0.1:1 was refused';
  assert.equal(diagnoseCliError('kubectl', rep).evidence, 'The connection to the server 127.0.0.1:1 was refused');
});
