// Shared pieces of the driver's integration tests: a spec, a driver wired to a testbed, recorded
// NIM log lines as the log source (no kubelet: `kubectl logs` cannot work), and the kubelet
// stand-in walking a pod from scheduled to Ready.

import { readFileSync } from 'node:fs';
import type { ClusterSignal, DeploySpec } from '../../src/core/cluster.ts';
import { createKubeCluster, type KubeOptions } from '../../src/kube/driver.ts';
import { cacheClaimName, podSelector, serviceName } from '../../src/kube/names.ts';
import type { LogSource } from '../../src/kube/watch.ts';
import { KubeletStandIn } from './kubelet.ts';
import type { Testbed } from './testbed.ts';
import { testDeploySpec } from '../../src/core/testing.ts';

export const NIM_LINES = readFileSync(new URL('../../src/kube/fixtures/nim-startup.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);

export function makeSpec(namespace: string, over: Partial<DeploySpec> = {}): DeploySpec {
  return testDeploySpec({
    namespace,
    levers: { cachedModel: true, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
    ...over,
  });
}

/** Plays recorded NIM startup lines, as `kubectl logs -f` would show them. */
export const recordedLogs = (lines = NIM_LINES, gapMs = 20): LogSource => async (_pod, _c, onLine, signal) => {
  for (const l of lines) {
    if (signal.aborted) return;
    onLine(l);
    await new Promise((r) => setTimeout(r, gapMs));
  }
};

export interface Capture {
  signals: ClusterSignal[];
  logs: string[];
  argv: string[][];
  watchPids: Array<{ name: string; pid: number | undefined }>;
}

export function driverFor(tb: Testbed, namespace: string, over: Partial<KubeOptions> = {}) {
  const cap: Capture = { signals: [], logs: [], argv: [], watchPids: [] };
  const cluster = createKubeCluster({
    namespace,
    kubeconfig: tb.kubeconfig,
    kubectl: tb.kubectl,
    helm: tb.helm,
    env: tb.env,
    ngcApiKey: 'nvapi-test-not-a-real-key',
    log: (s, l) => cap.logs.push(`[${s}] ${l}`),
    logSource: recordedLogs(),
    onSpawn: (f, a) => cap.argv.push([f, ...a]),
    onWatchSpawn: (name, pid) => cap.watchPids.push({ name, pid }),
    timing: { tickMs: 100, respawnDelayMs: 100, cleanupPollMs: 200, cleanupStepTimeoutMs: 30_000, lbStuckMs: 60_000, pvcStuckMs: 60_000 },
    ...over,
  });
  const emit = (s: ClusterSignal) => cap.signals.push(s);
  return { cluster, cap, emit };
}

export function kubeletFor(tb: Testbed, namespace: string) {
  return new KubeletStandIn({ kubectl: tb.kubectl, kubeconfig: tb.kubeconfig, namespace, env: tb.env });
}

/** The happy path a kubelet + CSI + cloud controller would produce, step by step. */
export async function bringUp(k: KubeletStandIn, spec: DeploySpec, o: { cachedImage?: boolean; lbIp?: string; beforeReady?: (pod: any) => Promise<void> } = {}) {
  const claim = cacheClaimName(spec.model, spec.cache.existingClaim);
  await k.waitFor(`pvc ${claim}`, async () => k.json(['get', 'pvc', claim, '-n', spec.namespace]).catch(() => null));
  const pvc = await k.json(['get', 'pvc', claim, '-n', spec.namespace]);
  if (pvc.status?.phase !== 'Bound') {
    await k.waitForPod(podSelector(spec.release));
    await k.provisionPvc(claim);
  }
  const pod = await k.waitForPod(podSelector(spec.release), { bound: true });
  await k.pulling(pod);
  await k.pulled(pod, o.cachedImage);
  await k.started(pod);
  await o.beforeReady?.(pod);
  await k.ready(pod);
  if (spec.serviceType === 'LoadBalancer') await k.setLbIngress(serviceName(spec.release), o.lbIp ?? '127.0.0.1');
  return pod;
}

export const kinds = (c: Capture) => c.signals.map((s) => s.kind);
