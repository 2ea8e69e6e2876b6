// Loader pods at run time: preflight (may the user create them, can a CPU node take them), start
// (ConfigMap + indexed Job, wait Running, one `kubectl port-forward` per pod), stop (delete, wait
// until the pods are gone, then stop billing), and the LevelEngineFactory the sweep uses.
// The results channel is the port-forward: any cluster the user can kubectl into, no ingress, no
// port opened; the loader listens on the pod's loopback only.
import type { Emit, PreflightCheck } from '../core/cluster.ts';
import { DEFAULT_PRICE_TABLE, formatUsd, hourlyRate, type PriceTable } from '../core/cost.ts';
import type { LevelEngineFactory } from '../load/level-engine.ts';
import { buildLoaderBundle } from '../load/remote/bundle.ts';
import { RemoteLoadEngine, type LoaderAddress } from '../load/remote/coordinator.ts';
import type { KubeExec, KubectlProcess } from './exec.ts';
import { cpuNodes, loaderFitCheck, loaderManifests, loaderName, loaderResources, loaderSelector, type LoaderSpec } from './loaders.ts';
import type { Condition, KubeList, Pod } from './k8s-types.ts';
import { LineSplitter, parsePortForwardLine } from './stream.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RBAC and capacity checks for the loaders, before anything is created. */
export async function loaderPreflight(exec: KubeExec, s: LoaderSpec, table: PriceTable = DEFAULT_PRICE_TABLE): Promise<PreflightCheck[]> {
  const verbs: [string, string][] = [['create', 'jobs.batch'], ['delete', 'jobs.batch'], ['create', 'configmaps'], ['delete', 'configmaps'], ['list', 'pods'], ['create', 'pods/portforward']];
  const denied: string[] = [];
  for (const [verb, res] of verbs) {
    const r = await exec.kubectl(['auth', 'can-i', verb, res, '-n', s.namespace], { allowFail: true, quiet: true });
    if (r.stdout.trim() !== 'yes') denied.push(`${verb} ${res}`);
  }
  const rbac: PreflightCheck = denied.length
    ? { id: 'loader-rbac', label: 'permission to run loader pods', status: 'fail', detail: `not allowed in namespace ${s.namespace}: ${denied.join(', ')}`, fix: `Ask for a Role granting ${denied.join(', ')} in ${s.namespace}, or load from this machine (--load-from local).` }
    : { id: 'loader-rbac', label: 'permission to run loader pods', status: 'pass', detail: `may create Jobs and ConfigMaps and port-forward to pods in ${s.namespace}` };
  const nodes = await exec.kubectl(['get', 'nodes', '-o', 'json'], { allowFail: true, quiet: true });
  const fit: PreflightCheck =
    nodes.exitCode === 0
      ? loaderFitCheck(cpuNodes(JSON.parse(nodes.stdout).items ?? [], s.allowGpuNode), s)
      : { id: 'loader-nodes', label: 'CPU nodes for the loaders', status: 'warn', detail: 'cannot list nodes: the scheduler will tell (loaders would stay Pending)' };
  const hourly = loaderResources(s).reduce((a, r) => a + (hourlyRate(table, r.priceItem, r.quantity) ?? NaN), 0);
  const cost: PreflightCheck = Number.isFinite(hourly)
    ? { id: 'loader-cost', label: 'loader pods cost', status: 'pass', detail: `${formatUsd(hourly)}/h for ${s.count} × ${s.cpu} vCPU/${s.memoryMiB} MiB while the sweep runs (${table.name})` }
    : { id: 'loader-cost', label: 'loader pods cost', status: 'warn', detail: `no CPU price in ${table.name}: loader pods show as unknown cost` };
  return [rbac, fit, cost];
}

interface Started {
  addresses: LoaderAddress[];
  stop(): Promise<boolean>;
}

/** Creates the loaders and one port-forward per pod; every failure path deletes what it created. */
export async function startLoaders(exec: KubeExec, s: LoaderSpec, files: Record<string, string>, emit: Emit, timeoutMs = 180_000): Promise<Started> {
  const name = loaderName(s.release);
  const forwards: KubectlProcess[] = [];
  const resources = loaderResources(s);
  let billing = false;
  const stop = async (): Promise<boolean> => {
    for (const f of forwards) f.kill('SIGTERM');
    await exec.kubectl(['delete', 'job', name, '-n', s.namespace, '--ignore-not-found', '--cascade=foreground', '--wait=false'], { allowFail: true });
    await exec.kubectl(['delete', 'configmap', name, '-n', s.namespace, '--ignore-not-found', '--wait=false'], { allowFail: true });
    // Billing stops when the pods are really gone, not when the delete was asked.
    const until = Date.now() + 120_000;
    for (;;) {
      const left = await listPods(exec, s).catch(() => null);
      if (left && left.length === 0) {
        if (billing) for (const r of resources) emit({ kind: 'resource', resource: r, action: 'stop' });
        billing = false;
        return true;
      }
      if (Date.now() > until) {
        exec.log('nimble', `loader pods of ${name} still there after 120 s: nimble status lists them, nimble cleanup removes them`);
        return false;
      }
      await sleep(1000);
    }
  };
  try {
    const list = { apiVersion: 'v1', kind: 'List', items: loaderManifests(s, files) };
    // Loaders left by an earlier run that could not clean up go first (a Job's pod template is
    // immutable); `create`, not `apply`: a client-side apply would copy the 0.5 MB bundle into an
    // annotation, over its 256 KiB limit.
    await exec.kubectl(['delete', 'job,configmap', '-l', loaderSelector(s.release), '-n', s.namespace, '--ignore-not-found', '--cascade=foreground', '--wait=true', '--timeout=120s'], { allowFail: true });
    await exec.kubectl(['create', '-f', '-', '-n', s.namespace], { input: JSON.stringify(list) });
    const pods = await waitRunning(exec, s, timeoutMs);
    for (const r of resources) emit({ kind: 'resource', resource: r, action: 'start' });
    billing = true;
    const addresses: LoaderAddress[] = [];
    for (const pod of pods) {
      // kubectl port-forward exits when a connection fails (the loader not listening yet): each
      // connection attempt starts a new one if the last has gone.
      let pf: { child: KubectlProcess; port: number } | null = null;
      const resolve = async () => {
        if (!pf || pf.child.exitCode !== null || pf.child.signalCode !== null) {
          pf = await portForward(exec, s.namespace, pod.metadata.name, s.port);
          forwards.push(pf.child);
        }
        return { host: '127.0.0.1', port: pf.port };
      };
      addresses.push({ name: `pod ${pod.metadata.name}`, host: '127.0.0.1', port: 0, resolve });
    }
    return { addresses, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function listPods(exec: KubeExec, s: LoaderSpec): Promise<Pod[]> {
  const r = await exec.kubectlJson<KubeList<Pod>>(['get', 'pods', '-n', s.namespace, '-l', loaderSelector(s.release), '-o', 'json']);
  return r.items ?? [];
}

async function waitRunning(exec: KubeExec, s: LoaderSpec, timeoutMs: number): Promise<Pod[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await listPods(exec, s)).filter((p) => !p.metadata.deletionTimestamp);
    const failed = pods.find((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
    if (failed) throw new Error(`loader pod ${failed.metadata.name} ended before the sweep (${failed.status?.phase}): kubectl logs -n ${s.namespace} ${failed.metadata.name}`);
    const running = pods.filter((p) => p.status?.phase === 'Running');
    if (running.length >= s.count) return running.slice(0, s.count).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (Date.now() > until) {
      const pending = pods.filter((p) => p.status?.phase !== 'Running');
      const why = pending.map((p) => (p.status?.conditions ?? []).find((c: Condition) => c.type === 'PodScheduled' && c.status === 'False')?.message ?? p.status?.phase ?? '?');
      throw new Error(`${running.length} of ${s.count} loader pods running after ${timeoutMs / 1000} s${why.length ? `: ${[...new Set(why)].join('; ')}` : ''}`);
    }
    await sleep(1000);
  }
}

function portForward(exec: KubeExec, ns: string, pod: string, port: number): Promise<{ child: KubectlProcess; port: number }> {
  const p = exec.spawnKubectl(['port-forward', `pod/${pod}`, `:${port}`, '-n', ns, '--address', '127.0.0.1']);
  const split = new LineSplitter();
  let stderr = '';
  p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => fail('no "Forwarding from" line within 30 s'), 30_000);
    p.stdout?.on('data', (c: Buffer) => {
      for (const line of split.push(c)) {
        const f = parsePortForwardLine(line);
        if (f) {
          clearTimeout(t);
          resolve({ child: p, port: f.port });
        }
      }
    });
    p.then(() => fail(exec.redact(stderr).trim() || 'kubectl port-forward exited'));
    function fail(why: string) {
      clearTimeout(t);
      p.kill('SIGTERM');
      reject(new Error(`port-forward to loader pod ${pod} failed: ${why}`));
    }
  });
}

export interface ClusterLoadOptions {
  exec: KubeExec;
  spec: LoaderSpec;
  /** URL the loaders send to: the NIM's in-cluster address (its Service). */
  target: string;
  emit: Emit;
}

/** The sweep's engine from loader pods: created when the sweep starts, deleted when it ends. */
export function clusterLoaders(o: ClusterLoadOptions): LevelEngineFactory {
  return async (init, onLog) => {
    const bundle = await buildLoaderBundle();
    let started: Started | null = null;
    try {
      onLog('info', `starting ${o.spec.count} loader pods in ${o.spec.namespace} (${o.spec.image}, ${o.spec.cpu} vCPU each; loader bundle ${Math.round(bundle.bytes / 1024)} KiB)`);
      started = await startLoaders(o.exec, o.spec, bundle.files, o.emit);
      const engine = await RemoteLoadEngine.open(started.addresses, { ...init, baseUrl: o.target, maxConnections: Math.ceil(init.maxConnections / o.spec.count) }, onLog);
      onLog('info', `load from: cluster (${o.spec.count} pods) → ${o.target}`);
      const close = engine.close.bind(engine);
      const terminate = engine.terminate.bind(engine);
      const s = started;
      return Object.assign(engine, {
        close: async (graceMs?: number) => (await close(graceMs), void (await s.stop())),
        terminate: async () => (await terminate(), void (await s.stop())),
      });
    } catch (err) {
      await started?.stop();
      throw err;
    } finally {
      bundle.remove();
    }
  };
}
