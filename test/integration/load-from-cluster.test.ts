// nimble-test: serial — real-time sweeps against a simulated NIM.
// `nimble run --load-from cluster --load-workers 3` through the real binary on the project's test
// cluster (Kubernetes + kwok). kwok nodes run no containers, so a stand-in kubelet for the loader
// pods runs each pod's own command — the ConfigMap's loader.mjs/worker.mjs written to disk, the
// pod's argv and its Job completion index — as a local process, and points kwok's port-forward for
// that pod at it; the cluster DNS name of the NIM's Service resolves to the simulated NIM. nimble
// itself only sees kubectl: apply, get pods, port-forward, delete.
// Run: NIMBLE_K8S_TESTS=1 node scripts/run-tests.mjs test/integration/load-from-cluster.test.ts

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fastProfile } from '../../src/sim/nim/testing.ts';
import { runSweep } from '../../src/load/sweep-runner.ts';
import { createSessionClock } from '../../src/core/clock.ts';
import { serviceName } from '../../src/kube/names.ts';
import { alive, runNimble } from '../e2e/helpers.ts';
import type { TestCluster } from '../cluster/cluster.ts';
import { defaultsFor } from '../cluster/stages.ts';
import { NIM_LINES, useBench, userEnv } from './helpers.ts';

const RUN = process.env.NIMBLE_K8S_TESTS === '1';

type Obj = Record<string, any>;

const nimble = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000) => runNimble(args, env, timeoutMs);

/** Plays the kubelet for loader pods: each Running pod's command as a local process, kwok port-forward to it. */
function loaderKubelet(tc: TestCluster, ns: string, hosts: string) {
  const procs = new Map<string, ChildProcess>();
  const everPids: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'nimble-loader-pods-'));
  let stopped = false;
  const startPod = async (pod: Obj) => {
    const name = pod.metadata.name;
    const c = pod.spec.containers[0];
    const mount = c.volumeMounts[0].mountPath as string;
    const cm = await tc.json(['get', 'configmap', pod.spec.volumes[0].configMap.name, '-n', ns]);
    const podDir = join(dir, name);
    mkdirSync(podDir, { recursive: true });
    for (const [f, text] of Object.entries(cm.data as Record<string, string>)) writeFileSync(join(podDir, f), text);
    const cmd = (c.command as string[]).map((a) => (a.startsWith(`${mount}/`) ? join(podDir, a.slice(mount.length + 1)) : a));
    assert.equal(cmd[0], 'node');
    // Several "pods" share this host: each listens on a free port instead of the pod's own.
    const li = cmd.indexOf('--listen');
    cmd[li + 1] = '0';
    const child = spawn(process.execPath, cmd.slice(1), {
      env: { PATH: process.env.PATH, JOB_COMPLETION_INDEX: pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] ?? '0', NIMBLE_LOADER_HOSTS: hosts },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs.set(name, child);
    everPids.push(child.pid!);
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => {
        try {
          const m = JSON.parse(l);
          if (m.event === 'listening') resolve(m.port);
        } catch {
          /* log line */
        }
      });
      child.once('exit', (code) => reject(new Error(`loader for ${name} exited ${code}`)));
    });
    child.once('exit', (code, signal) => {
      procs.delete(name);
      // The container ended: the pod's phase follows, as a kubelet reports it.
      const phase = code === 0 ? 'Succeeded' : 'Failed';
      void tc.k(['patch', 'pod', name, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase } })]).catch(() => {});
      void signal;
    });
    await tc.apply({ apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name, namespace: ns }, spec: { forwards: [{ ports: [c.ports[0].containerPort], target: { address: '127.0.0.1', port } }] } });
  };
  const seen = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      const pods = ((await tc.json(['get', 'pods', '-n', ns, '-l', 'nimble.dev/role=loader']).catch(() => ({ items: [] }))).items ?? []) as Obj[];
      const live = new Set(pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name));
      for (const p of pods) {
        if (p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && !seen.has(p.metadata.name)) {
          seen.add(p.metadata.name);
          void startPod(p).catch((e) => console.error(`loader kubelet: ${e.message}`));
        }
      }
      for (const [name, child] of procs) if (!live.has(name)) child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    pids: everPids,
    procs,
    async stop() {
      stopped = true;
      await loop;
      for (const c of procs.values()) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('nimble run --load-from cluster on the test cluster', { skip: !RUN ? 'NIMBLE_K8S_TESTS=1 runs it' : false }, () => {
  // The deterministic queue: 6 sequences at once, so the breaking point is 6 users.
  const b = useBench({ nim: { profile: fastProfile({ maxNumSeqs: 6 }) }, dirPrefix: 'nimble-load-from-cluster' });

  async function setup(ns: string, release: string) {
    // A scripted namespace: the default pod lifecycle without "restartPolicy Never pods complete"
    // (meant for helm test pods; a loader pod runs until its process ends).
    await b.tc.apply(await defaultsFor(b.tc, ns, { pod: ['nimble-pod-pulling', 'nimble-pod-started', 'nimble-pod-ready'] }));
    await b.tc.nimLogs(ns, NIM_LINES);
    const env = userEnv(b.tc, ['nvapi', 'test-key-not-real-0123456789'].join('-'));
    const kubelet = loaderKubelet(b.tc, ns, `${serviceName(release)}.${ns}.svc.cluster.local=127.0.0.1`);
    const args = ['run', '--yes', '--json', '--namespace', ns, '--release', release, '--service-port', String(b.nim.port), '--chart', process.env.NIMBLE_NIM_LLM_CHART ?? 'builtin',
      '--sweep-timing', 'quick', '--max-concurrency', '16', '--prompt-tokens', '32', '--output-tokens', '64', '--sessions-dir', b.dir, '--load-from', 'cluster', '--load-workers', '3'];
    return { env, kubelet, args };
  }

  test('3 loader pods: same breaking point as local load, loaders priced and cleaned up, status empty', async () => {
    const ns = 'scripted-cload';
    const release = 'nimble-nim';
    // Local load against the same simulator: the reference.
    const local = await runSweep(
      { baseUrl: b.nim.url, model: 'meta/llama-3.1-8b-instruct', shapes: [{ id: 'support', label: 'support', promptTokens: 32, outputTokens: 64, focus: 'TTFT' }], maxConcurrency: 16, gpuCount: 1, gpuHourlyUsd: 2, priceTable: 't', timing: 'quick' },
      () => {},
      createSessionClock(),
      new AbortController().signal,
    );
    const localBp = local.shapes[0].breakingPoint;
    const { env, kubelet, args } = await setup(ns, release);
    let run;
    let nodes: string[] = [];
    const watchNodes = setInterval(() => {
      void b.tc.json(['get', 'pods', '-n', ns, '-l', 'nimble.dev/role=loader']).then((l) => (nodes = [...new Set([...nodes, ...l.items.map((p: Obj) => p.spec.nodeName).filter(Boolean)])])).catch(() => {});
    }, 500);
    try {
      run = await nimble(args, env);
    } finally {
      clearInterval(watchNodes);
      await kubelet.stop();
    }
    assert.equal(run.code, 0, `exit ${run.code}\nstderr:\n${run.stderr.slice(-3000)}\nstdout:\n${run.stdout.slice(0, 6000)}`);
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(file.status, 'completed', JSON.stringify(file.endReason));
    assert.equal(file.meta.loadFrom, 'cluster (3 pods)');
    const bp = file.breakingPoints.support;
    assert.ok(Math.abs(bp.lastPassing - localBp.lastPassing) <= Math.max(bp.resolution, localBp.resolution), `cluster ${JSON.stringify(bp)} vs local ${JSON.stringify(localBp)}`);
    assert.equal(bp.rule, 'queue');
    assert.deepEqual(nodes, ['cpu-node-1'], 'loaders ran on the CPU node only');
    assert.equal(kubelet.pids.length, 3);
    const events = readFileSync(join(out.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const checks = events.filter((e) => e.type === 'preflight.check').map((e) => e.check);
    assert.equal(checks.find((c: Obj) => c.id === 'loader-rbac')?.status, 'pass');
    assert.equal(checks.find((c: Obj) => c.id === 'loader-nodes')?.status, 'pass');
    // Priced while they ran, stopped once gone; nothing left.
    const lines = file.cost.lines.filter((l: Obj) => l.id.startsWith('loaders-'));
    assert.deepEqual(lines.map((l: Obj) => l.id).sort(), ['loaders-cpu', 'loaders-memory']);
    for (const l of lines) assert.ok(l.usd > 0 && !l.running, JSON.stringify(l));
    assert.deepEqual(file.cleanup?.leftovers ?? [], []);
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).leftovers, []);
    for (const pid of kubelet.pids) assert.equal(alive(pid), false);
  });

  test('a loader killed mid-level: the level is marked, the session is saved, nothing is left running', async () => {
    const ns = 'scripted-cload-kill';
    const release = 'nimble-nim';
    const { env, kubelet, args } = await setup(ns, release);
    let killed = false;
    let run;
    try {
      const p = nimble(args.map((a) => (a === '--json' ? '--plain' : a)), env);
      // Wait for the 4-user level in the plain output's progress, then kill one loader process.
      const t0 = Date.now();
      while (!killed && Date.now() - t0 < 200_000) {
        await new Promise((r) => setTimeout(r, 500));
        if (kubelet.procs.size === 3 && (await levelStarted(b.dir, 4))) {
          const [first] = kubelet.procs.values();
          first.kill('SIGKILL');
          killed = true;
        }
      }
      run = await p;
    } finally {
      await kubelet.stop();
    }
    assert.ok(killed, 'the level of 4 users started');
    assert.equal(run.code, 1, `exit ${run.code}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
    const sess = JSON.parse(readFileSync(join(newest(b.dir), 'session.json'), 'utf8'));
    assert.equal(sess.status, 'failed');
    assert.match(JSON.stringify(sess.endReason), /load generator failed at support @4: loader pod .* was lost/);
    const four = sess.levels.find((l: Obj) => l.concurrency === 4);
    assert.ok(four && four.valid === false, 'the level is recorded INVALID');
    assert.equal(sess.stages.cleanup.ok, true);
    assert.ok(sess.cost.lines.every((l: Obj) => !l.running));
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.deepEqual(JSON.parse(status.stdout).leftovers, []);
    for (const pid of kubelet.pids) assert.equal(alive(pid), false, `loader ${pid} still running`);
  });

  test('nimble sweep --target <in-cluster URL> --load-from cluster: loaders in the namespace, smoke test and scrape through a port-forward to the Service', async () => {
    const ns = 'scripted-cload-sweep';
    await b.tc.apply(await defaultsFor(b.tc, ns, { pod: ['nimble-pod-pulling', 'nimble-pod-started', 'nimble-pod-ready'] }));
    // A NIM already running in the cluster: a pod behind a ClusterIP Service, kwok's port-forward to the simulator.
    await b.tc.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    ]);
    await b.tc.apply([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nim-0', namespace: ns, labels: { app: 'nim' } }, spec: { containers: [{ name: 'nim', image: 'nvcr.io/nim/x:1', ports: [{ containerPort: 8000 }] }], tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-nim', namespace: ns }, spec: { selector: { app: 'nim' }, ports: [{ port: b.nim.port, targetPort: 8000 }] } },
      { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name: 'nim-0', namespace: ns }, spec: { forwards: [{ ports: [8000], target: { address: '127.0.0.1', port: b.nim.port } }] } },
    ]);
    const host = `my-nim.${ns}.svc.cluster.local`;
    const kubelet = loaderKubelet(b.tc, ns, `${host}=127.0.0.1`);
    // The loader processes reach the simulator's port through the mapped host: give the Service's port to it.
    const env: NodeJS.ProcessEnv = { ...process.env, ...b.tc.env, PATH: `${dirname(b.tc.kubectl)}:${process.env.PATH}`, KUBECONFIG: b.tc.kubeconfig, CI: 'true' };
    let run;
    try {
      await waitRunning(b.tc, ns, 'nim-0');
      run = await nimble(['sweep', '--target', `http://${host}:${b.nim.port}`, '--namespace', ns, '--load-from', 'cluster', '--load-workers', '2', '--yes', '--json',
        '--sweep-timing', 'quick', '--max-concurrency', '4', '--output-tokens', '16', '--sessions-dir', b.dir], env);
    } finally {
      await kubelet.stop();
    }
    assert.equal(run.code, 0, `exit ${run.code}\nstderr:\n${run.stderr.slice(-3000)}`);
    const out = JSON.parse(run.stdout);
    const file = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(file.status, 'completed', JSON.stringify(file.endReason));
    assert.equal(file.meta.loadFrom, 'cluster (2 pods)');
    assert.equal(file.meta.namespace, ns);
    assert.deepEqual(file.levels.map((l: Obj) => [l.concurrency, l.verdict]), [[1, 'pass'], [2, 'pass'], [4, 'pass']]);
    assert.equal(kubelet.pids.length, 2);
    const lines = file.cost.lines.filter((l: Obj) => l.id.startsWith('loaders-'));
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(!l.running);
    const status = await nimble(['status', '--namespace', ns, '--json'], env, 60_000);
    assert.deepEqual(JSON.parse(status.stdout).leftovers, []);
  });

});

async function waitRunning(tc: TestCluster, ns: string, pod: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const p = await tc.json(['get', 'pod', pod, '-n', ns]).catch(() => null);
    if (p?.status?.phase === 'Running') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`pod ${pod} not Running`);
}

function newest(root: string): string {
  const dirs = readdirSync(root).map((d: string) => join(root, d)).filter((d: string) => statSync(d).isDirectory());
  dirs.sort((a: string, b: string) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return dirs[0];
}

async function levelStarted(root: string, c: number): Promise<boolean> {
  try {
    const d = newest(root);
    if (!d) return false;
    const text = readFileSync(join(d, 'events.ndjson'), 'utf8');
    return text.includes(`"type":"level.started","shape":"support","concurrency":${c}`) && text.split(`"concurrency":${c}`).length > 3;
  } catch {
    return false;
  }
}
