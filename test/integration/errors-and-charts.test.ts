// On a test cluster with only a CPU node (kwok): insufficient GPU, Unauthorized (wrong token),
// Forbidden (RBAC), both charts (the builtin one and NVIDIA's nim-llm) rendered with generated values,
// checked against nim-llm's values.schema.json and validated by the API server, credentials expiring
// mid-deploy, and finally "unreachable" (the server stopped).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DeployFailed } from '../../src/core/cluster.ts';
import { BUILTIN_CHART } from '../../src/kube/chart.ts';
import { statusCommand } from '../../src/commands/status.ts';
import { captureIo } from '../../src/commands/io.ts';
import { podSelector } from '../../src/kube/names.ts';
import { PROBE_PROFILES, buildValues, OCI_LB_ANNOTATIONS } from '../../src/kube/values.ts';
import { useBench, driverFor, makeSpec, NIM_LLM_CHART, waitForPod } from './helpers.ts';

describe('cluster errors and charts (CPU-only test cluster)', () => {
  const b = useBench({ cluster: { noGpuNode: true }, nim: false });
  const helm = (args: string[], input?: string) => execa(b.tc.helm, args, { env: b.tc.env, reject: false, input: input ?? '' });
  const kubectl = (args: string[], input?: string) => execa(b.tc.kubectl, [`--kubeconfig=${b.tc.kubeconfig}`, ...args], { env: b.tc.env, reject: false, input: input ?? '' });

  test('insufficient GPU: preflight fails the GPU check and deploy stops on the scheduler\'s verdict', async () => {
    const ns = 'nogpu';
    const spec = makeSpec(ns);
    const { cluster, cap, emit } = driverFor(b.tc, ns);
    const checks = await cluster.preflight(spec);
    const gpu = checks.find((c) => c.id === 'gpu-nodes')!;
    assert.equal(gpu.status, 'fail');
    assert.ok(gpu.fix);
    const t = Date.now();
    const d = cluster.deploy(spec, emit, new AbortController().signal);
    d.catch(() => {});
    const err = await d.then(() => null, (e) => e);
    assert.ok(err instanceof DeployFailed);
    assert.equal(err.diagnosis.id, 'insufficient-gpu');
    assert.match(err.diagnosis.evidence, /Insufficient nvidia\.com\/gpu/);
    assert.ok(Date.now() - t < 20_000, `took ${Date.now() - t} ms`);
    const un = cap.signals.find((s) => s.kind === 'pod.unschedulable');
    assert.match((un as any).message, /0\/1 nodes are available: 1 Insufficient nvidia\.com\/gpu/);
    assert.equal((await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: false }, emit)).ok, true);
  });

  test('Unauthorized (a wrong token) is explained as expired credentials, in preflight and deploy', async () => {
    const bad = join(b.dir, 'kubeconfig-bad');
    await writeFile(bad, (await readFile(b.tc.kubeconfig, 'utf8')).replace(/token: .*/, 'token: not-the-right-token'), { mode: 0o600 });
    const { cluster } = driverFor(b.tc, 'x', { kubeconfig: bad });
    const checks = await cluster.preflight(makeSpec('x'));
    const c = checks.find((x) => x.id === 'cluster')!;
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /Unauthorized/);
    assert.match(c.fix!, /oci session authenticate/);
    await assert.rejects(cluster.deploy(makeSpec('x'), () => {}, new AbortController().signal), (e: any) => e instanceof DeployFailed && e.diagnosis.id === 'auth-expired');
  });

  test('Forbidden (RBAC) is explained as such', async () => {
    const { cluster } = driverFor(b.tc, 'x', { kubeconfig: b.tc.userKubeconfig });
    const checks = await cluster.preflight(makeSpec('x'));
    const c = checks.find((x) => x.id === 'cluster')!;
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /Forbidden \(RBAC\).*cannot create secrets/);
    assert.match(c.fix!, /Role/);
    await assert.rejects(cluster.deploy(makeSpec('x'), () => {}, new AbortController().signal), (e: any) => e instanceof DeployFailed && e.diagnosis.id === 'forbidden');
    const err: string[] = [];
    assert.equal(await statusCommand(['--kubeconfig', b.tc.userKubeconfig, '--kubectl', b.tc.kubectl, '--helm', b.tc.helm, '-n', 'default'], { ...captureIo({ env: b.tc.env }), stderr: { write: (s: string) => err.push(s.replace(/\n$/, '')) } }), 1);
    assert.match(err.join('\n'), /Forbidden/);
  });

  /** Lint + render a chart for this cluster's version, then let the API server validate every object. */
  async function render(chart: string, values: object) {
    const f = join(b.dir, `values-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(f, JSON.stringify(values));
    const server = JSON.parse((await kubectl(['version', '-o', 'json'])).stdout).serverVersion.gitVersion;
    assert.match(server, /^v1\.36\./);
    const kv = ['--kube-version', server];
    const lint = await helm(['lint', chart, '-f', f, ...kv]);
    assert.equal(lint.exitCode, 0, lint.stdout + lint.stderr);
    const tpl = await helm(['template', 'llama', chart, '-n', 'charts', '-f', f, ...kv]);
    assert.equal(tpl.exitCode, 0, tpl.stderr);
    // The API server validates and defaults every object (dry run: nothing is stored).
    const dry = await kubectl(['create', '--dry-run=server', '-n', 'charts', '-o', 'json', '-f', '-'], tpl.stdout);
    assert.equal(dry.exitCode, 0, dry.stderr);
    // kubectl prints one pretty-printed object per manifest, back to back.
    return dry.stdout.split(/^(?=\{)/m).filter((x) => x.trim()).map((x) => JSON.parse(x));
  }

  test('both charts render valid manifests from the generated values, with the fields that matter', async () => {
    await kubectl(['create', 'namespace', 'charts']);
    const spec = makeSpec('charts', { gpuCount: 2, probeProfile: 'medium', env: { NIM_MAX_MODEL_LEN: '8192' }, nodeSelector: { 'nvidia.com/gpu.present': 'true' } });
    for (const [chart, flavour] of [[BUILTIN_CHART, 'nimble-nim'], [NIM_LLM_CHART, 'nim-llm']] as const) {
      const objs = await render(chart, buildValues(spec, { session: 's-1', flavour }));
      const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'llama-nim');
      assert.ok(svc, `${flavour}: Service llama-nim`);
      assert.equal(svc.spec.type, 'LoadBalancer');
      for (const [k, v] of Object.entries(OCI_LB_ANNOTATIONS)) assert.equal(svc.metadata.annotations[k], v);
      assert.equal(svc.metadata.labels['nimble.dev/session'], 's-1');
      assert.equal(svc.spec.ports[0].port, 8000);
      const wl = objs.find((o) => o.kind === (flavour === 'nim-llm' ? 'StatefulSet' : 'Deployment'));
      assert.ok(wl, `${flavour}: workload`);
      const pod = wl.spec.template;
      assert.equal(pod.metadata.labels['app.kubernetes.io/instance'], 'llama');
      assert.equal(pod.metadata.labels['nimble.dev/managed-by'], 'nimble');
      assert.equal(pod.metadata.annotations['nimble.dev/session'], 's-1');
      const c = pod.spec.containers[0];
      assert.equal(c.image, 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3');
      assert.equal(c.resources.limits['nvidia.com/gpu'], '2'); // the API server's canonical quantity
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'ngc-secret' }]);
      assert.deepEqual(c.env.find((e: any) => e.name === 'NGC_API_KEY').valueFrom.secretKeyRef, { name: 'ngc-api', key: 'NGC_API_KEY' });
      assert.equal(c.env.find((e: any) => e.name === 'NIM_MAX_MODEL_LEN').value, '8192');
      assert.equal(pod.spec.securityContext.fsGroup, 1000);
      assert.deepEqual(pod.spec.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
      assert.ok(pod.spec.tolerations.some((t: any) => t.key === 'nvidia.com/gpu' && t.operator === 'Exists' && t.effect === 'NoSchedule'));
      assert.equal(pod.spec.volumes.find((v: any) => v.name === 'model-store').persistentVolumeClaim.claimName, 'nimble-cache-meta-llama-3-1-8b-instruct');
      assert.equal(c.readinessProbe.initialDelaySeconds, PROBE_PROFILES.medium.readiness.initialDelaySeconds);
      assert.equal(c.readinessProbe.periodSeconds, 10);
      assert.equal(c.startupProbe.failureThreshold, PROBE_PROFILES.medium.startup.failureThreshold);
      assert.equal(c.startupProbe.httpGet.path, '/v1/health/ready');
      assert.equal(c.livenessProbe.httpGet.path, '/v1/health/live');
    }
    // ClusterIP variant: no LB annotations
    const cip = await render(BUILTIN_CHART, buildValues(makeSpec('charts', { serviceType: 'ClusterIP' }), { session: 's', flavour: 'nimble-nim' }));
    const svc = cip.find((o) => o.kind === 'Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.metadata.annotations?.['service.beta.kubernetes.io/oci-load-balancer-shape'], undefined);
    // The chart's own defaults also lint and render.
    assert.ok((await render(BUILTIN_CHART, {})).some((o) => o.kind === 'Deployment'));
  });

  test('credentials expiring mid-deploy: the respawned watch gets Unauthorized and the deploy stops with that diagnosis', async () => {
    const ns = 'scripted-expire'; // no Stages there: the pod stays pending
    const kcfg = join(b.dir, 'kubeconfig-expiring');
    const good = await readFile(b.tc.kubeconfig, 'utf8');
    await writeFile(kcfg, good, { mode: 0o600 });
    // No GPU asked for: on this CPU-only cluster the pod must stay pending, not fail for want of a GPU.
    const spec = makeSpec(ns, { gpuCount: 0 });
    const { cluster, cap, emit } = driverFor(b.tc, ns, { kubeconfig: kcfg });
    const d = cluster.deploy(spec, emit, new AbortController().signal);
    d.catch(() => {});
    await waitForPod(b.tc, ns, podSelector(spec.release));
    // The token "expires": kubectl re-reads the kubeconfig when the dropped watch is restarted.
    await writeFile(kcfg, good.replace(/token: .*/, 'token: expired-session-token'), { mode: 0o600 });
    const t = Date.now();
    process.kill(cap.watchPids.find((w) => w.name === 'pods')!.pid!, 'SIGKILL');
    const err = await d.then(() => null, (e) => e);
    assert.ok(err instanceof DeployFailed, String(err));
    assert.equal(err.diagnosis.id, 'auth-expired');
    assert.match(err.diagnosis.fix, /oci session authenticate/);
    assert.ok(Date.now() - t < 5_000, `took ${Date.now() - t} ms`);
    assert.ok(cap.signals.some((s) => s.kind === 'failure' && s.diagnosis.id === 'auth-expired'));
    // Cleanup with fresh credentials.
    await writeFile(kcfg, good, { mode: 0o600 });
    assert.equal((await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: false }, emit)).ok, true);
  });

  test('unreachable: with the API server stopped, preflight and status explain it', async () => {
    const kcfg = join(b.dir, 'kubeconfig-copy');
    await writeFile(kcfg, await readFile(b.tc.kubeconfig, 'utf8'), { mode: 0o600 }); // stop.sh removes the run dir
    await b.tc.stop();
    const { cluster } = driverFor(b.tc, 'x', { kubeconfig: kcfg });
    const checks = await cluster.preflight(makeSpec('x'));
    const c = checks.find((x) => x.id === 'cluster')!;
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /Cluster unreachable/);
    assert.match(c.fix!, /cannot be reached/);
    // Cleanup cannot verify anything: it says so at once rather than waiting out its timeouts.
    const t = Date.now();
    const report = await cluster.cleanup(makeSpec('x'), { keepCache: false, removeSecrets: false, removeNamespace: false }, () => {});
    assert.equal(report.ok, false);
    assert.match(report.leftovers[0]?.detail ?? '', /not verified/);
    assert.ok(Date.now() - t < 20_000, `cleanup took ${Date.now() - t} ms`);
    const err: string[] = [];
    assert.equal(await statusCommand(['--kubeconfig', kcfg, '--kubectl', b.tc.kubectl, '--helm', b.tc.helm], { ...captureIo({ env: b.tc.env }), stderr: { write: (s: string) => err.push(s.replace(/\n$/, '')) } }), 1);
    assert.match(err.join('\n'), /unreachable|refused/i);
  });
});
