// Failure modes of ../shared/reference/nim-on-kubernetes.md §4 produced on a real control plane
// (the kubelet stand-in reports what a kubelet would): each deploy must stop promptly with the
// right diagnosis, and cleanup must still remove everything.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployFailed, type DeploySpec } from '../../src/core/cluster.ts';
import { podSelector, serviceName } from '../../src/kube/names.ts';
import { startSimNim, type SimNimHandle } from '../../src/sim/nim/server.ts';
import type { KubeletStandIn } from './kubelet.ts';
import { bringUp, driverFor, kubeletFor, makeSpec, NIM_LINES, recordedLogs, type Capture } from './helpers.ts';
import { startTestbed, type Testbed } from './testbed.ts';

describe('deploy failures are diagnosed promptly', () => {
  let tb: Testbed;
  let nim: SimNimHandle;
  before(async () => {
    tb = await startTestbed();
    nim = await startSimNim({ port: 0 });
  });
  after(async () => {
    await nim?.close();
    await tb?.stop();
  });

  /** Deploy in `ns`, let `play` act as kubelet, expect DeployFailed(id) within `withinMs` of play's end. */
  async function expectFailure(ns: string, id: string, play: (k: KubeletStandIn, spec: DeploySpec, cap: Capture) => Promise<void>, o: { spec?: Partial<DeploySpec>; timing?: Record<string, number>; logs?: string[]; withinMs?: number } = {}) {
    const spec = makeSpec(ns, { servicePort: nim.port, ...o.spec });
    const { cluster, cap, emit } = driverFor(tb, ns, {
      ...(o.logs ? { logSource: recordedLogs(o.logs) } : {}),
      timing: { tickMs: 100, respawnDelayMs: 100, cleanupPollMs: 200, cleanupStepTimeoutMs: 30_000, lbStuckMs: 60_000, pvcStuckMs: 60_000, ...o.timing },
    });
    const k = kubeletFor(tb, ns);
    const reaper = k.reaper(podSelector(spec.release));
    let cleaned = false;
    try {
      let settled = false;
      const d = cluster.deploy(spec, emit, new AbortController().signal);
      d.then(() => (settled = true), () => (settled = true));
      await play(k, spec, cap);
      const t = Date.now();
      const err = await d.then(() => null, (e) => e);
      assert.ok(err instanceof DeployFailed, `expected DeployFailed, got ${err}`);
      assert.equal(err.diagnosis.id, id, JSON.stringify(err.diagnosis));
      assert.equal(err.diagnosis.fatal, true);
      assert.ok(err.diagnosis.fix.length > 20);
      // Bounds are generous for a loaded CI host (each tick runs kubectl), yet well under the 30–60 s
      // fallback timeouts a missed signal would fall through to.
      assert.ok(Date.now() - t < (o.withinMs ?? 6_000), `diagnosed after ${Date.now() - t} ms`);
      assert.ok(settled);
      const failures = cap.signals.filter((s) => s.kind === 'failure');
      assert.equal(failures.length, 1, 'one failure signal for the timeline');
      // Namespace deletion is covered in deploy.test.ts; skipping it here saves ~6 s a scenario.
      const report = await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: false }, emit);
      cleaned = true;
      assert.equal(report.ok, true, JSON.stringify(report));
      return err.diagnosis;
    } finally {
      // Even when an assertion failed: free the one GPU for the next scenario.
      if (!cleaned) await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: true }, () => {}).catch(() => {});
      await reaper.stop();
    }
  }

  async function scheduledPod(k: KubeletStandIn, spec: DeploySpec) {
    await k.waitForPod(podSelector(spec.release));
    await k.provisionPvc('nimble-cache-meta-llama-3-1-8b-instruct');
    return k.waitForPod(podSelector(spec.release), { bound: true });
  }

  test('image pull 401 from nvcr.io', async () => {
    const dx = await expectFailure('pull401', 'image-pull-auth', async (k, spec) => {
      const pod = await scheduledPod(k, spec);
      await k.pulling(pod);
      const msg = `Failed to pull image "${spec.image}:${spec.imageTag}": rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized`;
      await k.event(pod, 'Failed', msg, 'Warning');
      await k.waiting(pod, 'ErrImagePull', msg);
    });
    assert.match(dx.fix, /\$oauthtoken/);
  });

  test('API-key secret missing (CreateContainerConfigError)', async () => {
    await expectFailure('nokey', 'api-key-secret', async (k, spec) => {
      const pod = await scheduledPod(k, spec);
      await k.k(['delete', 'secret', 'ngc-api', '-n', spec.namespace]);
      await k.pulled(pod);
      await k.event(pod, 'Failed', 'Error: secret "ngc-api" not found', 'Warning');
      await k.waiting(pod, 'CreateContainerConfigError', 'secret "ngc-api" not found');
    });
  });

  test('host OOM (OOMKilled, exit 137)', async () => {
    await expectFailure('oom', 'host-oom', async (k, spec) => {
      const pod = await scheduledPod(k, spec);
      await k.pulled(pod);
      await k.started(pod);
      await k.started(pod, 1, { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' } });
    });
  });

  test('startup probe killing the pod mid-download', async () => {
    await expectFailure('probe', 'startup-probe-kill', async (k, spec) => {
      const pod = await scheduledPod(k, spec);
      await k.pulled(pod);
      await k.started(pod);
      await k.event(pod, 'Unhealthy', 'Startup probe failed: Get "http://10.244.0.7:8000/v1/health/ready": dial tcp 10.244.0.7:8000: connect: connection refused', 'Warning', 'kubelet', 3);
      await k.event(pod, 'Killing', 'Container nim failed startup probe, will be restarted', 'Normal');
    }, { logs: NIM_LINES.slice(0, 3) });
  });

  test('model too big: CUDA OOM in the log, then CrashLoopBackOff', async () => {
    const lines = [...NIM_LINES.slice(0, 4), '{"level":"ERROR","message":"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.95 GiB. GPU 0 has a total capacity of 22.07 GiB"}'];
    const dx = await expectFailure('toobig', 'model-too-big', async (k, spec, cap) => {
      const pod = await scheduledPod(k, spec);
      await k.pulled(pod);
      await k.started(pod);
      // The container crashes only after it has logged the OOM (as a real one does).
      const deadline = Date.now() + 15_000;
      const logged = () => cap.signals.some((s) => s.kind === 'nim.log' && /CUDA out of memory/.test(s.line));
      while (!logged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await k.waiting(pod, 'CrashLoopBackOff', 'back-off 10s restarting failed container=nim', 1, { terminated: { reason: 'Error', exitCode: 1 } });
    }, { logs: lines });
    assert.match(dx.evidence, /CUDA out of memory/);
  });

  test('PVC stuck: no volume is ever provisioned', async () => {
    await expectFailure('pvcstuck', 'pvc-stuck', async (k, spec) => {
      await k.waitForPod(podSelector(spec.release));
    }, { timing: { pvcStuckMs: 1_500 }, withinMs: 6_000 });
  });

  test('storage class that does not exist', async () => {
    await expectFailure('nosc', 'storage-class-missing', async (k, spec) => {
      await k.waitForPod(podSelector(spec.release));
    }, { spec: { cache: { keep: false, sizeGi: 50, storageClass: 'oci-bv-typo' } }, timing: { pvcStuckMs: 20_000 }, withinMs: 15_000 });
  });

  test('LB stuck: SyncLoadBalancerFailed repeating', async () => {
    await expectFailure('lbfail', 'lb-stuck', async (k, spec) => {
      await bringUp(k, { ...spec, serviceType: 'ClusterIP' }); // pod Ready, but no ingress
      const svc = await k.serviceObj(serviceName(spec.release));
      await k.event(svc, 'SyncLoadBalancerFailed', 'Error syncing load balancer: failed to ensure load balancer: Service error:LimitExceeded. The following service limits were exceeded: lb-flexible-count', 'Warning', 'service-controller', 3);
    });
  });

  test('LB stuck: no address for too long', async () => {
    await expectFailure('lbslow', 'lb-stuck', async (k, spec) => {
      await bringUp(k, { ...spec, serviceType: 'ClusterIP' });
    }, { timing: { lbStuckMs: 2_000 }, withinMs: 6_000 });
  });

  test('node out of disk while pulling', async () => {
    await expectFailure('disk', 'disk-full', async (k, spec) => {
      const pod = await scheduledPod(k, spec);
      await k.pulling(pod);
      await k.event(pod, 'Failed', `Failed to pull image "${spec.image}:${spec.imageTag}": writing blob: write /var/lib/containers/storage/overlay/x: no space left on device`, 'Warning');
    });
  });
});
