// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionClock, createVirtualClock } from '../core/clock.ts';
import { DeployFailed, type ClusterSignal, type DeploySpec } from '../core/cluster.ts';
import { initialPhases, trackPhase, deploySpan, phaseVerdict } from '../core/phase-tracker.ts';
import { PHASE_ORDER, stageTier, type TierId } from '../core/tiers.ts';
import { startSimNim } from './nim/server.ts';
import { createSimCluster } from './cluster.ts';
import { PROFILE_LEVERS } from './profiles.ts';
import { testDeploySpec } from '../core/testing.ts';

function spec(profile: TierId, serviceType: DeploySpec['serviceType'] = 'LoadBalancer'): DeploySpec {
  return testDeploySpec({ release: 'nimble-nim', namespace: 'nimble', serviceType, levers: PROFILE_LEVERS[profile] });
}

// The in-process simulated NIM (the worker-thread one is exercised by the end-to-end test).
const startNim = (o: { model: string }) => startSimNim({ port: 0, model: o.model, startupDelayMs: 3_600_000 });

async function deployAndTrack(profile: TierId, seed: number) {
  // Virtual time: the timeline is exact however loaded the machine is.
  const clock = createVirtualClock();
  const cluster = createSimCluster({ clock, profile, seed, startNim });
  const signals: [number, ClusterSignal][] = [];
  const emit = (s: ClusterSignal) => signals.push([clock.now(), s]);
  const s = spec(profile);
  const endpoint = await cluster.deploy(s, emit, new AbortController().signal);
  // The cycle's health check closes the last phase; do its part here.
  const res = await fetch(`${endpoint.baseUrl}/v1/health/ready`);
  emit({ kind: 'health.probe', url: endpoint.baseUrl, status: res.status, ready: res.ok });
  let phases = initialPhases();
  for (const [t, sig] of signals) phases = trackPhase(phases, sig, t);
  return { cluster, clock, s, signals, phases, endpoint, emit };
}

for (const profile of ['fast', 'typical', 'ultra', 'slow'] as const) {
  test(`a --profile ${profile} deploy lands in the ${profile} tier, phase by phase`, async () => {
    const { cluster, s, phases, emit } = await deployAndTrack(profile, 7);
    try {
      for (const id of PHASE_ORDER) {
        assert.equal(phases[id].status, 'done', `${id} done`);
        const v = phaseVerdict(id, phases[id])!;
        assert.ok(v !== 'over', `${id} within Slow`);
      }
      const span = deploySpan(phases)!;
      assert.equal(stageTier('deploy', span.end - span.start), profile);
    } finally {
      await cluster.cleanup(s, { keepCache: false, removeSecrets: false, removeNamespace: false }, emit);
    }
  });
}

test('the simulated NIM answers 503 until the simulated pod is Ready', async () => {
  const clock = createVirtualClock();
  let url = '';
  const cluster = createSimCluster({
    clock,
    profile: 'ultra',
    seed: 3,
    startNim: async (o) => {
      const h = await startNim(o);
      url = h.url;
      return h;
    },
  });
  const statuses: number[] = [];
  const emit = async (sig: ClusterSignal) => {
    if (sig.kind === 'container.started' && url) statuses.push((await fetch(`${url}/v1/health/ready`)).status);
  };
  const s = spec('ultra');
  const probes: Promise<void>[] = [];
  const endpoint = await cluster.deploy(s, (sig) => void probes.push(emit(sig)), new AbortController().signal);
  await Promise.all(probes); // the readiness probe sent at container start has its answer
  assert.deepEqual(statuses, [503]);
  assert.equal((await fetch(`${endpoint.baseUrl}/v1/health/ready`)).status, 200);
  await cluster.cleanup(s, { keepCache: false, removeSecrets: false, removeNamespace: false }, () => {});
});

test('cleanup stops every paid resource; keep-cache reports the volume and its monthly cost', async () => {
  const { cluster, s, signals, emit } = await deployAndTrack('fast', 11);
  const report = await cluster.cleanup(s, { keepCache: true, removeSecrets: false, removeNamespace: false }, emit);
  const started = signals.filter(([, x]) => x.kind === 'resource' && x.action === 'start').map(([, x]) => (x as { resource: { id: string } }).resource.id);
  const stopped = signals.filter(([, x]) => x.kind === 'resource' && x.action === 'stop').map(([, x]) => (x as { resource: { id: string } }).resource.id);
  assert.deepEqual([...started].sort(), ['gpu-node', 'lb', 'pvc']);
  assert.deepEqual([...stopped].sort(), ['gpu-node', 'lb', 'pvc']);
  assert.equal(report.ok, true);
  assert.equal(report.keptCache?.sizeGi, 50);
  assert.ok(Math.abs(report.keptCache!.monthlyUsd - 54 * 0.0425) < 1e-9);
  assert.deepEqual(await cluster.leftovers(), []);
});

test('a simulated insufficient-GPU deploy fails with a diagnosis instead of waiting', async () => {
  const clock = createVirtualClock();
  const cluster = createSimCluster({ clock, profile: 'typical', seed: 1, startNim, failure: 'insufficient-gpu' });
  const s = spec('typical');
  const signals: ClusterSignal[] = [];
  await assert.rejects(
    cluster.deploy(s, (x) => signals.push(x), new AbortController().signal),
    (e: unknown) => e instanceof DeployFailed && e.diagnosis.id === 'insufficient-gpu' && /Insufficient nvidia.com\/gpu/.test(e.diagnosis.evidence),
  );
  assert.ok(signals.some((x) => x.kind === 'pod.unschedulable'));
  await cluster.cleanup(s, { keepCache: false, removeSecrets: false, removeNamespace: false }, () => {});
});

test('deploy stops promptly when aborted', async () => {
  const clock = createSessionClock();
  clock.setRate(10); // slow enough that the abort lands mid-deploy
  const cluster = createSimCluster({ clock, profile: 'slow', seed: 1, startNim });
  const s = spec('slow');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  await assert.rejects(cluster.deploy(s, () => {}, ac.signal), { name: 'AbortError' });
  assert.ok(performance.now() - t0 < 5000);
  clock.setRate(100_000);
  await cluster.cleanup(s, { keepCache: false, removeSecrets: false, removeNamespace: false }, () => {});
});
