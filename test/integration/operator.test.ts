// `nimble run --via operator` against the project's current test cluster (test/cluster: Kubernetes
// 1.36 + kwok nodes): preflight finds the NIM Operator's CRDs missing, then (CRDs installed) the
// API server validates nimble's NIMCache/NIMService against their schemas, and the real binary goes
// preflight → deploy → smoke → sweep → cleanup with the phases from the NIMCache/NIMService status
// and the pods kwok runs; `nimble status` is empty afterwards and the key is nowhere.
// The operator: NVIDIA's own binary when test/cluster/operator-build.sh could build it; here the
// Go module proxy refuses the module (403), so operator-standin.ts reconciles the two resources
// as the operator's controllers do (see there). Which one ran is printed.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fastProfile } from '../../src/sim/nim/testing.ts';
import { createKubeCluster } from '../../src/kube/driver.ts';
import { nimCacheManifest, nimServiceManifest } from '../../src/kube/operator.ts';
import { testDeploySpec } from '../../src/core/testing.ts';
import { runNimble } from '../e2e/helpers.ts';
import type { TestCluster } from '../cluster/cluster.ts';
import { defaultsFor, stage } from '../cluster/stages.ts';
import { NIM_LINES, useBench } from './helpers.ts';
import { OperatorStandIn } from './operator-standin.ts';
import { OPERATOR_DIR, operatorCrds } from './operator-crds.ts';

const KEY = ['nvapi', 'OPERATORLEAK-7e6d5c4b3a29180f'].join('-'); // built at run time: no key-shaped literal in the repo

const REAL_OPERATOR = join(OPERATOR_DIR, 'bin/nim-operator');

interface Operator { kind: string; errors: string[]; seen: unknown[]; stop(): Promise<void> }

/**
 * NVIDIA's operator as a local process when operator-build.sh built it (not verified here: the
 * proxy refuses the module), else the stand-in. Either way the NIMCache/NIMService objects are
 * recorded, so the test can check the key never reaches them.
 */
function startOperator(c: TestCluster, ns: string): Operator {
  const seen: unknown[] = [];
  let stopped = false;
  const recorder = (async () => {
    while (!stopped) {
      const r = await c.k(['get', 'nimcaches.apps.nvidia.com,nimservices.apps.nvidia.com', '-n', ns, '-o', 'json']).catch(() => null);
      if (r && seen.length < 200) seen.push(...JSON.parse(r).items.map((o: any) => ({ kind: o.kind, metadata: o.metadata, spec: o.spec, status: o.status })));
      await new Promise((res) => setTimeout(res, 500));
    }
  })();
  if (existsSync(REAL_OPERATOR)) {
    const errors: string[] = [];
    const child = spawn(REAL_OPERATOR, ['--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0'], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig, ENABLE_WEBHOOKS: 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d) => {
      for (const l of String(d).split('\n')) if (/error/i.test(l) && errors.length < 20) errors.push(l.slice(0, 300));
    });
    const exited = new Promise((res) => child.once('exit', res));
    return { kind: 'NVIDIA nim-operator', errors, seen, async stop() { stopped = true; child.kill('SIGTERM'); await exited; await recorder; } };
  }
  const standIn = new OperatorStandIn((a, i) => c.k(a, i), ns).start();
  return { kind: 'stand-in', errors: standIn.errors, seen, async stop() { stopped = true; await standIn.stop(); await recorder; } };
}

const nimble = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000) => runNimble(args, env, timeoutMs);

describe('nimble run --via operator on the test cluster', () => {
  // A fast simulated NIM: a quick sweep's levels gather the 59 samples a p95 verdict needs in seconds.
  const b = useBench({ nim: { profile: fastProfile() }, dirPrefix: 'nimble-operator' });
  let env: NodeJS.ProcessEnv;
  before(async () => {
    // kubectl on PATH, helm not: the operator path needs none.
    env = { ...process.env, ...b.tc.env, PATH: `${dirname(b.tc.kubectl)}:${process.env.PATH}`, KUBECONFIG: b.tc.kubeconfig, NGC_API_KEY: KEY, CI: 'true' };
    // kwok serves these as the NIM container's log to `kubectl logs -f`.
    await b.tc.nimLogs('opr', NIM_LINES);
  });

  test('preflight without the operator names the missing CRDs and needs no helm', async () => {
    const cluster = createKubeCluster({ namespace: 'opr', kubeconfig: b.tc.kubeconfig, kubectl: b.tc.kubectl, helm: '/nonexistent/helm', env: b.tc.env, ngcApiKey: KEY });
    const checks = await cluster.preflight(testDeploySpec({ namespace: 'opr', via: 'operator' }));
    const op = checks.find((x) => x.id === 'nim-operator');
    assert.equal(op?.status, 'fail', JSON.stringify(checks));
    assert.match(op!.detail, /missing: nimservices\.apps\.nvidia\.com, nimcaches\.apps\.nvidia\.com/);
    assert.match(op!.fix ?? '', /--via helm/);
    assert.equal(checks.find((x) => x.id === 'helm'), undefined, 'helm is not needed through the operator');
  });

  test('the API server validates nimble\'s NIMCache and NIMService against the CRD schemas', async () => {
    const crds = operatorCrds();
    console.log(`# NIM Operator CRDs: ${crds.source === 'nvidia' ? 'NVIDIA\'s (config/crd/bases)' : 'subset from the operator\'s API types (module not available)'}`);
    await b.tc.k(['apply', '--server-side', '-f', '-'], crds.manifest);
    await b.tc.k(['wait', '--for=condition=Established', '--timeout=60s', 'crd/nimcaches.apps.nvidia.com', 'crd/nimservices.apps.nvidia.com']);
    await b.tc.k(['create', 'namespace', 'dry']);
    const spec = testDeploySpec({ namespace: 'dry', via: 'operator', env: { NIM_MAX_MODEL_LEN: '4096' } });
    const dry = (o: unknown) => b.tc.k(['apply', '--server-side', '--dry-run=server', '--field-manager=nimble', '-f', '-'], JSON.stringify(o));
    for (const m of [nimCacheManifest(spec, 's'), nimServiceManifest(spec, 's'), nimServiceManifest({ ...spec, serviceType: 'ClusterIP' }, 's')]) await dry(m);
    // The check can fail: a misspelt field and a wrong type are refused.
    const bad = nimServiceManifest(spec, 's') as any;
    bad.spec.storage.nimCache.nmae = 'x';
    await assert.rejects(dry(bad), /\.spec\.storage\.nimCache\.nmae: field not declared in schema|unknown field "spec\.storage\.nimCache\.nmae"/);
    const wrong = nimCacheManifest(spec, 's') as any;
    wrong.spec.storage.pvc.create = 'yes';
    await assert.rejects(dry(wrong), /spec\.storage\.pvc\.create: (expected boolean|Invalid value)/);
  });

  const runCycle = async (ns: string, extra: string[]) => {
    const operator = startOperator(b.tc, ns);
    let run;
    try {
      run = await nimble(
        ['run', '--yes', '--json', '--via', 'operator', '--namespace', ns, '--release', 'llama', '--service-port', String(b.nim.port),
          '--sweep-timing', 'quick', '--max-concurrency', '2', '--output-tokens', '16', '--sessions-dir', b.dir, ...extra],
        env,
      );
    } finally {
      await operator.stop();
    }
    assert.equal(run.code, 0, `exit ${run.code}\nstderr:\n${run.stderr.slice(-3000)}\noperator errors: ${operator.errors.slice(0, 3).join('\n')}`);
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(file.status, 'completed', JSON.stringify(file.endReason));
    const events = readFileSync(join(out.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const signals = events.filter((e) => e.type === 'cluster.signal').map((e) => e.signal);
    const phase = (id: string) => file.phases.find((p: { id: string }) => p.id === id);
    console.log(`# operator: ${operator.kind}; ${extra.join(' ') || 'default'}: ${file.phases.map((p: any) => `${p.id} ${p.status}${p.durationMs !== null ? ` ${(p.durationMs / 1000).toFixed(1)} s` : ''}${p.note ? ` (${p.note})` : ''}`).join('; ')}`);
    const saved = readdirSync(out.savedTo).map((f) => readFileSync(join(out.savedTo, f), 'utf8')).join('\n');
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.equal(status.code, 0, status.stderr);
    // The key: only in the two secrets, never in the custom resources, output, session or status.
    assert.ok(operator.seen.length > 0 && !JSON.stringify(operator.seen).includes(KEY), 'the key is not in a NIMCache/NIMService');
    for (const [where, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['session files', saved], ['status', status.stdout + status.stderr]]) {
      assert.ok(!text.includes(KEY), `the NGC key leaked into ${where}`);
    }
    const endpoint = events.find((e) => e.type === 'endpoint')?.endpoint as { via: string; baseUrl: string } | undefined;
    return { file, signals, phase, endpoint, left: JSON.parse(status.stdout).leftovers as Array<{ kind: string; name: string }> };
  };
  const count = async (kind: string, ns: string) => JSON.parse(await b.tc.k(['get', kind, '-n', ns, '-o', 'json'])).items.length;

  test('cold, --keep-cache: preflight → deploy → smoke → sweep → cleanup through the real binary; phases from the NIMCache/NIMService and pods; only the cache is left', async () => {
    const ns = 'opr';
    const { file, signals, phase, left } = await runCycle(ns, ['--keep-cache']);
    const phases = Object.fromEntries(file.phases.map((p: { id: string; status: string }) => [p.id, p.status]));
    assert.deepEqual(phases, { gpuNode: 'done', imagePull: 'done', modelDownload: 'done', nimStartup: 'done', loadBalancer: 'done', healthCheck: 'done' });
    const kinds = signals.map((s) => s.kind);
    for (const kind of ['cache.progress', 'cache.ready', 'pod.scheduled', 'image.pulled', 'container.started', 'pod.ready', 'lb.ready']) assert.ok(kinds.includes(kind), `${kind} in ${[...new Set(kinds)].join(', ')}`);
    // Model Download is the caching Job: from its pod's container to the NIMCache's Ready.
    assert.match(phase('modelDownload').note ?? '', /NIMCache Ready/);
    assert.ok(signals.some((s) => s.kind === 'pod.scheduled' && /-job-/.test(s.pod)), 'the caching Job\'s pod was watched');
    assert.ok(signals.some((s) => s.kind === 'pod.ready' && s.pod.startsWith('llama-')), 'the NIM pod came up through the Deployment');
    assert.ok(signals.some((s) => s.kind === 'nim.log' && /Uvicorn running/.test(s.line)), 'NIM log lines through kubectl logs -f');
    assert.ok(signals.some((s) => s.kind === 'k8s.event' && /^nimservice\//.test(s.object) && /Ready=True/.test(s.message)), 'the NIMService Ready condition was seen');
    assert.deepEqual(file.levels.map((l: { concurrency: number; verdict: string }) => [l.concurrency, l.verdict]), [[1, 'pass'], [2, 'pass']]);
    assert.equal(file.stages.cleanup.ok, true, JSON.stringify(file.cleanup));
    assert.ok(file.cost.lines.every((l: { running: boolean }) => !l.running));
    // Kept: the NIMCache and its volume, nothing that bills by the hour.
    assert.deepEqual(left.map((l) => l.kind).sort(), ['nimcache', 'pvc']);
    assert.equal(await count('nimservices.apps.nvidia.com', ns), 0);
    assert.equal(await count('deployments', ns), 0);
    assert.equal((JSON.parse(await b.tc.k(['get', 'nimcaches.apps.nvidia.com', '-n', ns, '-o', 'json'])).items[0]).status.state, 'Ready');
  });

  test('warm from the kept NIMCache, ClusterIP through kubectl port-forward: Model Download takes no time, no new caching Job; then nothing is left', async () => {
    const ns = 'opr';
    await b.tc.forwardTo(ns, b.nim.port); // kwok answers the port-forward with the simulated NIM
    const { file, signals, phase, left, endpoint } = await runCycle(ns, ['--service-type', 'ClusterIP']);
    assert.equal(phase('loadBalancer').status, 'skipped');
    assert.equal(endpoint?.via, 'port-forward');
    assert.match(endpoint?.baseUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(phase('modelDownload').status, 'done');
    assert.match(phase('modelDownload').note ?? '', /kept NIMCache/);
    assert.equal(phase('modelDownload').durationMs, 0);
    assert.ok(!signals.some((s) => s.kind === 'cache.progress'), 'the cache was Ready from the start');
    assert.ok(signals.some((s) => s.kind === 'k8s.event' && s.reason === 'NimbleLevers' && /observed: on \[[^\]]*cached model/.test(s.message)), 'cached-model lever observed');
    assert.equal(file.stages.cleanup.ok, true, JSON.stringify(file.cleanup));
    assert.deepEqual(left, []);
    for (const kind of ['nimservices.apps.nvidia.com', 'nimcaches.apps.nvidia.com', 'deployments', 'jobs', 'pvc']) assert.equal(await count(kind, ns), 0, `${kind} left in ${ns}`);
  });
  test('left behind (a second Ctrl-C): nimble status lists the NIMService, NIMCache and what bills; nimble cleanup removes them all', async () => {
    const ns = 'opr-left';
    await b.tc.k(['create', 'namespace', ns]);
    await b.tc.k(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ngc-api', namespace: ns }, stringData: { NGC_API_KEY: 'k' } }));
    const spec = testDeploySpec({ namespace: ns, release: 'left', via: 'operator', servicePort: b.nim.port });
    const operator = startOperator(b.tc, ns);
    try {
      for (const m of [nimCacheManifest(spec, 'sess-left'), nimServiceManifest(spec, 'sess-left')]) await b.tc.k(['apply', '--server-side', '-f', '-'], JSON.stringify(m));
      await b.tc.waitFor('NIMService Ready', async () => (await b.tc.json(['get', 'nimservices.apps.nvidia.com', 'left', '-n', ns])).status?.state === 'Ready', 60_000);
    } finally {
      await operator.stop();
    }
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.equal(status.code, 0, status.stderr);
    const left = JSON.parse(status.stdout).leftovers as Array<{ kind: string; name: string; hourlyUsd: number }>;
    assert.deepEqual(left.map((l) => l.kind).sort(), ['nimcache', 'nimservice', 'pod', 'service'], JSON.stringify(left));
    assert.ok(left.find((l) => l.kind === 'pod')!.hourlyUsd > 0, 'the GPU pod is priced');
    const clean = await nimble(['cleanup', '--yes', '--namespace', ns], env, 120_000);
    assert.equal(clean.code, 0, `${clean.stdout}\n${clean.stderr}`);
    assert.match(clean.stdout, /delete NIMService left/);
    assert.match(clean.stdout, /NIMCache nimble-cache-meta-llama-3-1-8b-instruct deleted/);
    const after = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.deepEqual(JSON.parse(after.stdout).leftovers, []);
    for (const kind of ['nimservices.apps.nvidia.com', 'nimcaches.apps.nvidia.com', 'deployments', 'jobs', 'pvc', 'services']) assert.equal(await count(kind, ns), 0, `${kind} left in ${ns}`);
  });
  test('the caching Job fails (key not entitled): the run stops with that diagnosis from the Job\'s pod and still cleans up', async () => {
    const ns = 'scripted-opfail'; // kwok's default Stages skip scripted-* namespaces: this one gets its own
    const stages = await defaultsFor(b.tc, ns, { pod: ['nimble-pod-pulling', 'nimble-pod-started', 'nimble-pod-ready'] });
    // The model puller exits 1 as a NIM does when NGC refuses the download (restartPolicy Never: the Job's pods).
    stages.push(stage(ns, 'cache-job-fails', 'Pod', [{ key: '.spec.restartPolicy', operator: 'In', values: ['Never'] }, { key: '.status.phase', operator: 'In', values: ['Running'] }], [{
      patch: {
        subresource: 'status', root: 'status', type: 'strategic',
        template: `{{ $now := Now }}
phase: Failed
containerStatuses:
- {name: {{ (index .spec.containers 0).name | Quote }}, image: {{ (index .spec.containers 0).image | Quote }}, imageID: "", ready: false, restartCount: 0, started: false, state: {terminated: {exitCode: 1, reason: Error, message: "Errors fetching files: 403 Forbidden from api.ngc.nvidia.com", startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}
`,
      },
    }], 1_000));
    await b.tc.k(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: stages }));
    const operator = startOperator(b.tc, ns);
    let run;
    try {
      run = await nimble(['run', '--yes', '--json', '--via', 'operator', '--namespace', ns, '--release', 'llama', '--service-port', String(b.nim.port), '--sessions-dir', b.dir], env, 180_000);
    } finally {
      await operator.stop();
    }
    assert.notEqual(run.code, 0, run.stdout.slice(-2000));
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    const events = readFileSync(join(out.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const failures = events.filter((e) => e.type === 'cluster.signal' && e.signal.kind === 'failure').map((e) => e.signal.diagnosis);
    assert.ok(failures.length >= 1, JSON.stringify(file.endReason));
    assert.match(failures[0].evidence, /Errors fetching files/);
    assert.match(failures[0].fix, /entitled/);
    assert.equal(file.phases.find((p: { id: string }) => p.id === 'modelDownload').status, 'failed');
    assert.equal(file.stages.cleanup.ok, true, JSON.stringify(file.cleanup));
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.deepEqual(JSON.parse(status.stdout).leftovers, []);
    assert.ok(!(run.stdout + run.stderr).includes(KEY));
  });
});
