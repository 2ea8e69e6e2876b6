// The whole `nimble run` binary against the project's test cluster (Kubernetes v1.36 + kwok), with
// NVIDIA's real nim-llm chart: preflight → deploy → smoke test → sweep → cleanup, with kubectl and
// helm found on PATH as a user would have them, kwok's Stages playing the kubelet, NIM startup logs
// through the real `kubectl logs -f`, and the endpoint either the Service's load-balancer address or
// a real `kubectl port-forward` (ClusterIP), both reaching a simulated NIM. Then `nimble status`
// finds nothing left. Nothing here knows the driver's insides.
// Run: NIMBLE_K8S_TESTS=1 node scripts/run-tests.mjs --only-integration

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastProfile } from '../../src/sim/nim/testing.ts';
import { runNimble } from '../e2e/helpers.ts';
import { NIM_LINES, NIM_LLM_CHART, useBench, userEnv } from './helpers.ts';

const KEY = ['nvapi', 'CLILEAK-0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f'].join('-'); // built at run time: no key-shaped literal in the repo for secret scanners

describe('nimble run against the test cluster', () => {
  // A fast simulated NIM: a quick sweep's levels gather the 59 samples a p95 verdict needs in seconds.
  const b = useBench({ nim: { profile: fastProfile() }, dirPrefix: 'nimble-cli-run' });

  test('preflight → deploy → smoke → sweep → cleanup through the real binary; status finds nothing left; the key is nowhere', async () => {
    const ns = 'cli';
    const release = 'nimble-nim';
    // kubectl and helm as a user has them: on PATH, with KUBECONFIG naming the cluster.
    const env = userEnv(b.tc, KEY);
    await b.tc.nimLogs(ns, NIM_LINES);
    const run = await runNimble(
      ['run', '--yes', '--json', '--namespace', ns, '--release', release, '--service-port', String(b.nim.port), '--chart', NIM_LLM_CHART,
        '--sweep-timing', 'quick', '--max-concurrency', '2', '--output-tokens', '16', '--sessions-dir', b.dir],
      env,
    );
    assert.equal(run.code, 0, `exit ${run.code}\nstderr:\n${run.stderr}`);
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(file.status, 'completed', JSON.stringify(file.endReason));
    assert.equal(file.meta.mode, 'cluster');
    assert.equal(file.meta.namespace, ns);
    assert.ok(file.meta.context, 'the kubectl context is recorded');

    // Every phase from real signals: the scheduler's binding, kwok's kubelet events and pod status,
    // the NIM log lines, the Service's ingress, and a health check through that address.
    const phases = Object.fromEntries(file.phases.map((p: { id: string; status: string }) => [p.id, p.status]));
    assert.deepEqual(phases, { gpuNode: 'done', imagePull: 'done', modelDownload: 'done', nimStartup: 'done', loadBalancer: 'done', healthCheck: 'done' });
    const events = readFileSync(join(out.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const signals = events.filter((e) => e.type === 'cluster.signal').map((e) => e.signal.kind);
    for (const kind of ['pod.scheduled', 'image.pulling', 'image.pulled', 'container.started', 'nim.log', 'pod.ready', 'lb.ready']) assert.ok(signals.includes(kind), `${kind} in ${[...new Set(signals)].join(', ')}`);
    const checks = events.filter((e) => e.type === 'preflight.check').map((e) => e.check);
    assert.ok(checks.every((c) => c.status !== 'fail'), 'preflight passed');
    assert.equal(checks.filter((c) => c.id === 'cost-estimate').length, 1, 'one cost estimate, for the target tier');
    assert.match(checks.find((c) => c.id === 'cost-estimate').detail, /fast cycle/);

    // Smoke and sweep against the endpoint behind the load balancer.
    assert.deepEqual(file.levels.map((l: { concurrency: number; verdict: string }) => [l.concurrency, l.verdict]), [[1, 'pass'], [2, 'pass']]);
    for (const l of file.levels) assert.ok(Math.abs(l.meanOutputTokens - 16) < 0.5);
    assert.equal(file.breakingPoints.support.limitedBy, 'max-concurrency');

    // Cleanup verified: nothing left, every priced resource stopped.
    assert.equal(file.stages.cleanup.ok, true);
    assert.deepEqual(file.cleanup?.leftovers ?? [], []);
    assert.ok(file.cost.lines.every((l: { running: boolean }) => !l.running));
    const status = await runNimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.equal(status.code, 0, status.stderr);
    const left = JSON.parse(status.stdout);
    for (const [what, items] of Object.entries(left)) if (Array.isArray(items)) assert.deepEqual(items, [], `${what} left behind`);

    // The key: not in anything nimble printed or saved.
    const saved = readdirSync(out.savedTo).map((f) => readFileSync(join(out.savedTo, f), 'utf8')).join('\n');
    // Nor in what the cluster logged (API server, controllers, scheduler, kwok), nor in helm's release history.
    const clusterLogs = readdirSync(join(b.tc.runDir, 'logs')).map((f) => readFileSync(join(b.tc.runDir, 'logs', f), 'utf8')).join('\n');
    assert.ok(clusterLogs.length > 1000);
    for (const [where, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['session files', saved], ['status', status.stdout + status.stderr], ['cluster logs', clusterLogs]]) {
      assert.ok(!text.includes(KEY), `the NGC key leaked into ${where}`);
      assert.ok(!text.includes(Buffer.from(KEY).toString('base64')), `the NGC key leaked into ${where} (base64)`);
    }
  });

  /** PIDs of the kubectl port-forward processes for namespace `ns` (found in /proc, as `ps` would). */
  function portForwardPids(ns: string): number[] {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        if (argv.includes('port-forward') && argv.includes(ns)) out.push(Number(d));
      } catch {
        /* gone */
      }
    }
    return out;
  }

  test('--service-type ClusterIP: a real kubectl port-forward; killed mid-sweep it is re-established on the same port and the timeline shows it', async () => {
    const ns = 'cli-pf';
    const release = 'nimble-nim';
    const env = userEnv(b.tc, KEY);
    await b.tc.nimLogs(ns, NIM_LINES);
    await b.tc.forwardTo(ns, b.nim.port); // kwok connects the pod's port to the simulated NIM
    const before = (await b.nim.stats()).requests;
    const running = runNimble(
      ['run', '--yes', '--json', '--namespace', ns, '--release', release, '--service-type', 'ClusterIP', '--chart', NIM_LLM_CHART,
        '--sweep-timing', 'quick', '--max-concurrency', '3', '--output-tokens', '16', '--sessions-dir', b.dir],
      env,
    );
    // Mid-sweep (requests are flowing through the forward): kill kubectl port-forward.
    const killed = await b.tc.waitFor('sweep requests through the port-forward', async () => {
      const pids = portForwardPids(ns);
      return (await b.nim.stats()).requests - before >= 6 && pids.length === 1 ? pids : null;
    }, 120_000);
    process.kill(killed[0], 'SIGKILL');
    const run = await running;
    assert.equal(run.code, 0, `exit ${run.code}\nstderr:\n${run.stderr}`);
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(file.status, 'completed', JSON.stringify(file.endReason));
    const events = readFileSync(join(out.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const sig = events.filter((e) => e.type === 'cluster.signal').map((e) => e.signal);
    assert.ok(sig.some((s) => s.kind === 'nim.log'), 'NIM log lines through kubectl logs -f');
    const lost = sig.find((s) => s.kind === 'k8s.event' && s.reason === 'PortForwardLost');
    const restored = sig.find((s) => s.kind === 'k8s.event' && s.reason === 'PortForwardRestored');
    assert.ok(lost, 'the lost forward is on the timeline');
    assert.ok(restored, 're-established');
    const port = /127\.0\.0\.1:(\d+)/.exec(lost.message)![1];
    assert.match(restored.message, new RegExp(`127\\.0\\.0\\.1:${port}\\b`), 'same local port: the endpoint stays valid');
    assert.ok(file.levels.length >= 2, 'the sweep went on after the forward came back');
    assert.equal(file.stages.cleanup.ok, true);
    assert.deepEqual(portForwardPids(ns), [], 'no port-forward left running');
    const status = await runNimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.equal(status.code, 0, status.stderr);
    for (const [what, items] of Object.entries(JSON.parse(status.stdout))) if (Array.isArray(items)) assert.deepEqual(items, [], `${what} left behind`);
    for (const [where, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['events', JSON.stringify(events)]]) assert.ok(!text.includes(KEY), `the NGC key leaked into ${where}`);
    // The level the cut fell into is marked invalid (not a verdict on the server) and measured again.
    const cut = file.levels.filter((l: any) => (l.invalidReasons ?? []).some((r: string) => /port-forward .*lost/.test(r)));
    assert.equal(cut.length, 1, JSON.stringify(file.levels.map((l: any) => [l.concurrency, l.verdict, l.valid, l.invalidReasons])));
    assert.equal(cut[0].valid, false);
    const shown = JSON.stringify(file.levels.map((l: any) => [l.concurrency, l.verdict, l.valid, l.invalidReasons]));
    const again = file.levels.filter((l: any) => l.concurrency === cut[0].concurrency && l !== cut[0]);
    assert.equal(again.length, 1, `the cut level ran again: ${shown}`);
    assert.ok(!(again[0].invalidReasons ?? []).some((r: string) => /port-forward/.test(r)), shown);
    for (const l of file.levels.filter((x: any) => x.valid)) assert.equal(l.verdict, 'pass', `c=${l.concurrency}: the simulated NIM holds 3 users: ${shown}`);
  });
});
