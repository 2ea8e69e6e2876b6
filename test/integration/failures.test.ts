// Failure modes of ../shared/reference/nim-on-kubernetes.md §4 on the test cluster: each scenario
// runs in its own `scripted-*` namespace whose kwok Stages play what a kubelet, CSI driver or cloud
// controller reports in that failure (container states, restart counts, Events). Each deploy must
// stop promptly with the right diagnosis, and cleanup must still remove everything.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployFailed, type DeploySpec } from '../../src/core/cluster.ts';
import { podSelector } from '../../src/kube/names.ts';
import { containerStatusStep, creating, defaultsFor, eventStep, removeStages, runningFirstTime, stage } from '../cluster/stages.ts';
import { useBench, driverFor, makeSpec, NIM_LINES, waitForPod, type Capture } from './helpers.ts';

type Obj = Record<string, any>;
const IMAGE = '(index .spec.containers 0).image';
const tpl = (fmt: string) => `{{ printf ${JSON.stringify(fmt)} ${IMAGE} | Quote }}`;

describe('deploy failures are diagnosed promptly (kwok Stages)', () => {
  const b = useBench();

  /**
   * Deploy in `scripted-<name>` with `stages(ns)` applied first; `during` may act while the deploy
   * runs. Expect DeployFailed(id) within `withinMs` of `during`'s end.
   */
  async function expectFailure(name: string, id: string, stages: (ns: string) => Promise<Obj[]>, o: { spec?: Partial<DeploySpec>; timing?: Record<string, number>; logs?: string[]; withinMs?: number; during?: (ns: string, spec: DeploySpec, cap: Capture) => Promise<void> } = {}) {
    const ns = `scripted-${name}`;
    const spec = makeSpec(ns, { servicePort: b.nim.port, ...o.spec });
    const { cluster, cap, emit } = driverFor(b.tc, ns, {
      // deployTimeoutMs: a scenario whose Stages never fire ends as deploy-timeout, never hangs.
      timing: { tickMs: 100, respawnDelayMs: 100, cleanupPollMs: 200, cleanupStepTimeoutMs: 30_000, lbStuckMs: 60_000, pvcStuckMs: 60_000, deployTimeoutMs: 60_000, ...o.timing },
    });
    await b.tc.nimLogs(ns, o.logs ?? NIM_LINES);
    const s = await stages(ns);
    if (s.length) await b.tc.apply(s);
    let cleaned = false;
    try {
      let settled = false;
      const d = cluster.deploy(spec, emit, new AbortController().signal);
      d.then(() => (settled = true), () => (settled = true));
      await o.during?.(ns, spec, cap);
      const t = Date.now();
      const err = await d.then(() => null, (e) => e);
      assert.ok(err instanceof DeployFailed, `expected DeployFailed, got ${err}`);
      assert.equal(err.diagnosis.id, id, JSON.stringify(err.diagnosis));
      assert.equal(err.diagnosis.fatal, true);
      assert.ok(err.diagnosis.fix.length > 20);
      // Generous for a loaded CI host, yet well under the 30–60 s fallbacks a missed signal would hit.
      assert.ok(Date.now() - t < (o.withinMs ?? 8_000), `diagnosed after ${Date.now() - t} ms`);
      assert.ok(settled);
      assert.equal(cap.signals.filter((x) => x.kind === 'failure').length, 1, 'one failure signal for the timeline');
      const report = await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: false }, emit);
      cleaned = true;
      assert.equal(report.ok, true, JSON.stringify(report));
      return err.diagnosis;
    } finally {
      // Even when an assertion failed: free the one GPU for the next scenario.
      if (!cleaned) await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: true }, () => {}).catch(() => {});
      await removeStages(b.tc, ns).catch(() => {});
    }
  }

  const pullingOnly = (ns: string) => defaultsFor(b.tc, ns, { pod: ['nimble-pod-pulling'] });
  const upToRunning = (ns: string) => defaultsFor(b.tc, ns, { pod: ['nimble-pod-pulling', 'nimble-pod-started'] });

  test('image pull 401 from nvcr.io', async () => {
    const msg = 'Failed to pull image "%s": rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized';
    const dx = await expectFailure('pull401', 'image-pull-auth', async (ns) => [
      ...(await pullingOnly(ns)),
      stage(ns, 'pull-401', 'Pod', creating, [
        eventStep({ reason: 'Failed', message: tpl(msg), type: 'Warning' }),
        eventStep({ reason: 'Failed', message: 'Error: ErrImagePull', type: 'Warning' }),
        containerStatusStep({ phase: 'Pending', state: `waiting: {reason: ErrImagePull, message: ${tpl(msg)}}` }),
      ], 300),
    ]);
    assert.match(dx.fix, /\$oauthtoken/);
  });

  test('API-key secret missing (CreateContainerConfigError)', async () => {
    await expectFailure('nokey', 'api-key-secret', async (ns) => [
      ...(await pullingOnly(ns)),
      // What the kubelet reports when the container's env refers to a secret that is gone.
      stage(ns, 'config-error', 'Pod', creating, [
        eventStep({ reason: 'Pulled', message: tpl('Container image "%s" already present on machine') }),
        eventStep({ reason: 'Failed', message: 'Error: secret "ngc-api" not found', type: 'Warning' }),
        containerStatusStep({ phase: 'Pending', state: 'waiting: {reason: CreateContainerConfigError, message: "secret \\"ngc-api\\" not found"}' }),
      ], 300),
    ], {
      during: async (ns, spec) => {
        await waitForPod(b.tc, ns, podSelector(spec.release));
        await b.tc.k(['delete', 'secret', 'ngc-api', '-n', ns]);
      },
    });
  });

  test('host OOM (OOMKilled, exit 137)', async () => {
    await expectFailure('oom', 'host-oom', async (ns) => [
      ...(await upToRunning(ns)),
      stage(ns, 'oom-killed', 'Pod', runningFirstTime, [
        containerStatusStep({ phase: 'Running', state: 'running: {startedAt: {{ $now | Quote }}}', restartCount: 1, lastState: 'terminated: {reason: OOMKilled, exitCode: 137, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}' }),
      ], 500),
    ]);
  });

  test('startup probe killing the pod mid-download', async () => {
    await expectFailure('probe', 'startup-probe-kill', async (ns) => [
      ...(await upToRunning(ns)),
      stage(ns, 'startup-probe-fails', 'Pod', runningFirstTime, [
        eventStep({ reason: 'Unhealthy', message: `{{ printf ${JSON.stringify('Startup probe failed: Get "http://%s:8000/v1/health/ready": dial tcp %s:8000: connect: connection refused')} .status.podIP .status.podIP | Quote }}`, type: 'Warning', count: 3 }),
        eventStep({ reason: 'Killing', message: 'Container nim failed startup probe, will be restarted' }),
      ], 800),
    ], { logs: NIM_LINES.slice(0, 3) });
  });

  test('model too big: CUDA OOM in the log, then CrashLoopBackOff', async () => {
    const lines = [...NIM_LINES.slice(0, 4), '{"level":"ERROR","message":"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.95 GiB. GPU 0 has a total capacity of 22.07 GiB"}'];
    const dx = await expectFailure('toobig', 'model-too-big', upToRunning, {
      logs: lines,
      during: async (ns, spec, cap) => {
        // The container crashes only after it has logged the OOM (as a real one does): the crash
        // Stage is applied once `kubectl logs -f` delivered that line.
        await b.tc.waitFor('the CUDA OOM line through kubectl logs -f', async () => cap.signals.some((s) => s.kind === 'nim.log' && /CUDA out of memory/.test(s.line)), 20_000);
        await b.tc.apply(stage(ns, 'crash', 'Pod', runningFirstTime, [
          eventStep({ reason: 'BackOff', message: '{{ printf "Back-off restarting failed container nim in pod %s" .metadata.name | Quote }}', type: 'Warning' }),
          containerStatusStep({ phase: 'Running', state: 'waiting: {reason: CrashLoopBackOff, message: "back-off 10s restarting failed container=nim"}', restartCount: 1, lastState: 'terminated: {reason: Error, exitCode: 1}' }),
        ], 100));
        // kwok matches Stages when a pod changes, not when a Stage appears: touch the pod once.
        await b.tc.k(['annotate', 'pods', '-n', ns, '-l', podSelector(spec.release), '--overwrite', `nimble.test/crash-stage=${Date.now()}`]);
      },
    });
    assert.match(dx.evidence, /CUDA out of memory/);
  });

  test('PVC stuck: no volume is ever provisioned', async () => {
    // No Stages at all: the scheduler waits for the claim, the "CSI driver" never answers.
    await expectFailure('pvcstuck', 'pvc-stuck', async () => [], { timing: { pvcStuckMs: 1_500 }, withinMs: 8_000 });
  });

  test('storage class that does not exist', async () => {
    await expectFailure('nosc', 'storage-class-missing', (ns) => defaultsFor(b.tc, ns), { spec: { cache: { keep: false, sizeGi: 50, storageClass: 'oci-bv-typo' } }, timing: { pvcStuckMs: 20_000 }, withinMs: 15_000 });
  });

  test('LB stuck: SyncLoadBalancerFailed repeating', async () => {
    await expectFailure('lbfail', 'lb-stuck', async (ns) => [
      ...(await defaultsFor(b.tc, ns, { lb: false })),
      stage(ns, 'lb-quota', 'Service', [{ key: '.spec.type', operator: 'In', values: ['LoadBalancer'] }], [
        eventStep({ kind: 'Service', component: 'service-controller', reason: 'SyncLoadBalancerFailed', message: 'Error syncing load balancer: failed to ensure load balancer: Service error:LimitExceeded. The following service limits were exceeded: lb-flexible-count', type: 'Warning', count: 3 }),
      ], 2_500),
    ]);
  });

  test('LB stuck: no address for too long', async () => {
    await expectFailure('lbslow', 'lb-stuck', (ns) => defaultsFor(b.tc, ns, { lb: false }), { timing: { lbStuckMs: 4_000 }, withinMs: 8_000 });
  });

  test('node out of disk while pulling', async () => {
    await expectFailure('disk', 'disk-full', async (ns) => [
      ...(await pullingOnly(ns)),
      stage(ns, 'disk-full', 'Pod', creating, [
        eventStep({ reason: 'Failed', message: tpl('Failed to pull image "%s": writing blob: write /var/lib/containers/storage/overlay/x: no space left on device'), type: 'Warning' }),
      ], 300),
    ]);
  });
});
