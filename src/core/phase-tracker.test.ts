import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSignal } from './cluster.ts';
import { deploySpan, initialPhases, phaseVerdict, trackPhase, type Phases } from './phase-tracker.ts';

const MIN = 60_000;
function run(seq: [number, ClusterSignal][]): Phases {
  return seq.reduce((p, [t, s]) => trackPhase(p, s, t), initialPhases());
}

const coldDeploy: [number, ClusterSignal][] = [
  [0, { kind: 'release.submitted', release: 'r' }],
  [0, { kind: 'service.created', service: 's', type: 'LoadBalancer' }],
  [4 * MIN, { kind: 'pod.scheduled', pod: 'p', node: 'gpu-node-1' }],
  [4 * MIN, { kind: 'image.pulling', image: 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3' }],
  [10 * MIN, { kind: 'image.pulled', image: 'i', cached: false, message: 'Successfully pulled image in 360s' }],
  [10 * MIN, { kind: 'container.started', pod: 'p', container: 'nim', restarts: 0 }],
  [10 * MIN, { kind: 'nim.log', pod: 'p', line: 'Preparing model workspace. This step might download additional files' }],
  [14 * MIN, { kind: 'nim.log', pod: 'p', line: 'Model workspace is now ready. It took 240.5 seconds' }],
  [2 * MIN, { kind: 'lb.ready', service: 's', address: '203.0.113.10' }],
  [19 * MIN, { kind: 'pod.ready', pod: 'p', ready: true }],
  [19 * MIN + 5000, { kind: 'health.probe', url: 'u', status: 200, ready: true }],
];

test('a cold deploy marks every phase from its real signals', () => {
  const p = run(coldDeploy);
  assert.deepEqual(
    Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.status])),
    { gpuNode: 'done', imagePull: 'done', modelDownload: 'done', nimStartup: 'done', loadBalancer: 'done', healthCheck: 'done' },
  );
  assert.equal(p.gpuNode.endedAt! - p.gpuNode.startedAt!, 4 * MIN);
  assert.equal(p.imagePull.endedAt! - p.imagePull.startedAt!, 6 * MIN);
  assert.equal(p.modelDownload.endedAt! - p.modelDownload.startedAt!, 4 * MIN);
  assert.match(p.modelDownload.note!, /240\.5 s/);
  assert.equal(p.nimStartup.endedAt! - p.nimStartup.startedAt!, 5 * MIN);
  assert.equal(p.loadBalancer.endedAt, 2 * MIN);
  // Health check starts when the pod is Ready (the LB was already there).
  assert.equal(p.healthCheck.startedAt, 19 * MIN);
  assert.equal(p.healthCheck.endedAt, 19 * MIN + 5000);
  assert.deepEqual(deploySpan(p), { start: 0, end: 19 * MIN + 5000 });
});

test('phase verdicts use the tier budgets', () => {
  const p = run(coldDeploy);
  assert.equal(phaseVerdict('imagePull', p.imagePull), 'typical'); // 6 min: over Fast's 2, within Typical's 8
  assert.equal(phaseVerdict('gpuNode', p.gpuNode), 'typical'); // 4 min
  assert.equal(phaseVerdict('modelDownload', p.modelDownload), 'typical'); // 4 min
  assert.equal(phaseVerdict('nimStartup', p.nimStartup), 'fast'); // 5 min
  assert.equal(phaseVerdict('loadBalancer', p.loadBalancer), 'ultra'); // 2 min
  assert.equal(phaseVerdict('healthCheck', p.healthCheck), 'ultra'); // 5 s
});

test('health check waits for the load balancer when the LB is slower than the pod', () => {
  const p = run([
    [0, { kind: 'release.submitted', release: 'r' }],
    [0, { kind: 'pod.scheduled', pod: 'p', node: 'n' }],
    [10, { kind: 'pod.ready', pod: 'p', ready: true }],
    [20, { kind: 'service.created', service: 's', type: 'LoadBalancer' }],
  ]);
  assert.equal(p.healthCheck.status, 'pending');
  const q = trackPhase(p, { kind: 'lb.ready', service: 's', address: '127.0.0.1' }, 90);
  assert.equal(q.healthCheck.status, 'running');
  assert.equal(q.healthCheck.startedAt, 90);
});

test('a ClusterIP service skips the load balancer phase', () => {
  const p = run([
    [0, { kind: 'service.created', service: 's', type: 'ClusterIP' }],
    [0, { kind: 'release.submitted', release: 'r' }],
    [5, { kind: 'pod.ready', pod: 'p', ready: true }],
  ]);
  assert.equal(p.loadBalancer.status, 'skipped');
  assert.equal(p.healthCheck.status, 'running');
});

test('a failure marks the earliest open pod phase failed with the diagnosis title', () => {
  const p = run([
    [0, { kind: 'release.submitted', release: 'r' }],
    [1000, { kind: 'pod.scheduled', pod: 'p', node: 'n' }],
    [2000, { kind: 'image.pulling', image: 'i' }],
    [
      9000,
      { kind: 'failure', diagnosis: { id: 'image-pull-auth', title: 'Image pull unauthorized', evidence: '401 Unauthorized', fix: 'recreate the secret', fatal: true } },
    ],
  ]);
  assert.equal(p.gpuNode.status, 'done');
  assert.equal(p.imagePull.status, 'failed');
  assert.equal(p.imagePull.note, 'Image pull unauthorized');
  assert.equal(p.modelDownload.status, 'pending');
  assert.equal(deploySpan(p), null);
});

test('a pod that becomes Ready closes download and startup even without log lines (logs unavailable)', () => {
  const p = run([
    [0, { kind: 'release.submitted', release: 'r' }],
    [5, { kind: 'pod.scheduled', pod: 'p', node: 'n' }],
    [6, { kind: 'image.pulled', image: 'i', cached: true, message: 'already present on machine' }],
    [7, { kind: 'container.started', pod: 'p', container: 'nim', restarts: 0 }],
    [100, { kind: 'pod.ready', pod: 'p', ready: true }],
  ]);
  assert.equal(p.imagePull.note, 'already present on node');
  assert.equal(p.modelDownload.status, 'done');
  assert.equal(p.modelDownload.endedAt, 100);
  assert.equal(p.nimStartup.status, 'done');
});
