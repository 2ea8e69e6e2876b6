// The driver against the project's test cluster (Kubernetes v1.36 + kwok, one per file): cold and
// warm deploys with NIM logs through the real `kubectl logs -f`, the secret-leak check, a dropped
// watch, Ctrl-C, cleanup with and without keep-cache. kwok's Stages play the kubelet.
// Run: NIMBLE_K8S_TESTS=1 node scripts/run-tests.mjs --only-integration

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { initialPhases, trackPhase } from '../../src/core/phase-tracker.ts';
import { statusCommand } from '../../src/commands/status.ts';
import { cleanupCommand } from '../../src/commands/cleanup.ts';
import { captureIo } from '../../src/commands/io.ts';
import { podSelector } from '../../src/kube/names.ts';
import { defaultsFor } from '../cluster/stages.ts';
import { useBench, driverFor, kinds, makeSpec, NIM_LINES, waitForPod } from './helpers.ts';

const KEY = ['nvapi', 'LEAKCHECK-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e'].join('-'); // built at run time: no key-shaped literal in the repo for secret scanners

describe('kube driver on the test cluster', () => {
  const b = useBench();

  const kubectl = (args: string[]) => execa(b.tc.kubectl, [`--kubeconfig=${b.tc.kubeconfig}`, ...args], { env: b.tc.env, reject: false });
  const helm = (args: string[]) => execa(b.tc.helm, [...args, `--kubeconfig=${b.tc.kubeconfig}`], { env: b.tc.env, reject: false });

  test('cold deploy: phases from real streams, endpoint through the LB, no key anywhere, cleanup verified', async () => {
    const ns = 'cold';
    const spec = makeSpec(ns, { servicePort: b.nim.port, levers: { cachedModel: false, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true } });
    const { cluster, cap, emit } = driverFor(b.tc, ns, { ngcApiKey: KEY, env: { ...b.tc.env, NGC_API_KEY: KEY } });
    await b.tc.nimLogs(ns, NIM_LINES);
    const childEnvs: string[] = [];
    const errors: string[] = [];
    {
      const checks = await cluster.preflight(spec);
      assert.deepEqual(checks.filter((c) => c.status === 'fail'), [], JSON.stringify(checks, null, 1));
      assert.match(checks.find((c) => c.id === 'gpu-nodes')!.detail, /gpu-node-1: 1× NVIDIA-A10 \(VM\.GPU\.A10\.1\), 1 free/);
      assert.match(checks.find((c) => c.id === 'cluster')!.detail, /server v1\.36/);

      const t0 = Date.now();
      const ac = new AbortController();
      const deploying = cluster.deploy(spec, emit, ac.signal);
      deploying.catch((e) => errors.push(String(e?.stack ?? e)));
      await waitForPod(b.tc, ns, podSelector(spec.release));
      // The environment of the running kubectl watches must not carry the key either.
      for (const w of cap.watchPids) {
        try {
          childEnvs.push(readFileSync(`/proc/${w.pid}/environ`, 'utf8'));
        } catch {
          /* already respawned/exited */
        }
      }
      const ep = await deploying;
      assert.deepEqual(ep, { baseUrl: `http://127.0.0.1:${b.nim.port}`, via: 'load-balancer' });
      assert.equal((await fetch(`${ep.baseUrl}/v1/health/ready`)).status, 200);
      assert.ok(Date.now() - t0 < 30_000);

      const k8 = kinds(cap);
      for (const want of ['release.submitted', 'release.deployed', 'service.created', 'lb.provisioning', 'pod.created', 'node.ready', 'pod.scheduled', 'image.pulling', 'image.pulled', 'container.started', 'nim.log', 'pod.ready', 'lb.ready']) {
        assert.ok(k8.includes(want as never), `missing ${want}`);
      }
      assert.ok(k8.indexOf('service.created') < k8.indexOf('pod.scheduled'), 'Service (LB) created before the pod is scheduled');
      let phases = initialPhases();
      cap.signals.forEach((s, i) => (phases = trackPhase(phases, s, i)));
      for (const id of ['gpuNode', 'imagePull', 'modelDownload', 'nimStartup', 'loadBalancer'] as const) assert.equal(phases[id].status, 'done', id);
      assert.match(phases.modelDownload.note ?? '', /49\.375/);
      const levers = cap.signals.filter((s) => s.kind === 'k8s.event' && s.reason === 'NimbleLevers');
      assert.equal(levers.length, 2);
      assert.ok(cap.signals.some((s) => s.kind === 'resource' && s.action === 'start' && s.resource.id === 'gpu-node' && s.resource.priceItem === 'VM.GPU.A10.1'));

      // What the cluster keeps: helm's release must not hold the key; secrets have no last-applied copy.
      const values = await helm(['get', 'all', spec.release, '-n', ns]);
      assert.equal(values.exitCode, 0);
      assert.ok(!values.stdout.includes(KEY));
      const sec = JSON.parse((await kubectl(['get', 'secret', 'ngc-api', 'ngc-secret', '-n', ns, '-o', 'json'])).stdout);
      for (const s of sec.items) assert.equal(s.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
      assert.equal(Buffer.from(sec.items.find((s: any) => s.metadata.name === 'ngc-api').data.NGC_API_KEY, 'base64').toString(), KEY);

      const steps: string[] = [];
      const report = await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: false }, (s) => {
        emit(s);
        if (s.kind === 'cleanup.step' && s.done) steps.push(s.step);
      });
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.deepEqual(report.leftovers, []);
      assert.deepEqual(steps, ['release', 'pods', 'service', 'pvc', 'secrets']);
      const stopped = cap.signals.filter((s) => s.kind === 'resource' && s.action === 'stop').map((s) => (s as any).resource.id).sort();
      assert.deepEqual(stopped, ['gpu-node', 'lb', 'pvc']);
      assert.equal((await helm(['list', '-n', ns, '-q'])).stdout.trim(), '');
      assert.equal((await kubectl(['get', 'pods,svc,pvc,secrets', '-n', ns, '-l', 'nimble.dev/managed-by=nimble', '-o', 'name'])).stdout.trim(), '');
      assert.deepEqual(await cluster.leftovers(), []);
    }
    // The leak check: every argv, signal, log line, error and child environment.
    const everything = [JSON.stringify(cap.argv), JSON.stringify(cap.signals), cap.logs.join('\n'), errors.join('\n'), childEnvs.join('\n')].join('\n');
    assert.ok(cap.argv.length > 10 && childEnvs.length > 0 && cap.logs.length > 5);
    assert.ok(!everything.includes(KEY), 'NGC key leaked');
    assert.ok(!everything.includes(Buffer.from(KEY).toString('base64')), 'NGC key leaked (base64)');
    assert.ok(!everything.includes(KEY.slice(6, 30)), 'NGC key leaked (partial)');
  });

  test('warm deploy: kept cache and pre-pulled image are reused and shown as levers; keep-cache cleanup prices the PVC', async () => {
    // A scripted namespace: the same default Stages, scoped to it, so the second pod's Pulled event
    // can say what a kubelet says once the pre-pull DaemonSet put the image on the node.
    const ns = 'scripted-warm';
    const spec = makeSpec(ns, { servicePort: b.nim.port });
    await b.tc.nimLogs(ns, NIM_LINES);
    await b.tc.apply(await defaultsFor(b.tc, ns));
    const first = driverFor(b.tc, ns);
    await first.cluster.deploy(spec, first.emit, new AbortController().signal);
    const r1 = await first.cluster.cleanup(spec, { keepCache: true, removeSecrets: false, removeNamespace: false }, first.emit);
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.deepEqual(r1.keptCache, { claim: 'nimble-cache-meta-llama-3-1-8b-instruct', sizeGi: 50, monthlyUsd: 54 * 0.0425 });
    assert.equal(JSON.parse((await kubectl(['get', 'pvc', r1.keptCache!.claim, '-n', ns, '-o', 'json'])).stdout).status.phase, 'Bound');
    const pulledFirst = first.cap.signals.find((s) => s.kind === 'image.pulled');
    assert.equal((pulledFirst as any).cached, false);

    await b.tc.apply(await defaultsFor(b.tc, ns, {
      tweak: (st) => {
        for (const step of st.spec.steps ?? []) {
          if (step.apply?.template?.includes('reason: Pulled')) {
            step.apply.template = step.apply.template.replace(/message: .*/, 'message: {{ printf "Container image \\"%s\\" already present on machine" (index .spec.containers 0).image | Quote }}');
          }
        }
      },
    }));
    const warmSpec = { ...spec, levers: { ...spec.levers, prePulledImage: true } };
    const second = driverFor(b.tc, ns);
    await second.cluster.deploy(warmSpec, second.emit, new AbortController().signal);
    assert.equal((await kubectl(['get', 'daemonset', 'llama-prepull', '-n', ns, '-o', 'name'])).exitCode, 0);
    const observed = second.cap.signals.find((s) => s.kind === 'k8s.event' && s.reason === 'NimbleLevers' && s.message.startsWith('observed'));
    assert.match((observed as any).message, /on \[cached model, pre-pulled image, warm GPU node, LB in parallel, sized probes\]/);
    const pulled = second.cap.signals.find((s) => s.kind === 'image.pulled');
    assert.equal((pulled as any).cached, true);

    const r2 = await second.cluster.cleanup(warmSpec, { keepCache: true, removeSecrets: false, removeNamespace: false }, second.emit);
    assert.equal(r2.ok, true);
    const left = await second.cluster.leftovers();
    assert.deepEqual(left.map((l) => `${l.kind}:${l.name}`), ['pvc:nimble-cache-meta-llama-3-1-8b-instruct']);
    assert.ok(left[0].hourlyUsd > 0);

    // nimble status / nimble cleanup on their own
    const io = captureIo({ env: b.tc.env });
    const out = { join: (_sep?: string) => io.out() + io.err() };
    const flags = ['--kubeconfig', b.tc.kubeconfig, '--kubectl', b.tc.kubectl, '--helm', b.tc.helm];
    assert.equal(await statusCommand(flags, io), 0);
    assert.match(out.join('\n'), /pvc\s+scripted-warm\/nimble-cache-meta-llama-3-1-8b-instruct/);
    assert.equal(await cleanupCommand([...flags, '--namespace', ns], { ...io, confirm: async () => false }), 1, 'not confirmed: nothing removed');
    assert.equal(await cleanupCommand([...flags, '--namespace', ns, '--yes'], io), 0, out.join('\n'));
    await b.tc.waitFor('pvc gone', async () => (await kubectl(['get', 'pvc', '-n', ns, '-o', 'name'])).stdout.trim() === '');
    await b.tc.waitFor('its PV deleted by the "CSI driver"', async () => !(await kubectl(['get', 'pv', '-o', 'name'])).stdout.includes('pvc-'));
    await b.tc.k(['delete', 'daemonset', 'llama-prepull', '-n', ns, '--ignore-not-found']);
  });

  test('a kubectl watch that drops mid-deploy is respawned and the deploy completes', async () => {
    const ns = 'drop';
    const spec = makeSpec(ns, { servicePort: b.nim.port });
    await b.tc.nimLogs(ns, NIM_LINES);
    const { cluster, cap, emit } = driverFor(b.tc, ns);
    const d = cluster.deploy(spec, emit, new AbortController().signal);
    d.catch(() => {});
    await waitForPod(b.tc, ns, podSelector(spec.release));
    const podsWatch = cap.watchPids.find((w) => w.name === 'pods')!;
    process.kill(podsWatch.pid!, 'SIGKILL');
    await d;
    assert.ok(cap.watchPids.filter((w) => w.name === 'pods').length >= 2, 'pods watch respawned');
    assert.equal(kinds(cap).filter((x) => x === 'pod.created').length, 1, 'the re-list did not repeat signals');
    assert.equal(kinds(cap).filter((x) => x === 'pod.ready').length, 1);
    assert.equal((await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: true }, emit)).ok, true);
  });

  test('Ctrl-C (AbortSignal) mid-deploy stops at once, leaves no kubectl running, cleanup still works', async () => {
    const ns = 'abort';
    const spec = makeSpec(ns, { servicePort: b.nim.port });
    const { cluster, cap, emit } = driverFor(b.tc, ns);
    const ac = new AbortController();
    const d = cluster.deploy(spec, emit, ac.signal);
    d.catch(() => {});
    await waitForPod(b.tc, ns, podSelector(spec.release));
    const t = Date.now();
    ac.abort();
    await assert.rejects(d, (e: Error) => e.name === 'AbortError');
    assert.ok(Date.now() - t < 3_000, `took ${Date.now() - t} ms`);
    for (const w of cap.watchPids) assert.throws(() => process.kill(w.pid!, 0), /ESRCH/, `watch ${w.name} still running`);
    const report = await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: true }, emit);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal((await kubectl(['get', 'namespace', ns, '-o', 'name'])).exitCode, 1, 'namespace nimble created is gone');
  });
});
