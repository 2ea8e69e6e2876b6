import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ClusterSignal, DeploySpec } from '../core/cluster.ts';
import { initialPhases, trackPhase } from '../core/phase-tracker.ts';
import { DeployObserver } from './observe.ts';
import type { ContainerState, KubeEvent, Node, Pod, Service } from './k8s-types.ts';
import { parseWatchLine, type WatchEvent } from './stream.ts';
import { testDeploySpec } from '../core/testing.ts';

// A getter defeats TS narrowing after assert.equal(x.failure, null).
const failure = (o: DeployObserver) => o.failure;
// The kind of a recording's objects, from its name.
type Recorded = { 'events.ndjson': KubeEvent; 'pods.ndjson': Pod; 'svc.ndjson': Service };
const read = <F extends keyof Recorded>(f: F): WatchEvent<Recorded[F]>[] =>
  readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')
    .split('\n')
    .map((l) => parseWatchLine<Recorded[F]>(l))
    .filter((e): e is WatchEvent<Recorded[F]> => e !== null);

const spec = (over: Partial<DeploySpec> = {}): DeploySpec => testDeploySpec(over);

function observer(o: { autoscaler?: boolean; now?: () => number; lbStuckMs?: number; pvcStuckMs?: number; s?: Partial<DeploySpec> } = {}) {
  const signals: ClusterSignal[] = [];
  const ob = new DeployObserver(
    { spec: spec(o.s), serviceName: 'llama-nim', claimName: 'nimble-cache-meta-llama-3-1-8b-instruct', startedAt: 0, now: o.now ?? (() => 0), autoscaler: o.autoscaler, lbStuckMs: o.lbStuckMs, pvcStuckMs: o.pvcStuckMs },
    (s) => signals.push(s),
  );
  return { ob, signals, kinds: () => signals.map((s) => s.kind) };
}

const node: WatchEvent<Node> = {
  type: 'ADDED',
  object: {
    kind: 'Node',
    metadata: { name: 'gpu-node-1', labels: { 'nvidia.com/gpu.product': 'NVIDIA-A10', 'node.kubernetes.io/instance-type': 'VM.GPU.A10.1' } },
    status: { allocatable: { 'nvidia.com/gpu': '1' }, conditions: [{ type: 'Ready', status: 'True' }] },
  },
};

test('a recorded cold deploy (real kubectl watch output) becomes the expected signals and timeline', () => {
  const { ob, signals, kinds } = observer();
  ob.onNode(node);
  // Events first: pod events wait until the pod is known, as they may in a real stream.
  for (const e of read('events.ndjson')) ob.onEvent(e);
  for (const e of read('pods.ndjson')) ob.onPod(e);
  for (const e of read('svc.ndjson')) ob.onService(e);
  const k = kinds();
  for (const want of ['pod.created', 'node.ready', 'pod.scheduled', 'image.pulling', 'image.pulled', 'container.started', 'pod.ready', 'service.created', 'lb.ready']) {
    assert.ok(k.includes(want as ClusterSignal['kind']), `missing ${want} in ${k.join(',')}`);
  }
  assert.equal(ob.failure, null);
  assert.equal(ob.done, true);
  assert.equal(ob.lbAddress, '127.0.0.1');
  assert.equal(k.filter((x) => x === 'pod.scheduled').length, 1, 'Scheduled event and PodScheduled condition give one signal');
  const pulled = signals.find((s) => s.kind === 'image.pulled');
  assert.equal(pulled?.kind === 'image.pulled' && pulled.cached, false);
  assert.deepEqual(ob.startedResources().map((r) => r.id).sort(), ['gpu-node', 'lb']);

  let phases = initialPhases();
  signals.forEach((s, i) => (phases = trackPhase(phases, s, i)));
  // Download/startup close only with NIM log lines (not in this recording) or pod Ready.
  for (const id of ['gpuNode', 'imagePull', 'nimStartup', 'loadBalancer'] as const) assert.equal(phases[id].status, 'done', id);
  assert.equal(phases.healthCheck.status, 'running');
});

test('a respawned watch replays everything as ADDED: no signal is repeated', () => {
  const { ob, signals } = observer();
  ob.onNode(node);
  // Up to the cleanup (the recording ends with the pod's deletion, which a re-list would not show).
  const live = <F extends keyof Recorded>(f: F) => read(f).filter((e) => e.type !== 'DELETED' && !e.object.metadata.deletionTimestamp);
  const all = () => {
    for (const e of live('events.ndjson')) ob.onEvent(e);
    for (const e of live('pods.ndjson')) ob.onPod({ ...e, type: 'ADDED' });
    for (const e of live('svc.ndjson')) ob.onService({ ...e, type: 'ADDED' });
  };
  all();
  const n = signals.length;
  // A re-list shows each object once, in its current state, as ADDED; events come back with the same counts.
  const latest = <F extends keyof Recorded>(f: F) => [...new Map(live(f).map((e) => [e.object.metadata.uid, e])).values()];
  for (const e of live('events.ndjson')) ob.onEvent({ ...e, type: 'ADDED' });
  for (const e of latest('pods.ndjson')) ob.onPod({ ...e, type: 'ADDED' });
  for (const e of latest('svc.ndjson')) ob.onService({ ...e, type: 'ADDED' });
  assert.deepEqual(signals.slice(n), []);
});

test('events of another pod (an older one with the same name prefix) are ignored', () => {
  const { ob, signals } = observer();
  ob.onEvent({ type: 'ADDED', object: { kind: 'Event', metadata: { name: 'e1', uid: 'e1' }, involvedObject: { kind: 'Pod', name: 'llama-0', uid: 'old-uid' }, reason: 'Failed', message: 'Failed to pull image: 401 Unauthorized', type: 'Warning', count: 1 } });
  ob.onPod(pod('new-uid', {}));
  assert.equal(ob.failure, null);
  assert.ok(!signals.some((s) => s.kind === 'k8s.event' && s.reason === 'Failed'));
});

function pod(uid: string, status: Pod['status'], name = 'llama-0'): WatchEvent<Pod> {
  return { type: 'MODIFIED', object: { kind: 'Pod', metadata: { name, uid }, spec: { nodeName: 'gpu-node-1', containers: [{ name: 'nim' }] }, status } };
}
function ev(uid: string, reason: string, message: string, count = 1, kind = 'Pod', name = 'llama-0', objUid = 'p1'): WatchEvent<KubeEvent> {
  return { type: 'ADDED', object: { kind: 'Event', metadata: { name: uid, uid }, involvedObject: { kind, name, uid: objUid }, reason, message, type: 'Warning', count, lastTimestamp: '2026-01-01T00:00:00Z' } };
}
const running = (restarts = 0, lastState: ContainerState = {}): Pod['status'] => ({
  phase: 'Running',
  conditions: [{ type: 'PodScheduled', status: 'True' }],
  containerStatuses: [{ name: 'nim', restartCount: restarts, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, lastState }],
});

test('image pull 401 fails the deploy at once with the registry-secret fix', () => {
  const { ob } = observer();
  ob.onPod(pod('p1', { conditions: [{ type: 'PodScheduled', status: 'True' }] }));
  ob.onEvent(ev('e1', 'Failed', 'Failed to pull image "nvcr.io/nim/x:1": failed to authorize: 401 Unauthorized'));
  assert.equal(failure(ob)?.id, 'image-pull-auth');
  assert.match(failure(ob)!.fix, /\$oauthtoken/);
});

test('missing key secret (CreateContainerConfigError) fails with the NGC_API_KEY fix', () => {
  const { ob, signals } = observer();
  ob.onPod(pod('p1', { containerStatuses: [{ name: 'nim', restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "ngc-api" not found' } } }] }));
  assert.equal(failure(ob)?.id, 'api-key-secret');
  assert.equal(signals.filter((s) => s.kind === 'failure').length, 1);
});

test('OOMKilled in lastState fails as host OOM and reports the termination', () => {
  const { ob, signals } = observer();
  ob.onPod(pod('p1', running(0)));
  ob.onPod(pod('p1', running(1, { terminated: { reason: 'OOMKilled', exitCode: 137 } })));
  assert.equal(failure(ob)?.id, 'host-oom');
  assert.ok(signals.some((s) => s.kind === 'container.terminated' && s.reason === 'OOMKilled' && s.exitCode === 137));
  assert.equal(signals.filter((s) => s.kind === 'container.started').length, 2);
});

test('a crash loop after a CUDA OOM log line is diagnosed as model too big', () => {
  const { ob } = observer();
  ob.onPod(pod('p1', running(0)));
  ob.onLogLine('llama-0', '{"level":"ERROR","message":"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.2 GiB"}');
  assert.equal(ob.failure, null, 'a log line alone is evidence, not yet a failure');
  ob.onPod(pod('p1', { phase: 'Running', containerStatuses: [{ name: 'nim', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] }));
  assert.equal(failure(ob)?.id, 'model-too-big');
  assert.equal(failure(ob)?.fatal, true);
});

test('the startup probe killing the pod mid-download is fatal; probe failures before it are not', () => {
  const { ob } = observer();
  ob.onPod(pod('p1', running(0)));
  ob.onEvent(ev('e1', 'Unhealthy', 'Startup probe failed: Get "http://x:8000/v1/health/ready": connection refused', 3));
  assert.equal(ob.failure, null);
  ob.onEvent(ev('e2', 'Killing', 'Container nim failed startup probe, will be restarted'));
  assert.equal(failure(ob)?.id, 'startup-probe-kill');
});

test('unschedulable: fatal without autoscaler; with one, only when it gives up', () => {
  const a = observer();
  a.ob.onPod(pod('p1', { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }] }));
  assert.equal(failure(a.ob)?.id, 'insufficient-gpu');
  assert.ok(a.kinds().includes('pod.unschedulable'));

  const b = observer({ autoscaler: true });
  b.ob.onPod(pod('p1', { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }] }));
  b.ob.onEvent(ev('e1', 'TriggeredScaleUp', 'pod triggered scale-up: [{pool1 1->2 (max: 3)}]'));
  assert.equal(b.ob.failure, null);
  assert.equal(b.ob.levers.warmNode, false);
  assert.ok(b.kinds().includes('node.provisioning'));
  b.ob.onEvent(ev('e2', 'NotTriggerScaleUp', "pod didn't trigger scale-up: 1 max node group size reached"));
  assert.equal(failure(b.ob)?.id, 'insufficient-gpu');
});

test('LB without address and PVC stuck Pending are diagnosed by time', () => {
  let now = 0;
  const { ob } = observer({ now: () => now, lbStuckMs: 1000, pvcStuckMs: 5000 });
  ob.onService({ type: 'ADDED', object: { kind: 'Service', metadata: { name: 'llama-nim', uid: 's1' }, spec: { type: 'LoadBalancer' }, status: {} } });
  now = 999;
  ob.tick();
  assert.equal(ob.failure, null);
  now = 1500;
  ob.tick();
  assert.equal(failure(ob)?.id, 'lb-stuck');

  const p = observer({ now: () => now, pvcStuckMs: 1000 });
  now = 0;
  p.ob.onPvc({ type: 'ADDED', object: { kind: 'PersistentVolumeClaim', metadata: { name: 'nimble-cache-meta-llama-3-1-8b-instruct', uid: 'c1' }, status: { phase: 'Pending' } } });
  now = 2000;
  p.ob.tick();
  assert.equal(failure(p.ob)?.id, 'pvc-stuck');
});

test('a cached image and a kept PVC show up as active levers', () => {
  const { ob, signals } = observer();
  ob.onPvc({ type: 'ADDED', object: { kind: 'PersistentVolumeClaim', metadata: { name: 'nimble-cache-meta-llama-3-1-8b-instruct', uid: 'c1' }, status: { phase: 'Bound' } } }, true);
  ob.onPod(pod('p1', { conditions: [{ type: 'PodScheduled', status: 'True' }] }));
  ob.onEvent(ev('e1', 'Pulled', 'Container image "nvcr.io/nim/x:1" already present on machine'));
  assert.equal(ob.levers.cachedModel, true);
  assert.equal(ob.levers.prePulledImage, true);
  const pulled = signals.find((s) => s.kind === 'image.pulled');
  assert.ok(pulled && pulled.kind === 'image.pulled' && pulled.cached);
  assert.ok(ob.startedResources().some((r) => r.id === 'pvc'));
});

test('NIM log lines become nim.log signals and close the download phase', () => {
  const { ob, signals } = observer();
  ob.onPod(pod('p1', running(0)));
  for (const l of ['{"message":"Preparing model workspace. This step might download additional files to run the model."}', '{"message":"Model workspace is now ready. It took 49.375 seconds"}']) ob.onLogLine('llama-0', l);
  let phases = initialPhases();
  signals.forEach((s, i) => (phases = trackPhase(phases, s, i)));
  assert.equal(phases.modelDownload.status, 'done');
  assert.match(phases.modelDownload.note ?? '', /49\.375/);
  assert.equal(phases.nimStartup.status, 'running');
});

test('events of an older Service/PVC of the same name are ignored; this one\'s are held until it appears', () => {
  const { ob, signals } = observer();
  // Old claim (deleted in an earlier cycle) failed to provision; the new one is fine.
  ob.onEvent(ev('old', 'ProvisioningFailed', 'storageclass.storage.k8s.io "typo" not found', 1, 'PersistentVolumeClaim', 'nimble-cache-meta-llama-3-1-8b-instruct', 'old-claim'));
  ob.onEvent(ev('new', 'EnsuringLoadBalancer', 'Ensuring load balancer', 1, 'Service', 'llama-nim', 's1'));
  ob.onPvc({ type: 'ADDED', object: { kind: 'PersistentVolumeClaim', metadata: { name: 'nimble-cache-meta-llama-3-1-8b-instruct', uid: 'new-claim' }, status: { phase: 'Pending' } } });
  assert.equal(failure(ob), null);
  assert.ok(!signals.some((s) => s.kind === 'lb.provisioning' && s.message === 'Ensuring load balancer'));
  ob.onService({ type: 'ADDED', object: { kind: 'Service', metadata: { name: 'llama-nim', uid: 's1' }, spec: { type: 'LoadBalancer' }, status: {} } });
  assert.ok(signals.some((s) => s.kind === 'lb.provisioning' && s.message === 'Ensuring load balancer'));
  ob.onEvent(ev('new2', 'ProvisioningFailed', 'storageclass.storage.k8s.io "typo" not found', 1, 'PersistentVolumeClaim', 'nimble-cache-meta-llama-3-1-8b-instruct', 'new-claim'));
  assert.equal(failure(ob)?.id, 'storage-class-missing');
});
